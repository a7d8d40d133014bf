package dev.tether.sftp;

import dev.tether.sftp.protocol.SftpConstants;
import dev.tether.sftp.protocol.SftpFraming;
import dev.tether.sftp.protocol.SftpRequest;
import dev.tether.sftp.protocol.SftpResponse;
import dev.tether.ssh.Transport;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.SshWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test client that speaks SFTP packet by packet over a Tether connection's {@code sftp}
 * subsystem, with the shared codec: for requests OpenSSH's sftp cannot be made to send (the
 * draft's SYMLINK order, copy-data between chosen handles, hostile packets). A reader thread
 * decodes replies into a queue; {@link #reply} waits for one with a deadline. Not thread-safe
 * for senders.
 */
public final class RawSftp implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(30);
    private final Transport transport;
    private final Channel channel;
    private final OutputStream out;
    private final BlockingQueue<Object> replies = new LinkedBlockingQueue<>();
    private final AtomicInteger ids = new AtomicInteger(1);
    private final Thread reader;
    public final SftpResponse.Version version;

    private static final Object END = new Object();

    /** A session on the connection, initialised (INIT sent, VERSION received). */
    public RawSftp(Transport transport) throws IOException {
        this(transport, true);
    }

    /** A session whose first packet is the caller's: nothing is sent yet ({@link #version} is null). */
    public static RawSftp uninitialised(Transport transport) throws IOException {
        return new RawSftp(transport, false);
    }

    private RawSftp(Transport transport, boolean init) throws IOException {
        this.transport = transport;
        this.channel = transport.openSession();
        if (!channel.subsystem("sftp")) {
            throw new IOException("the server refused the sftp subsystem");
        }
        this.out = channel.getOutputStream();
        InputStream in = channel.getInputStream();
        reader = new Thread(() -> {
            SftpFraming f = new SftpFraming(in, 1 << 20);
            try {
                while (true) {
                    int n = f.next();
                    if (n < 0) {
                        break;
                    }
                    byte[] copy = java.util.Arrays.copyOf(f.buffer(), n);
                    replies.add(SftpResponse.decode(copy, 0, n));
                }
            } catch (IOException e) {
                replies.add(e);
            }
            replies.add(END);
        }, "raw-sftp-reader");
        reader.setDaemon(true);
        reader.start();
        if (init) {
            send(new SftpRequest.Init(SftpConstants.VERSION, Map.of()));
            version = (SftpResponse.Version) reply();
        } else {
            version = null;
        }
    }

    public int nextId() {
        return ids.getAndIncrement();
    }

    public Channel channel() {
        return channel;
    }

    public void send(SftpRequest r) throws IOException {
        SshWriter w = SftpFraming.framed(r::encode);
        out.write(w.array(), 0, w.length());
    }

    /** A packet body (type, id, fields) with its length in front. */
    public void sendPacket(byte[] body, int len) throws IOException {
        SshWriter w = SftpFraming.framed(x -> x.raw(body, 0, len));
        out.write(w.array(), 0, w.length());
    }

    /** Raw bytes, framing and all (hostile input). */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
    }

    /** The next reply; fails after {@link #WAIT}. Returns null if the server ended the session. */
    public SftpResponse reply() throws IOException {
        try {
            Object o = replies.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (o == null) {
                throw new IOException("no reply within " + WAIT);
            }
            if (o == END) {
                replies.add(END);
                return null;
            }
            if (o instanceof IOException e) {
                throw e;
            }
            return (SftpResponse) o;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Sends a request and returns its reply (which must carry its id). */
    public SftpResponse call(SftpRequest r) throws IOException {
        send(r);
        SftpResponse resp = reply();
        if (resp == null) {
            throw new IOException("the session ended instead of answering " + r);
        }
        if (resp.id() != r.id()) {
            throw new IOException("reply for id " + resp.id() + ", expected " + r.id());
        }
        return resp;
    }

    /** The status code of a reply that must be a STATUS. */
    public static int status(SftpResponse r) {
        if (!(r instanceof SftpResponse.Status s)) {
            throw new AssertionError("expected a STATUS, got " + r);
        }
        return s.code();
    }

    public static byte[] handle(SftpResponse r) {
        if (!(r instanceof SftpResponse.Handle h)) {
            throw new AssertionError("expected a HANDLE, got " + r);
        }
        return h.handle();
    }

    @Override
    public void close() {
        channel.close();
        transport.close();
    }
}
