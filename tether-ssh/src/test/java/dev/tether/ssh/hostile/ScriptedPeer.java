package dev.tether.ssh.hostile;

import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.transport.CipherAlgorithms;
import dev.tether.ssh.transport.KeyDerivation;
import dev.tether.ssh.transport.PacketCipher;
import dev.tether.ssh.transport.PacketReader;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import javax.crypto.KeyAgreement;

/**
 * A scripted SSH peer over a raw TCP socket: it says exactly what the test tells it to, well-formed
 * or not, and reads what the server answers. Every read is bounded by the socket timeout, so a
 * server that hangs makes the test fail quickly instead of hanging it.
 *
 * <p>Before NEWKEYS it frames packets itself ({@code uint32 packet_length || byte padding_length
 * || payload || padding}, no MAC). {@link #handshake} runs a real curve25519-sha256 exchange with
 * strict KEX and derives the keys, after which {@link #sendEncrypted} seals hand-built packets
 * (valid MAC, any padding) and {@link #readEncryptedPacket} reads the server's.
 */
final class ScriptedPeer implements AutoCloseable {
    static final String VERSION = "SSH-2.0-ScriptedPeer_1.0";
    static final int NEWKEYS = 21;
    private static final int MAX_PLAIN_PACKET = 256 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Random random = new Random(42);
    /** Message numbers of the server's packets that were read and skipped. */
    final List<Integer> seen = new ArrayList<>();
    String serverVersion;
    /** Bytes on the wire of the last plaintext packet read, length field included. */
    int lastPacketLength;

    // Encrypted mode, after handshake().
    private PacketCipher outbound;
    private PacketReader reader;
    private int sendSeq;
    byte[] serverKexInit;
    byte[] serverHostKeyBlob;

