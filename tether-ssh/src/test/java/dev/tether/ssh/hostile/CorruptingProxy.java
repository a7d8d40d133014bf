package dev.tether.ssh.hostile;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A byte-level TCP proxy between a client and a server on loopback that corrupts the client's
 * stream once the key exchange is over: it follows the client's identification line and its
 * plaintext packets until it has forwarded the client's NEWKEYS, then XORs {@code mask} into the
 * byte at {@code offset} counted from the first byte after that NEWKEYS (so offset 0 is the first
 * byte of the first encrypted packet). Everything else passes unchanged, in both directions.
 *
 * <p>One connection at a time is enough for the tests; each accepted connection gets its own pair
 * of pump threads, which end when either side closes.
 */
final class CorruptingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int targetPort;
    private final long offset;
    private final int mask;
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    /** Completes when the corruption was applied; carries the original byte value. */
    final CompletableFuture<Integer> corrupted = new CompletableFuture<>();
    private volatile boolean closed;

    CorruptingProxy(int targetPort, long offset, int mask) throws IOException {
        this.targetPort = targetPort;
        this.offset = offset;
        this.mask = mask;
        this.listener = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "corrupting-proxy-acceptor");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(server);
                CompletableFuture<Void> up = new CompletableFuture<>();
                CompletableFuture<Void> down = new CompletableFuture<>();
                start("corrupting-proxy-c2s", () -> {
                    try {
                        pumpClientToServer(client.getInputStream(), server.getOutputStream());
                    } finally {
                        halfClose(server, client);
                        up.complete(null);
                    }
                });
                start("corrupting-proxy-s2c", () -> {
                    try {
                        copy(server.getInputStream(), client.getOutputStream());
                    } finally {
                        halfClose(client, server);
                        down.complete(null);
                    }
                });
                CompletableFuture.allOf(up, down).whenComplete((v, e) -> {
                    closeQuietly(client);
                    closeQuietly(server);
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    private interface IoRunnable {
        void run() throws IOException;
    }

    private static void start(String name, IoRunnable r) {
        Thread t = new Thread(() -> {
            try {
                r.run();
            } catch (IOException ignored) {
                // the connection ended
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    /** Stops {@code to}'s output and {@code from}'s input, so the other pump can finish on its own. */
    private static void halfClose(Socket to, Socket from) {
        try {
            to.shutdownOutput();
        } catch (IOException ignored) {
            // already closed
        }
        try {
            from.shutdownInput();
        } catch (IOException ignored) {
            // already closed
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    private static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] b = new byte[8192];
        int n;
        while ((n = in.read(b)) >= 0) {
            out.write(b, 0, n);
            out.flush();
        }
    }

    private void pumpClientToServer(InputStream in, OutputStream out) throws IOException {
        // Identification line, byte by byte.
        int b;
        do {
            b = in.read();
            if (b < 0) {
                return;
            }
            out.write(b);
        } while (b != '\n');
        out.flush();
        // Plaintext packets until the client's NEWKEYS has gone by.
        while (true) {
            byte[] head = readExactly(in, 6);
            int len = ((head[0] & 0xff) << 24) | ((head[1] & 0xff) << 16) | ((head[2] & 0xff) << 8) | (head[3] & 0xff);
            if (len < 2 || len > 256 * 1024) {
                throw new IOException("proxy: implausible plaintext packet length " + len);
            }
            byte[] rest = readExactly(in, len - 2);
            out.write(head);
            out.write(rest);
            out.flush();
            if ((head[5] & 0xff) == ScriptedPeer.NEWKEYS) {
                break;
            }
        }
        // Encrypted: count bytes, flip one.
        long pos = 0;
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) >= 0) {
            if (!corrupted.isDone() && offset >= pos && offset < pos + n) {
                int i = (int) (offset - pos);
                int original = buf[i] & 0xff;
                buf[i] ^= (byte) mask;
                corrupted.complete(original);
            }
            pos += n;
            out.write(buf, 0, n);
            out.flush();
        }
    }

    private static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        int done = 0;
        while (done < n) {
            int r = in.read(b, done, n - done);
            if (r < 0) {
                throw new EOFException();
            }
            done += r;
        }
        return b;
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }
}
