package dev.tether.sftp.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The bounded set of a tree's files in flight: inline at 1, at most n at once, the first failure, no thread left. */
class FilesInFlightTest {
    private static final long WAIT_S = 30;

    private static Set<Thread> workers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("tether-sftp-tree-") && t.isAlive())
                .collect(Collectors.toSet());
    }

    /** Every worker made since {@code before} ends (joined, bounded): a returning thread may still be alive an instant after close(). */
    private static void assertWorkersEnd(Set<Thread> before) throws InterruptedException {
        for (Thread t : workers()) {
            if (!before.contains(t)) {
                t.join(TimeUnit.SECONDS.toMillis(WAIT_S));
                assertFalse(t.isAlive(), "the workers end with close(): " + t.getName());
            }
        }
    }

    @Test
    void oneAtATimeRunsEachFileOnTheCallerInOrder() throws IOException {
        List<Integer> order = new ArrayList<>();
        Thread caller = Thread.currentThread();
        try (FilesInFlight f = new FilesInFlight(1)) {
            for (int i = 0; i < 5; i++) {
                int n = i;
                f.submit(() -> {
                    assertSame(caller, Thread.currentThread());
                    order.add(n);
                    return n;
                });
            }
            assertEquals(10, f.finish());
        }
        assertEquals(List.of(0, 1, 2, 3, 4), order);
    }

    @Test
    void neverMoreThanNAtOnceAndEveryByteCounted() throws Exception {
        Set<Thread> before = workers();
        AtomicInteger going = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
        try (FilesInFlight f = new FilesInFlight(4)) {
            for (int i = 0; i < 200; i++) {
                int n = i;
                f.submit(() -> {
                    most.accumulateAndGet(going.incrementAndGet(), Math::max);
                    Thread.yield();
                    going.decrementAndGet();
                    ran.add(n);
                    return 3;
                });
            }
            assertEquals(600, f.finish());
        }
        assertTrue(most.get() <= 4, "at most 4 at once: " + most.get());
        assertEquals(200, ran.size());
        assertWorkersEnd(before);
    }

    @Test
    void theFirstFailureStopsTheWalkAndFilesGoingAreFinished() throws Exception {
        Set<Thread> before = workers();
        CountDownLatch failed = new CountDownLatch(1);
        CountDownLatch slowMayEnd = new CountDownLatch(1);
        AtomicInteger finished = new AtomicInteger();
        FilesInFlight f = new FilesInFlight(3);
        f.submit(() -> {
            try {
                assertTrue(slowMayEnd.await(WAIT_S, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new InterruptedIOException();
            }
            finished.incrementAndGet();
            return 1;
        });
        f.submit(() -> {
            failed.countDown();
            throw new NoSuchFileException("/gone");
        });
        assertTrue(failed.await(WAIT_S, TimeUnit.SECONDS));
        // the failure is recorded as its task ends; a later submit sees it (bounded look)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        NoSuchFileException thrown = null;
        AtomicInteger started = new AtomicInteger();
        while (thrown == null && System.nanoTime() < deadline) {
            try {
                f.submit(() -> {
                    started.incrementAndGet();
                    return 0;
                });
            } catch (NoSuchFileException e) {
                thrown = e;
            }
        }
        assertNotNull(thrown, "the failure reached submit");
        assertEquals("/gone", thrown.getFile());
        assertFalse(finished.get() > 0, "the slow file is still going");
        slowMayEnd.countDown();
        NoSuchFileException again = assertThrows(NoSuchFileException.class, f::finish);
        assertSame(thrown, again);
        assertEquals(1, finished.get(), "the file that was going was finished, not abandoned");
        f.close();
        assertWorkersEnd(before);
    }

    @Test
    void atLeastOne() {
        assertThrows(IllegalArgumentException.class, () -> new FilesInFlight(0));
    }
}