    private ScriptedPeer(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 4096);
        this.out = socket.getOutputStream();
    }

    /** Wraps an already connected socket, e.g. one accepted by a scripted server. */
    static ScriptedPeer over(Socket s, Duration readTimeout) throws IOException {
        s.setSoTimeout((int) readTimeout.toMillis());
        s.setTcpNoDelay(true);
        return new ScriptedPeer(s);
    }

    static ScriptedPeer connect(int port) throws IOException {
        return connect(port, HostileSupport.STEP);
    }

    static ScriptedPeer connect(int port, Duration readTimeout) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout((int) readTimeout.toMillis());
        s.setTcpNoDelay(true);
        return new ScriptedPeer(s);
    }

    Socket socket() {
        return socket;
    }

    // ------------------------------------------------------------------ sending

    void sendVersion(String line) throws IOException {
        sendRaw((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    void sendVersion() throws IOException {
        sendVersion(VERSION);
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends and reports whether all of it went out; the server may already have closed. */
    boolean sendRawQuietly(byte[] bytes) {
        try {
            sendRaw(bytes);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends from another thread, for floods that the server may stop reading half-way. */
    CompletableFuture<Boolean> sendRawAsync(byte[] bytes) {
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        Thread t = new Thread(() -> f.complete(sendRawQuietly(bytes)), "scripted-peer-flood");
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** Sends a well-formed plaintext packet. */
    void sendPacket(byte[] payload) throws IOException {
        sendRaw(packet(payload));
        sendSeq++;
    }

    /** A well-formed plaintext packet: padded to a multiple of 8 with at least 4 bytes of padding. */
    static byte[] packet(byte[] payload) {
        int padding = 8 - ((5 + payload.length) % 8);
        if (padding < 4) {
            padding += 8;
        }
        return packet(payload, padding);
    }

    /** A plaintext packet with the given padding length, its length field computed honestly. */
    static byte[] packet(byte[] payload, int padding) {
        return rawPacket(1 + payload.length + padding, padding, payload, new byte[padding]);
    }

    /** A plaintext packet with every field chosen by the caller, consistent or not. */
    static byte[] rawPacket(int packetLength, int paddingLengthField, byte[] payload, byte[] padding) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(packetLength >>> 24);
        b.write(packetLength >>> 16);
        b.write(packetLength >>> 8);
        b.write(packetLength);
        b.write(paddingLengthField);
        b.writeBytes(payload);
        b.writeBytes(padding);
        return b.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    /** Half-closes: the server sees EOF, we can still read. */
    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    // ------------------------------------------------------------------ messages

    /** SSH_MSG_KEXINIT with the given lists. */
    static byte[] kexInit(List<String> kex, List<String> hostKey, List<String> ciphers, List<String> macs,
                          List<String> compression, boolean firstKexPacketFollows) {
        byte[] cookie = new byte[16];
        new Random(7).nextBytes(cookie);
        return new SshWriter(512).byteValue(20).raw(cookie)
                .nameList(kex).nameList(hostKey)
                .nameList(ciphers).nameList(ciphers)
                .nameList(macs).nameList(macs)
                .nameList(compression).nameList(compression)
                .nameList(List.of()).nameList(List.of())
                .bool(firstKexPacketFollows).uint32(0).toByteArray();
    }

    /** A KEXINIT that the server can agree to: curve25519, ed25519, the given cipher and MAC. */
    static byte[] kexInit(boolean strict, String cipher, String mac) {
        return kexInit(strict, cipher, mac, "none");
    }

    static byte[] kexInit(boolean strict, String cipher, String mac, String compression) {
        List<String> kex = strict ? List.of("curve25519-sha256", "kex-strict-c-v00@openssh.com") : List.of("curve25519-sha256");
        return kexInit(kex, List.of("ssh-ed25519"), List.of(cipher), List.of(mac == null ? "hmac-sha2-256" : mac),
                List.of(compression), false);
    }

    static byte[] kexInit(boolean strict) {
        return kexInit(strict, "aes128-ctr", "hmac-sha2-256");
    }

    static byte[] ignore(int n) {
        return new SshWriter(n + 8).byteValue(2).string(new byte[n]).toByteArray();
    }

    static byte[] debug(String text) {
        return new SshWriter(64).byteValue(4).bool(false).string(text).string("").toByteArray();
    }

    static byte[] serviceRequest(String name) {
        return new SshWriter(32).byteValue(5).string(name).toByteArray();
    }

    static byte[] channelOpen() {
        return new SshWriter(64).byteValue(90).string("session").uint32(0).uint32(1 << 20).uint32(32768).toByteArray();
    }

    static byte[] ecdhInit(byte[] qc) {
        return new SshWriter(qc.length + 8).byteValue(30).string(qc).toByteArray();
    }

    /** A fresh X25519 key pair and its 32-byte little-endian public value u. */
    static KeyPair x25519() {
        try {
            return KeyPairGenerator.getInstance("X25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] x25519Public(KeyPair kp) {
        BigInteger u = ((XECPublicKey) kp.getPublic()).getU();
        byte[] be = u.toByteArray();
        byte[] le = new byte[32];
        for (int i = 0; i < 32 && i < be.length; i++) {
            le[i] = be[be.length - 1 - i];
        }
        return le;
    }

    static byte[] x25519Agree(KeyPair kp, byte[] peerLe) throws GeneralSecurityException {
        byte[] be = new byte[32];
        for (int i = 0; i < 32; i++) {
            be[i] = peerLe[31 - i];
        }
        be[0] &= 0x7f;
        KeyFactory kf = KeyFactory.getInstance("X25519");
        var pub = kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, be)));
        KeyAgreement ka = KeyAgreement.getInstance("X25519");
        ka.init(kp.getPrivate());
        ka.doPhase(pub, true);
        return ka.generateSecret();
    }

    // ------------------------------------------------------------------ receiving (plaintext)

    /** Reads the server's identification line (skipping any lines before it). */
    String readVersion() throws IOException {
        for (int lines = 0; lines < 64; lines++) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                int b = readByte();
                if (b < 0) {
                    throw new AssertionError("server closed before sending its identification line");
                }
                if (b == '\n') {
                    break;
                }
                line.write(b);
                if (line.size() > 255) {
                    throw new AssertionError("server's identification line is longer than 255 bytes");
                }
            }
            String s = line.toString(StandardCharsets.ISO_8859_1);
            if (s.endsWith("\r")) {
                s = s.substring(0, s.length() - 1);
            }
            if (s.startsWith("SSH-")) {
                serverVersion = s;
                return s;
            }
        }
        throw new AssertionError("no identification line from the server");
    }

    private int readByte() throws IOException {
        try {
            return in.read();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("server sent nothing for " + socket.getSoTimeout() + " ms (hang?)", e);
        }
    }

    private void readFully(byte[] b, int off, int len, boolean eofAtStartIsEof) throws IOException {
        int done = 0;
        while (done < len) {
            int n;
            try {
                n = in.read(b, off + done, len - done);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("server sent nothing for " + socket.getSoTimeout() + " ms (hang?)", e);
            }
            if (n < 0) {
                if (done == 0 && eofAtStartIsEof) {
                    throw new EOFException("server closed the connection");
                }
                throw new AssertionError("server closed the connection in the middle of a packet");
            }
            done += n;
        }
    }

    /** Reads one plaintext packet and returns its payload. EOFException when the server closed between packets. */
    byte[] readPacket() throws IOException {
        byte[] head = new byte[5];
        readFully(head, 0, 4, true);
        int len = ((head[0] & 0xff) << 24) | ((head[1] & 0xff) << 16) | ((head[2] & 0xff) << 8) | (head[3] & 0xff);
        if (len < 5 || len > MAX_PLAIN_PACKET || (len + 4) % 8 != 0) {
            throw new AssertionError("server sent a malformed packet length " + (len & 0xffffffffL));
        }
        byte[] body = new byte[len];
        readFully(body, 0, len, false);
        lastPacketLength = 4 + len;
        int padding = body[0] & 0xff;
        if (padding < 4 || padding > len - 2) {
            throw new AssertionError("server sent padding length " + padding + " in a packet of " + len);
        }
        return Arrays.copyOfRange(body, 1, len - padding);
    }

    /** Reads plaintext packets until one with message number {@code m}; fails on anything else. */
    byte[] expectPacket(int m) throws IOException {
        byte[] p = readPacket();
        if ((p[0] & 0xff) != m) {
            if ((p[0] & 0xff) == 1) {
                throw new AssertionError("expected message " + m + " but the server disconnected: " + Disconnect.decode(p));
            }
            throw new AssertionError("expected message " + m + ", got " + (p[0] & 0xff));
        }
        return p;
    }

    /** The server's DISCONNECT, as decoded from the wire. */
    record Disconnect(int code, String description) {
        static Disconnect decode(byte[] payload) {
            try {
                SshReader r = new SshReader(payload, 1, payload.length - 1);
                int code = r.uint32();
                String d = new String(r.string(), StandardCharsets.UTF_8);
                r.string(); // language tag
                return new Disconnect(code, d);
            } catch (IOException e) {
                throw new AssertionError("server sent a malformed DISCONNECT", e);
            }
        }
    }

    /**
     * Reads the server's plaintext packets (skipping KEXINIT and the like) until its DISCONNECT.
     * Fails if the server closes without one or goes quiet.
     */
    Disconnect readDisconnect() throws IOException {
        for (int i = 0; i < 1000; i++) {
            byte[] p;
            try {
                p = readPacket();
            } catch (EOFException | SocketException e) {
                throw new AssertionError("server closed without sending DISCONNECT (saw messages " + seen + ")", e);
            }
            int m = p[0] & 0xff;
            if (m == 1) {
                return Disconnect.decode(p);
            }
            seen.add(m);
        }
        throw new AssertionError("no DISCONNECT after 1000 packets");
    }

    /**
     * Asserts the server closes the connection (EOF or reset) within the read timeout and sends
     * nothing more before it.
     */
    void expectClosed() throws IOException {
        byte[] b = new byte[4096];
        int extra = 0;
        while (true) {
            int n;
            try {
                n = in.read(b);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("server did not close the connection within " + socket.getSoTimeout() + " ms", e);
            } catch (SocketException e) {
                return; // reset: closed
            }
            if (n < 0) {
                if (extra > 0) {
                    throw new AssertionError("server sent " + extra + " unexpected bytes before closing");
                }
                return;
            }
            extra += n;
        }
    }

    /** Reads and discards whatever the server sends until it closes; for scenarios where it must not send DISCONNECT. */
    List<Integer> drainPacketsUntilClosed() throws IOException {
        List<Integer> types = new ArrayList<>();
        while (true) {
            try {
                types.add(readPacket()[0] & 0xff);
            } catch (EOFException | SocketException e) {
                return types;
            }
        }
    }

    /** Reads and discards raw bytes until the other side closes (EOF or reset). */
    void drainRawUntilClosed() throws IOException {
        byte[] b = new byte[8192];
        while (true) {
            try {
                if (in.read(b) < 0) {
                    return;
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the other side did not close within " + socket.getSoTimeout() + " ms", e);
            } catch (SocketException e) {
                return;
            }
        }
    }

    // ------------------------------------------------------------------ a real key exchange

    /**
     * Runs a real curve25519-sha256 key exchange with strict KEX (so that both sequence numbers
     * restart at zero after NEWKEYS) and switches to the negotiated cipher in both directions.
     */
    void handshake(String cipher, String mac) throws IOException {
        handshake(cipher, mac, "none");
    }

    /**
     * As {@link #handshake(String, String)}, negotiating {@code compression}; with {@code zlib}
     * every later payload is deflated (one stream, a sync flush per packet) unless sent with
     * {@link #sendEncryptedRawPayload}, and the server's are inflated.
     */
    void handshake(String cipher, String mac, String compression) throws IOException {
        sendVersion();
        readVersion();
        byte[] ic = kexInit(true, cipher, mac, compression);
        sendPacket(ic);
        serverKexInit = expectPacket(20);
        SshReader sk = new SshReader(serverKexInit, 17, serverKexInit.length - 17);
        if (!sk.nameList().contains("kex-strict-s-v00@openssh.com")) {
            throw new AssertionError("the server does not offer strict KEX; the encrypting peer needs it");
        }
        KeyPair x = x25519();
        byte[] qc = x25519Public(x);
        sendPacket(ecdhInit(qc));
        byte[] reply = expectPacket(31);
        SshReader r = new SshReader(reply, 1, reply.length - 1);
        serverHostKeyBlob = r.string();
        byte[] qs = r.string();
        r.string(); // signature: the hostile tests trust the server they started
        byte[] secret;
        try {
            secret = x25519Agree(x, qs);
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
        byte[] k = new SshWriter(40).mpintUnsigned(secret).toByteArray();
        byte[] h;
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(new SshWriter(2048)
                    .string(VERSION).string(serverVersion)
                    .string(ic).string(serverKexInit)
                    .string(serverHostKeyBlob).string(qc).string(qs).raw(k).toByteArray());
            h = md.digest();
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
        sendPacket(new byte[]{(byte) NEWKEYS});
        expectPacket(NEWKEYS);
        boolean aead = CipherAlgorithms.isAead(cipher);
        String m = aead ? null : mac;
        int kl = CipherAlgorithms.keyLength(cipher);
        int il = CipherAlgorithms.ivLength(cipher);
        int ml = aead ? 0 : CipherAlgorithms.macKeyLength(mac);
        outbound = CipherAlgorithms.create(cipher, m, true,
                KeyDerivation.derive("SHA-256", k, h, 'C', h, kl), KeyDerivation.derive("SHA-256", k, h, 'A', h, il),
                aead ? null : KeyDerivation.derive("SHA-256", k, h, 'E', h, ml));
        PacketCipher inbound = CipherAlgorithms.create(cipher, m, false,
                KeyDerivation.derive("SHA-256", k, h, 'D', h, kl), KeyDerivation.derive("SHA-256", k, h, 'B', h, il),
                aead ? null : KeyDerivation.derive("SHA-256", k, h, 'F', h, ml));
        sendSeq = 0; // strict KEX
        reader = new PacketReader(in);
        reader.setCipher(inbound);
        if (compression.equals("zlib")) {
            deflater = new java.util.zip.Deflater(6);
            reader.enableCompression();
        }
    }

    private java.util.zip.Deflater deflater;

    /** Deflates like the negotiated zlib stream does: appends to the stream, then a sync flush. */
    byte[] deflate(byte[] payload) {
        deflater.setInput(payload);
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        while (true) {
            int n = deflater.deflate(b, 0, b.length, java.util.zip.Deflater.SYNC_FLUSH);
            o.write(b, 0, n);
            if (n < b.length && deflater.needsInput()) {
                return o.toByteArray();
            }
        }
    }

    /** Sends {@code wirePayload} as is, bypassing compression: for hand-made compressed payloads. */
    void sendEncryptedRawPayload(byte[] wirePayload) throws IOException {
        java.util.zip.Deflater d = deflater;
        deflater = null;
        try {
            sendEncrypted(wirePayload);
        } finally {
            deflater = d;
        }
    }

    /** Seals and sends a well-formed packet under the negotiated keys (compressed if zlib was negotiated). */
    void sendEncrypted(byte[] payload) throws IOException {
        if (deflater != null) {
            payload = deflate(payload);
        }
        int bs = outbound.blockSize();
        int unpadded = outbound.lengthExcludedFromPadding() ? 1 + payload.length : 5 + payload.length;
        int padding = bs - unpadded % bs;
        if (padding < 4) {
            padding += bs;
        }
        sendEncrypted(payload, padding, padding);
    }

    /**
     * Seals and sends a packet whose padding_length field says {@code paddingField} while
     * {@code actualPadding} bytes of padding follow the payload. The MAC is valid, so only the
     * server's padding checks can catch it. The total must still be a whole number of blocks.
     */
    void sendEncrypted(byte[] payload, int paddingField, int actualPadding) throws IOException {
        int packetLength = 1 + payload.length + actualPadding;
        int aligned = outbound.lengthExcludedFromPadding() ? packetLength : packetLength + 4;
        if (aligned % outbound.blockSize() != 0) {
            throw new IllegalArgumentException("packet of " + packetLength + " bytes is not block aligned");
        }
        byte[] buf = new byte[4 + packetLength + outbound.tagLength()];
        buf[0] = (byte) (packetLength >>> 24);
        buf[1] = (byte) (packetLength >>> 16);
        buf[2] = (byte) (packetLength >>> 8);
        buf[3] = (byte) packetLength;
        buf[4] = (byte) paddingField;
        System.arraycopy(payload, 0, buf, 5, payload.length);
        byte[] pad = new byte[actualPadding];
        random.nextBytes(pad);
        System.arraycopy(pad, 0, buf, 5 + payload.length, actualPadding);
        outbound.seal(sendSeq, buf, 0, packetLength);
        sendRaw(buf);
        sendSeq++;
    }

    int outboundBlockSize() {
        return outbound.blockSize();
    }

    boolean outboundLengthExcludedFromPadding() {
        return outbound.lengthExcludedFromPadding();
    }

    /** Reads one packet under the negotiated keys; returns its whole payload. */
    byte[] readEncryptedPacket() throws IOException {
        try {
            reader.read();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("server sent nothing for " + socket.getSoTimeout() + " ms (hang?)", e);
        }
        return reader.payloadCopy();
    }

    /** Reads encrypted packets until the server's DISCONNECT. */
    Disconnect readEncryptedDisconnect() throws IOException {
        for (int i = 0; i < 100; i++) {
            byte[] p;
            try {
                p = readEncryptedPacket();
            } catch (EOFException | SocketException e) {
                throw new AssertionError("server closed without sending DISCONNECT (saw messages " + seen + ")", e);
            }
            if ((p[0] & 0xff) == 1) {
                return Disconnect.decode(p);
            }
            seen.add(p[0] & 0xff);
        }
        throw new AssertionError("no DISCONNECT after 100 packets");
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
