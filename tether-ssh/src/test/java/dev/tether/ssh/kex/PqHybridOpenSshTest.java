package dev.tether.ssh.kex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Peers;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.Processes;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.List;

/**
 * Interoperability with the installed OpenSSH: our client against a real {@code sshd}, and our
 * server against a real {@code ssh}. Only the key exchange is run, over plaintext binary packets
 * (RFC 4253 §6 before NEWKEYS). A valid ssh-ed25519 signature from sshd over our H (and, the other
 * way, ssh accepting our signature and answering with NEWKEYS) proves that K and H match
 * OpenSSH's byte for byte.
 *
 * <p>Methods the installed OpenSSH does not offer ({@code ssh -Q kex}) are skipped; OpenSSH 9.2
 * has both sntrup761 names but not mlkem768x25519-sha256 (9.9).
 */
@Timeout(90)
class PqHybridOpenSshTest {
    private static final int WAIT_SECONDS = 20;
    private static final String VERSION = "SSH-2.0-TetherPqTest";

    private final SecureRandom random = new SecureRandom();

    // ================================================================ our client, OpenSSH's sshd

    @ParameterizedTest
    @ValueSource(strings = {"sntrup761x25519-sha512@openssh.com", "sntrup761x25519-sha512", "mlkem768x25519-sha256"})
    void tetherClientAgainstSshd(String method) throws Exception {
        Peers.requireSshd();
        Peers.requireSshKeygen();
        Peers.requireSsh(); // ssh -Q kex says what this OpenSSH offers
        // not a missing peer: the installed OpenSSH's version decides (9.2 has no mlkem768x25519-sha256)
        assumeTrue(openSshOffers(method), "the installed OpenSSH does not offer " + method);

        try (PrivateSshd sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519),
                List.of("KexAlgorithms " + method, "HostKeyAlgorithms ssh-ed25519"))) {
            byte[] hostKeyBlob = sshd.hostKeyBlob(PrivateSshd.HostKey.ED25519);
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), sshd.port()), WAIT_SECONDS * 1000);
                socket.setSoTimeout(WAIT_SECONDS * 1000);
                Wire wire = new Wire(socket);
                wire.writeVersion();
                byte[] serverVersion = wire.readVersion();
                byte[] clientKexInit = kexInit(method);
                wire.writePacket(clientKexInit);
                byte[] serverKexInit = wire.readPacket();
                assertEquals(20, serverKexInit[0] & 0xff, "sshd's first packet is KEXINIT");

                KexContext ctx = new KexContext(VERSION.getBytes(StandardCharsets.US_ASCII), serverVersion,
                        clientKexInit, serverKexInit, random);
                KexAlgorithm kex = PqHybridRoundTripTest.byName(method);
                KexResult result;
                try {
                    result = kex.client(wire, ctx);
                } catch (SshException e) {
                    throw new AssertionError("key exchange failed: " + e.getMessage() + "\n" + tail(sshd.log()), e);
                }
                assertArrayEquals(hostKeyBlob, result.hostKey(), "K_S is sshd's host key");
                assertTrue(PqTestPipe.verifyEd25519(result.hostKey(), result.signature(), result.exchangeHash()),
                        "sshd's signature over our H must verify (K and H as OpenSSH computes them)\n" + tail(sshd.log()));
                byte[] next = wire.readPacket();
                assertEquals(21, next[0] & 0xff, "sshd sends NEWKEYS next");
            }
        }
    }

    // ================================================================ OpenSSH's ssh, our server

    @ParameterizedTest
    @ValueSource(strings = {"sntrup761x25519-sha512@openssh.com", "sntrup761x25519-sha512", "mlkem768x25519-sha256"})
    void openSshClientAgainstTetherServer(String method) throws Exception {
        Peers.requireSsh();
        // not a missing peer: the installed OpenSSH's version decides (9.2 has no mlkem768x25519-sha256)
        assumeTrue(openSshOffers(method), "the installed OpenSSH does not offer " + method);

        PqTestPipe.Ed25519HostKey hostKey = new PqTestPipe.Ed25519HostKey();
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             OpenSshClient client = new OpenSshClient()) {
            listener.setSoTimeout(WAIT_SECONDS * 1000);
            try (Processes.Running ssh = client.to(listener.getLocalPort(), "tether").kex(method).hostKeyAlgorithms("ssh-ed25519")
                    .option("ConnectTimeout", Integer.toString(WAIT_SECONDS)).command("true").start();
                 Socket socket = listener.accept()) {
                socket.setSoTimeout(WAIT_SECONDS * 1000);
                Wire wire = new Wire(socket);
                wire.writeVersion();
                byte[] clientVersion = wire.readVersion();
                byte[] serverKexInit = kexInit(method);
                wire.writePacket(serverKexInit);
                byte[] clientKexInit = wire.readPacket();
                assertEquals(20, clientKexInit[0] & 0xff, "ssh's first packet is KEXINIT");

                KexContext ctx = new KexContext(clientVersion, VERSION.getBytes(StandardCharsets.US_ASCII),
                        clientKexInit, serverKexInit, random);
                KexAlgorithm kex = PqHybridRoundTripTest.byName(method);
                try {
                    kex.server(wire, ctx, hostKey);
                } catch (SshException e) {
                    throw new AssertionError("key exchange failed: " + e.getMessage() + "\n" + tail(ssh.stderr()), e);
                }
                byte[] next;
                try {
                    next = wire.readPacket();
                } catch (IOException e) {
                    throw new AssertionError("ssh did not accept our reply:\n" + tail(ssh.stderr()), e);
                }
                assertEquals(21, next[0] & 0xff,
                        "ssh verified our signature over H and answers NEWKEYS\n" + tail(ssh.stderr()));
            }
        }
    }

    // ================================================================ helpers

    /** Whether {@code ssh -Q kex} lists the method. */
    private static boolean openSshOffers(String method) {
        return Files.isExecutable(Peers.SSH) && OpenSshClient.query("kex").contains(method);
    }

    /** The last 200 lines of a log, for failure messages. */
    private static String tail(String log) {
        List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 200), lines.size()));
    }

    /** A KEXINIT payload offering exactly one method and ssh-ed25519 (RFC 4253 §7.1). */
    private byte[] kexInit(String method) {
        byte[] cookie = new byte[16];
        random.nextBytes(cookie);
        return new SshWriter().byteValue(20).raw(cookie)
                .string(method)
                .string("ssh-ed25519")
                .string("aes128-ctr").string("aes128-ctr")
                .string("hmac-sha2-256").string("hmac-sha2-256")
                .string("none").string("none")
                .string("").string("")
                .bool(false).uint32(0)
                .toByteArray();
    }

    /**
     * Version exchange and unencrypted binary packets (RFC 4253 §4.2 and §6 with the "none"
     * cipher and MAC), and a {@link KexIo} over them.
     */
    private static final class Wire implements KexIo {
        private static final int MAX_PACKET = 35000;
        private final DataInputStream in;
        private final OutputStream out;
        private final SecureRandom padding = new SecureRandom();

        Wire(Socket socket) throws IOException {
            in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            out = socket.getOutputStream();
        }

        void writeVersion() throws IOException {
            out.write((VERSION + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** The peer's identification line without CR LF, skipping any lines before it. */
        byte[] readVersion() throws IOException {
            for (int lines = 0; lines < 20; lines++) {
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                for (int b; (b = in.read()) != '\n'; ) {
                    if (b < 0) {
                        throw new EOFException("connection closed during version exchange");
                    }
                    if (line.size() > 255) {
                        throw new IOException("identification line too long");
                    }
                    line.write(b);
                }
                byte[] l = line.toByteArray();
                int n = l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length;
                String s = new String(l, 0, n, StandardCharsets.US_ASCII);
                if (s.startsWith("SSH-")) {
                    return s.getBytes(StandardCharsets.US_ASCII);
                }
            }
            throw new IOException("no identification line");
        }

        void writePacket(byte[] payload) throws IOException {
            int pad = 8 - ((5 + payload.length) % 8);
            if (pad < 4) {
                pad += 8;
            }
            byte[] padBytes = new byte[pad];
            padding.nextBytes(padBytes);
            out.write(new SshWriter(payload.length + pad + 5)
                    .uint32(1 + payload.length + pad).byteValue(pad).raw(payload).raw(padBytes).toByteArray());
            out.flush();
        }

        byte[] readPacket() throws IOException {
            int length = in.readInt();
            if (length < 5 || length > MAX_PACKET) {
                throw new IOException("bad packet length " + length);
            }
            byte[] packet = new byte[length];
            in.readFully(packet);
            int pad = packet[0] & 0xff;
            if (pad < 4 || pad > length - 2) {
                throw new IOException("bad padding length " + pad);
            }
            byte[] payload = new byte[length - 1 - pad];
            System.arraycopy(packet, 1, payload, 0, payload.length);
            return payload;
        }

        @Override
        public byte[] read() throws IOException {
            while (true) {
                byte[] p = readPacket();
                int n = p[0] & 0xff;
                if (n == 2 || n == 4) {
                    continue; // IGNORE, DEBUG
                }
                if (n == 1) {
                    SshReader r = new SshReader(p, 1, p.length - 1);
                    int code = r.uint32();
                    throw new SshException("peer disconnected (" + code + "): " + r.utf8());
                }
                return p;
            }
        }

        @Override
        public void write(byte[] payload) throws IOException {
            writePacket(payload);
        }
    }
}
