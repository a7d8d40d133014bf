package dev.tether.sftp.client;

import dev.tether.sftp.protocol.SftpConstants;
import dev.tether.sftp.protocol.SftpFraming;
import dev.tether.sftp.protocol.SftpRequest;
import dev.tether.sftp.protocol.SftpResponse;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;

/**
 * The client's end of one SFTP session: requests multiplexed by id over a session channel's
 * {@code sftp} subsystem, so that any number of threads share it.
 *
 * <p><b>Threading.</b> Any thread may {@link #send}: the request gets the next id, its future is
 * registered, and the packet is written whole under a lock (a write may block on the server's
 * window, bounded by the channel's own timeout). One reader thread, started by {@link #open},
 * decodes each reply and completes the future of its id; a DATA reply keeps the packet's buffer,
 * which is fresh for every packet. {@link #close} closes the channel without waiting for the
 * server and fails every request still waiting, so it never hangs on the peer; a reply that
 * never comes fails its caller at the deadline it gave {@link #call}.
 */
public final class SftpChannel implements AutoCloseable {
    /** The largest reply accepted: a DATA reply of 256 KiB and its header, with room to spare. */
    private static final int MAX_REPLY = SftpConstants.MAX_PACKET + 1024;

    private final Channel channel;
    private final OutputStream out;
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Where each request is framed, under {@link #writeLock}: one buffer, not one per request. */
    private final SshWriter packet = new SshWriter(64 * 1024);
    private final Map<Integer, CompletableFuture<SftpResponse>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger(1);
    private final SftpResponse.Version version;
    private final Thread reader;
    private volatile IOException failure;

    private SftpChannel(Channel channel, SftpResponse.Version version, SftpFraming framing) {
        this.channel = channel;
        this.out = channel.getOutputStream();
        this.version = version;
        this.reader = new Thread(() -> readLoop(framing), "tether-sftp-client-" + channel.localId());
        reader.setDaemon(true);
    }

    /**
     * Starts SFTP on an open session channel: requests the {@code sftp} subsystem, sends INIT and
     * waits (at most {@code timeout}) for VERSION.
     */
    public static SftpChannel open(Channel channel, Duration timeout) throws IOException {
        if (!channel.subsystem("sftp")) {
            throw new IOException("the server refused the sftp subsystem");
        }
        SshWriter w = SftpFraming.framed(new SftpRequest.Init(SftpConstants.VERSION, Map.of())::encode);
        channel.getOutputStream().write(w.array(), 0, w.length());
        SftpFraming framing = new SftpFraming(channel.getInputStream(), MAX_REPLY);
        CompletableFuture<SftpResponse.Version> first = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                int n = framing.next();
                if (n < 0) {
                    throw new IOException("the server closed the sftp subsystem before VERSION");
                }
                SftpResponse r = SftpResponse.decode(framing.buffer(), 0, n);
                if (!(r instanceof SftpResponse.Version v)) {
                    throw new SshException("the server's first SFTP packet is not VERSION: " + r);
                }
                first.complete(v);
            } catch (IOException | RuntimeException e) {
                first.completeExceptionally(e);
            }
        }, "tether-sftp-client-init");
        t.setDaemon(true);
        t.start();
        SftpResponse.Version v;
        try {
            v = first.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            channel.close();
            throw new InterruptedIOException("no SFTP VERSION within " + timeout);
        } catch (InterruptedException e) {
            channel.close();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for SFTP VERSION");
        } catch (ExecutionException e) {
            channel.close();
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
        if (v.version() < 3) {
            channel.close();
            throw new IOException("the server speaks SFTP version " + v.version() + "; version 3 is needed");
        }
        SftpChannel c = new SftpChannel(channel, v, framing);
        c.reader.start();
        return c;
    }

    /** The server's VERSION: its version number and extensions. */
    public SftpResponse.Version version() {
        return version;
    }

    /**
     * The most data a WRITE on {@code handle} may carry and still travel in one channel packet
     * (its header takes 25 bytes and the handle); at least {@code floor}.
     */
    public int writeFitting(byte[] handle, int wanted, int floor) {
        long fits = (long) channel.remoteMaxPacket() - 25 - handle.length;
        return (int) Math.max(Math.min(floor, wanted), Math.min(wanted, fits));
    }

    /** Whether the server advertised an extension (with any version). */
    public boolean supports(String extension) {
        return version.extensions().containsKey(extension);
    }

    /** Sends the request {@code make} builds for the next id; the future completes with its reply. */
    public CompletableFuture<SftpResponse> send(IntFunction<SftpRequest> make) throws IOException {
        IOException f = failure;
        if (f != null) {
            throw new IOException("the SFTP session is closed: " + f.getMessage(), f);
        }
        int id = ids.getAndIncrement() & 0x7fffffff;
        SftpRequest req = make.apply(id);
        CompletableFuture<SftpResponse> future = new CompletableFuture<>();
        pending.put(id, future);
        writeLock.lock();
        try {
            packet.reset();
            int start = SftpFraming.begin(packet);
            req.encode(packet);
            SftpFraming.end(packet, start);
            out.write(packet.array(), 0, packet.length());
        } catch (IOException e) {
            pending.remove(id);
            throw e;
        } finally {
            writeLock.unlock();
        }
        if (failure != null) {
            // the reader ended between the check above and the registration
            future.completeExceptionally(failure);
        }
        return future;
    }

    /** Sends a request and waits for its reply, at most {@code deadline}. */
    public SftpResponse call(IntFunction<SftpRequest> make, Duration deadline) throws IOException {
        return await(send(make), deadline);
    }

    /** Waits for a reply, at most {@code deadline}; the request is forgotten if it times out. */
    public SftpResponse await(CompletableFuture<SftpResponse> future, Duration deadline) throws IOException {
        try {
            return future.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(false);
            throw new SftpTimeoutException("no reply from the SFTP server within " + deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for an SFTP reply");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw new IOException(io.getMessage(), io);
            }
            throw new IOException(c);
        }
    }

    /** A request that got no reply within its deadline. */
    public static final class SftpTimeoutException extends InterruptedIOException {
        public SftpTimeoutException(String message) {
            super(message);
        }
    }

    private void readLoop(SftpFraming framing) {
        IOException end = null;
        try {
            while (true) {
                int n = framing.next();
                if (n < 0) {
                    end = new ClosedChannelException();
                    break;
                }
                byte[] buf = framing.detach();
                SftpResponse r = SftpResponse.decode(buf, 0, n);
                CompletableFuture<SftpResponse> f = pending.remove(r.id());
                if (f != null) {
                    f.complete(r);
                }
                // a reply to a request that timed out (or an id never sent) is dropped
            }
        } catch (IOException e) {
            end = e;
        } catch (RuntimeException e) {
            end = new IOException(e);
        }
        fail(end instanceof ClosedChannelException ? new IOException("the SFTP server closed the session") : end);
        channel.close();
    }

    private void fail(IOException e) {
        if (failure == null) {
            failure = e;
        }
        for (Integer id : pending.keySet()) {
            CompletableFuture<SftpResponse> f = pending.remove(id);
            if (f != null) {
                f.completeExceptionally(failure);
            }
        }
    }

    /** Whether the session has ended (closed, or the server went away). */
    public boolean isClosed() {
        return failure != null;
    }

    /** Closes the channel without waiting for the server; requests still waiting fail at once. */
    @Override
    public void close() {
        fail(new IOException("the SFTP client was closed"));
        channel.close();
    }
}
