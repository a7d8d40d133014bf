package dev.tether.sftp.client;

import static dev.tether.sftp.protocol.SftpConstants.SSH_FX_BAD_MESSAGE;
import static dev.tether.sftp.protocol.SftpConstants.SSH_FX_EOF;

import dev.tether.sftp.protocol.SftpRequest;
import dev.tether.sftp.protocol.SftpResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A pipelined read of one remote file from an offset onwards: up to {@code outstanding} READs of
 * {@code block} bytes in flight, their replies taken in file order. A short reply (fewer bytes
 * than asked, before the end) has its missing part asked for at once, ahead of the reads already
 * in flight, so the chunks {@link #next} returns are contiguous. Used by one thread at a time.
 *
 * <p>When the file's size is known, reads stop at it (the last one asks for just what is left)
 * and one read past it goes out with them, to see the end, or that the file grew, without waiting
 * for the others first: a small file costs one round trip, not two or three. The file is read to
 * its real end whatever its size said, so a file that lies about its size ({@code /proc}) comes
 * whole, one block at a time past the size.
 */
public final class ReadWindow {
    /** Bytes of the file at {@code offset}: {@code data[off, off + len)}. */
    public record Chunk(long offset, byte[] data, int off, int len) {
    }

    private final SftpChannel ch;
    private final byte[] handle;
    private final int block;
    private final int outstanding;
    private final Duration timeout;
    private final Function<SftpResponse.Status, IOException> errors;
    private final Deque<long[]> ranges = new ArrayDeque<>();
    private final Deque<CompletableFuture<SftpResponse>> replies = new ArrayDeque<>();
    private final long expectedEnd;
    private long next;
    private boolean eof;
    /** READs in flight at or past {@code expectedEnd}: at most one is sent at a time. */
    private int past;

    /**
     * @param expectedEnd the file's size as last seen, or -1: reads are not sent past it, except
     *                    one at a time once nothing else is in flight (to see the end, or that the
     *                    file grew), so a small file costs a READ or two, not a window of them
     * @param errors turns a failed READ's status into the exception to throw
     */
    public ReadWindow(SftpChannel ch, byte[] handle, long start, long expectedEnd, int block, int outstanding, Duration timeout,
                      Function<SftpResponse.Status, IOException> errors) {
        this.ch = ch;
        this.expectedEnd = expectedEnd;
        this.handle = handle;
        this.next = start;
        this.block = block;
        this.outstanding = outstanding;
        this.timeout = timeout;
        this.errors = errors;
    }

    /** The next bytes in file order, or null at the end of the file. */
    public Chunk next() throws IOException {
        while (true) {
            while (!eof && replies.size() < outstanding && (expectedEnd < 0 || next < expectedEnd || past == 0)) {
                long at = next;
                int len = expectedEnd > at ? (int) Math.min(block, expectedEnd - at) : block;
                if (expectedEnd >= 0 && at >= expectedEnd) {
                    past++;
                }
                replies.add(ch.send(id -> new SftpRequest.Read(id, handle, at, len)));
                ranges.add(new long[] {at, len});
                next += len;
            }
            if (replies.isEmpty()) {
                return null;
            }
            SftpResponse r = ch.await(replies.poll(), timeout);
            long[] range = ranges.poll();
            if (expectedEnd >= 0 && range[0] >= expectedEnd) {
                past--;
            }
            if (r instanceof SftpResponse.Status s) {
                if (s.code() != SSH_FX_EOF) {
                    throw errors.apply(s);
                }
                eof = true;
                cancel();
                return null;
            }
            if (!(r instanceof SftpResponse.Data d)) {
                throw errors.apply(new SftpResponse.Status(r.id(), SSH_FX_BAD_MESSAGE, "unexpected reply to READ: " + r));
            }
            if (d.length() == 0) {
                continue;
            }
            if (d.length() < range[1]) {
                long gapStart = range[0] + d.length();
                long gapLen = range[1] - d.length();
                ranges.addFirst(new long[] {gapStart, gapLen});
                if (expectedEnd >= 0 && gapStart >= expectedEnd) {
                    past++;
                }
                replies.addFirst(ch.send(id -> new SftpRequest.Read(id, handle, gapStart, (int) gapLen)));
            }
            return new Chunk(range[0], d.data(), d.offset(), d.length());
        }
    }

    /** Forgets the reads still in flight (their replies are dropped when they come). */
    public void cancel() {
        for (CompletableFuture<SftpResponse> f : replies) {
            f.cancel(false);
        }
        replies.clear();
        ranges.clear();
        past = 0;
    }
}
