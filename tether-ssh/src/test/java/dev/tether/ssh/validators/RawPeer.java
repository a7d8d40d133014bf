package dev.tether.ssh.validators;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A raw TCP client for the limit tests: it sends only what a test tells it to (nothing, a
 * version line, garbage) and reads the server's version line and unencrypted packets, so that a
 * test can see whether it got KEXINIT (admitted) or a DISCONNECT (refused or evicted) and with
 * which code. Not thread-safe; one test thread uses it.
 */
final class RawPeer implements AutoCloseable {
    /** What the server sent after its version line. */
    record Outcome(int messageNumber, int disconnectCode, String description) {
        boolean admitted() {
            return messageNumber == 20; // KEXINIT
        }

        boolean disconnected(int code) {
            return messageNumber == 1 && disconnectCode == code;
        }
    }

    private final Socket socket;
    private final DataInputStream in;

    private RawPeer(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
    }

    /** Connects to 127.0.0.1:port from {@code source} (e.g. 127.0.0.2; null for any). */
    static RawPeer connect(int port, String source) throws IOException {
        Socket s = new Socket();
        try {
            if (source != null) {
                s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            }
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            return new RawPeer(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    static RawPeer connect(int port) throws IOException {
        return connect(port, null);
    }

    void send(byte[] bytes) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    void send(String ascii) throws IOException {
        send(ascii.getBytes(StandardCharsets.US_ASCII));
    }

    /** The server's version line (without CR LF); waits at most {@code timeout}. */
    String versionLine(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("closed before the version line: " + line);
            }
            if (b == '\n') {
                String s = line.toString().strip();
                if (s.startsWith("SSH-")) {
                    return s;
                }
                line.setLength(0);
            } else if (line.length() < 255) {
                line.append((char) b);
            }
        }
    }

    /**
     * After the version line: the first packet that is neither IGNORE nor DEBUG, if
     * {@code skipKexInit} the first that is not KEXINIT either. Null if the connection closes or
     * nothing comes within {@code timeout}.
     */
    Outcome next(Duration timeout, boolean skipKexInit) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            if (deadline - System.nanoTime() <= 0) {
                return null;
            }
            socket.setSoTimeout((int) left);
            byte[] payload;
            try {
                int length = in.readInt();
                if (length < 5 || length > 64 * 1024) {
                    throw new IOException("bad packet length " + length);
                }
                int pad = in.readUnsignedByte();
                payload = new byte[length - 1 - pad];
                in.readFully(payload);
                in.skipNBytes(pad);
            } catch (EOFException | SocketTimeoutException e) {
                return null;
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().contains("reset")) {
                    return null;
                }
                throw e;
            }
            int type = payload[0] & 0xff;
            if (type == 2 || type == 4 || (type == 20 && skipKexInit)) {
                continue;
            }
            if (type == 1) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(payload, 1, payload.length - 1);
                int code = b.getInt();
                byte[] d = new byte[b.getInt()];
                b.get(d);
                return new Outcome(1, code, new String(d, StandardCharsets.UTF_8));
            }
            return new Outcome(type, 0, null);
        }
    }

    /**
     * Sends a version line, then reads the server's and the first packet after it: KEXINIT when
     * admitted (a server sends it once it has the client's version), DISCONNECT when refused.
     */
    Outcome greeting(Duration timeout) throws IOException {
        send("SSH-2.0-RawPeer\r\n");
        versionLine(timeout);
        return next(timeout, false);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
