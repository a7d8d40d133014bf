package dev.tether.ssh.connection;

import dev.tether.ssh.common.SshException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link InboundBuffer}: reads across chunks and across the moments it runs empty (its chunk
 * queue exists only while something is buffered), reports every consumed byte for the window,
 * and ends with -1, the failure, or a bounded timeout.
 */
class InboundBufferTest {
    private final AtomicLong consumed = new AtomicLong();
    private final InboundBuffer buffer = new InboundBuffer(n -> consumed.addAndGet(n), TimeUnit.MILLISECONDS.toNanos(200));

    @Test
    void readsAcrossChunksAndAfterRunningEmpty() throws IOException {
        buffer.append(new byte[] {9, 1, 2, 3, 9}, 1, 3);
        buffer.append(new byte[] {4, 5}, 0, 2);
        buffer.append(new byte[0], 0, 0);
        byte[] b = new byte[4];
        assertEquals(4, buffer.read(b, 0, 4));
        assertArrayEquals(new byte[] {1, 2, 3, 4}, b);
        assertEquals(1, buffer.available());
        assertEquals(5, buffer.read());
        assertEquals(0, buffer.available());
        // empty now; more data after that is read as well
        buffer.append(new byte[] {6, 7}, 0, 2);
        assertEquals(2, buffer.buffered());
        assertEquals(2, buffer.read(b, 0, 4));
        assertEquals(6, b[0]);
        assertEquals(7, b[1]);
        assertEquals(7, consumed.get(), "every byte read is reported for WINDOW_ADJUST");
        buffer.eof();
        assertEquals(-1, buffer.read(b, 0, 4));
    }

    @Test
    void readingAnEmptyBufferTimesOut() {
        long t0 = System.nanoTime();
        assertThrows(SshException.class, () -> buffer.read(new byte[1], 0, 1));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(true, ms >= 150 && ms < 10_000, "waited " + ms + " ms");
    }

    @Test
    void closeDropsWhatIsBufferedAndReopensTheWindowForIt() throws IOException {
        buffer.append(new byte[100], 0, 100);
        buffer.close();
        assertEquals(100, consumed.get());
        assertEquals(-1, buffer.read(new byte[1], 0, 1));
        buffer.append(new byte[5], 0, 5); // after close: dropped
        assertEquals(0, buffer.available());
    }

    @Test
    void failureReachesTheReaderAfterTheBufferedData() throws IOException {
        buffer.append(new byte[] {1}, 0, 1);
        buffer.fail(new IOException("connection lost"));
        assertEquals(1, buffer.read());
        IOException e = assertThrows(IOException.class, buffer::read);
        assertEquals("connection lost", e.getMessage());
    }
}
