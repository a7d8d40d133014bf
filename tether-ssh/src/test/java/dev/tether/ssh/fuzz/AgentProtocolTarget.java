package dev.tether.ssh.fuzz;

import dev.tether.ssh.agent.AgentClient;
import dev.tether.ssh.agent.AgentMessages;
import dev.tether.ssh.agent.Identity;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The agent protocol (draft-miller-ssh-agent, OpenSSH PROTOCOL.agent) as the library parses it.
 * Replies go through the real {@link AgentClient} over a Unix socket to an in-process agent that
 * answers every request with the fuzz input's payload (properly framed): the identities answer,
 * the sign response (with the client's signature blob check), the query extension reply, and a
 * success/failure expectation. The library has no agent server; the requests it can decode
 * ({@link AgentMessages#decodeRequest}, private keys of add-identity included) and the stream
 * splitter ({@link AgentMessages.FrameDecoder}, which agent forwarding uses) are driven directly.
 *
 * <p>Input: byte 0 (mod 8) picks the operation, the rest is the payload. Only {@link SshException}
 * is expected. Invariants: a response or request that decodes re-encodes to bytes that decode
 * and encode the same; the frame decoder returns the same payloads however the stream is cut.
 */
public final class AgentProtocolTarget {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] ED25519 = new SshWriter().string("ssh-ed25519").string(new byte[32]).toByteArray();
    private static final byte[] RSA = new SshWriter().string("ssh-rsa").string(new byte[]{1, 0, 1}).string(new byte[]{0, (byte) 0xc1})
            .toByteArray();
    private static volatile byte[] reply = new byte[]{AgentMessages.SSH_AGENT_FAILURE};
    private static final Path SOCKET = startAgent();
    private static AgentClient client;

    private AgentProtocolTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length == 0) {
            return;
        }
        int op = (data[0] & 0xff) % 8;
        byte[] payload = Arrays.copyOfRange(data, 1, data.length);
        try {
            switch (op) {
                case 0 -> {
                    List<Identity> ids = viaClient(payload, c -> c.identities());
                    if (ids != null) {
                        for (Identity id : ids) {
                            if (id.blob().length == 0) {
                                throw new IllegalStateException("an identity with an empty key blob");
                            }
                            id.keyType(); // what ssh-add -l shows, and how a key is picked
                            id.fingerprint();
                            id.signatureAlgorithms();
                            try {
                                id.publicKey();
                            } catch (SshException e) {
                                // a key type or encoding we cannot use: skipped for authentication
                            }
                        }
                    }
                }
                case 1 -> viaClient(payload, c -> c.sign(ED25519, new byte[]{1, 2, 3}, "ssh-ed25519"));
                case 2 -> viaClient(payload, c -> c.sign(RSA, new byte[]{1, 2, 3}, "rsa-sha2-512"));
                case 3 -> viaClient(payload, c -> c.queryExtensions());
                case 4 -> viaClient(payload, c -> {
                    c.removeAll();
                    return null;
                });
                case 5 -> roundTripResponse(payload);
                case 6 -> roundTripRequest(payload);
                default -> frames(payload);
            }
        } catch (SshException e) {
            // malformed: the client reports it (and for agent forwarding the channel ends)
        }
    }

    private interface Call<T> {
        T run(AgentClient c) throws SshException;
    }

    private static synchronized <T> T viaClient(byte[] payload, Call<T> call) throws SshException {
        if (payload.length == 0 || payload.length > AgentMessages.MAX_MESSAGE_LENGTH) {
            return null;
        }
        if (client == null || !client.isOpen()) {
            client = AgentClient.connect(SOCKET, TIMEOUT);
        }
        reply = payload;
        return call.run(client);
    }

    private static void roundTripResponse(byte[] payload) throws SshException {
        byte[] first = AgentMessages.decodeResponse(payload).encode();
        byte[] second = AgentMessages.decodeResponse(first).encode();
        if (!Arrays.equals(first, second)) {
            throw new IllegalStateException("agent response changes when encoded and decoded again");
        }
    }

    private static void roundTripRequest(byte[] payload) throws SshException {
        AgentMessages.Request q = AgentMessages.decodeRequest(payload);
        byte[] first = q.encode();
        byte[] second = AgentMessages.decodeRequest(first).encode();
        if (!Arrays.equals(first, second)) {
            throw new IllegalStateException("agent request " + q.type() + " changes when encoded and decoded again");
        }
    }

    /** The stream fed whole and byte by byte gives the same payloads. */
    private static void frames(byte[] stream) throws SshException {
        List<byte[]> whole = new AgentMessages.FrameDecoder().feed(stream, 0, stream.length);
        AgentMessages.FrameDecoder d = new AgentMessages.FrameDecoder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int n = 0;
        for (int i = 0; i < stream.length; i++) {
            for (byte[] p : d.feed(stream, i, 1)) {
                if (n >= whole.size() || !Arrays.equals(p, whole.get(n))) {
                    throw new IllegalStateException("frame " + n + " differs when the stream is fed byte by byte");
                }
                bytes.writeBytes(p);
                n++;
            }
        }
        if (n != whole.size()) {
            throw new IllegalStateException(n + " frames byte by byte, " + whole.size() + " whole");
        }
    }

    /** An agent that answers each request with {@link #reply}, framed. */
    private static Path startAgent() {
        try {
            Path dir = Files.createTempDirectory("tether-fuzz-agent");
            Path socket = dir.resolve("agent.sock");
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            socket.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            Thread t = new Thread(() -> serve(server), "fuzz-agent");
            t.setDaemon(true);
            t.start();
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void serve(ServerSocketChannel server) {
        while (true) {
            try (SocketChannel s = server.accept()) {
                ByteBuffer header = ByteBuffer.allocate(4);
                while (true) {
                    header.clear();
                    if (!readFully(s, header)) {
                        break;
                    }
                    ByteBuffer body = ByteBuffer.allocate(header.getInt(0));
                    if (!readFully(s, body)) {
                        break;
                    }
                    byte[] r = reply;
                    ByteBuffer out = ByteBuffer.allocate(4 + r.length).putInt(r.length).put(r).flip();
                    while (out.hasRemaining()) {
                        s.write(out);
                    }
                }
            } catch (IOException e) {
                // the client hung up: wait for the next
            }
        }
    }

    private static boolean readFully(SocketChannel s, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (s.read(b) < 0) {
                return false;
            }
        }
        return true;
    }
}
