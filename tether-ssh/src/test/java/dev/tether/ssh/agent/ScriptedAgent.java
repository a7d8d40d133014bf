package dev.tether.ssh.agent;

import dev.tether.ssh.agent.AgentMessages.Response;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A fake agent on a real Unix domain socket that answers each request as a script says, to
 * play a broken or hostile agent. Serves one connection at a time on a daemon thread; every
 * request payload it reads is put on {@link #requests}.
 */
final class ScriptedAgent implements AutoCloseable {
    /** What to do with one request. */
    record Answer(byte[] raw, boolean closeAfter) {
        /** Writes the response, framed. */
        static Answer of(Response r) {
            try {
                return new Answer(AgentMessages.frame(r.encode()), false);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** Writes these bytes as they are. */
        static Answer raw(byte[] bytes) {
            return new Answer(bytes, false);
        }

        /** Writes nothing and keeps the connection open: the client must time out. */
        static Answer silence() {
            return new Answer(new byte[0], false);
        }

        Answer thenClose() {
            return new Answer(raw, true);
        }
    }

    interface Script {
        Answer answer(byte[] request) throws Exception;
    }

    final Path socket;
    final BlockingQueue<byte[]> requests = new LinkedBlockingQueue<>();
    private final ServerSocketChannel server;
    private final Thread thread;
    private volatile SocketChannel current;
    private volatile boolean closing;

    ScriptedAgent(Path socket, Script script) throws IOException {
        this.socket = socket;
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        thread = new Thread(() -> serve(script), "scripted agent");
        thread.setDaemon(true);
        thread.start();
    }

    private void serve(Script script) {
        while (!closing) {
            try (SocketChannel ch = server.accept()) {
                current = ch;
                while (true) {
                    ByteBuffer header = ByteBuffer.allocate(4);
                    if (!readFully(ch, header)) {
                        break;
                    }
                    ByteBuffer body = ByteBuffer.allocate(header.getInt(0));
                    if (!readFully(ch, body)) {
                        break;
                    }
                    requests.add(body.array());
                    Answer a = script.answer(body.array());
                    ByteBuffer out = ByteBuffer.wrap(a.raw());
                    while (out.hasRemaining()) {
                        ch.write(out);
                    }
                    if (a.closeAfter()) {
                        break;
                    }
                }
            } catch (Exception e) {
                if (!closing && !(e instanceof IOException)) {
                    e.printStackTrace();
                }
            }
        }
    }

    private static boolean readFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The next request received, waiting at most 20 seconds. */
    byte[] nextRequest() throws InterruptedException {
        byte[] r = requests.poll(20, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("the scripted agent received no request within 20s");
        }
        return r;
    }

    @Override
    public void close() throws IOException {
        closing = true;
        server.close();
        SocketChannel c = current;
        if (c != null) {
            c.close();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(20));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while stopping the scripted agent", e);
        }
        if (thread.isAlive()) {
            throw new AssertionError("the scripted agent thread did not end");
        }
    }
}
