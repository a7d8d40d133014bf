package dev.tether.sftp.client;

import static dev.tether.sftp.protocol.SftpConstants.SSH_FX_BAD_MESSAGE;
import static dev.tether.sftp.protocol.SftpConstants.SSH_FX_OK;

import dev.tether.sftp.protocol.SftpRequest;
import dev.tether.sftp.protocol.SftpResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Pipelined requests whose replies must each be an OK status: the WRITEs of an upload or an
 * output stream, and what follows them on the same handle (FSETSTAT, CLOSE), with up to
 * {@code outstanding} in flight. Replies are checked in the order the requests were sent, and the
 * first failure is thrown (by the call that finds it); the requests after it are forgotten.
 *
 * <p>A WRITE's data is encoded into the packet when {@link #write} sends it, so the caller may
 * fill the same buffer again at once. Used by one thread at a time.
 */
public final class WriteWindow {
    private final SftpChannel ch;
    private final int outstanding;
    private final Duration timeout;
    private final Function<SftpResponse.Status, IOException> errors;
    private final Deque<CompletableFuture<SftpResponse>> inFlight = new ArrayDeque<>();

    /** @param errors turns a failed request's status into the exception to throw */
    public WriteWindow(SftpChannel ch, int outstanding, Duration timeout, Function<SftpResponse.Status, IOException> errors) {
        this.ch = ch;
        this.outstanding = outstanding;
        this.timeout = timeout;
        this.errors = errors;
    }

    /** Sends a WRITE of {@code data[off, off + len)} at {@code offset}, first waiting while the window is full. */
    public void write(byte[] handle, long offset, byte[] data, int off, int len) throws IOException {
        send(id -> new SftpRequest.Write(id, handle, offset, data, off, len));
    }

    /** Sends a request whose reply must be OK, first waiting while the window is full. */
    public void send(IntFunction<SftpRequest> make) throws IOException {
        while (inFlight.size() >= outstanding) {
            check(inFlight.poll());
        }
        inFlight.add(ch.send(make));
    }

    /** Waits for every reply still due, in order. */
    public void drain() throws IOException {
        while (!inFlight.isEmpty()) {
            check(inFlight.poll());
        }
    }

    /** Forgets the requests in flight (their replies are dropped when they come). */
    public void cancel() {
        for (CompletableFuture<SftpResponse> f : inFlight) {
            f.cancel(false);
        }
        inFlight.clear();
    }

    private void check(CompletableFuture<SftpResponse> f) throws IOException {
        SftpResponse r = ch.await(f, timeout);
        if (r instanceof SftpResponse.Status s) {
            if (s.code() == SSH_FX_OK) {
                return;
            }
            cancel();
            throw errors.apply(s);
        }
        cancel();
        throw errors.apply(new SftpResponse.Status(r.id(), SSH_FX_BAD_MESSAGE, "unexpected reply " + r.getClass().getSimpleName()));
    }
}
