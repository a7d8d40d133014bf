package dev.tether.testkit;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Bounded polling: how often a test looks at a condition, never a wait for something to happen.
 * Every wait has a deadline; between looks it waits on a process's exit (if given) or pauses for
 * at most the interval, so a sleep never stands in for synchronisation.
 *
 * <p>Thread-safe (stateless); the condition runs on the calling thread. Nothing to clean up.
 */
public final class Poll {
    /** The pause between looks of {@link #until(BooleanSupplier, Duration)}. */
    public static final Duration INTERVAL = Duration.ofMillis(20);

    private Poll() {
    }

    /** {@link #until(BooleanSupplier, Duration, Duration, Process)} looking every {@link #INTERVAL}. */
    public static boolean until(BooleanSupplier condition, Duration timeout) {
        return until(condition, timeout, INTERVAL, null);
    }

    /**
     * Polls {@code condition} until it holds (true) or the deadline passes (false; also when
     * interrupted, with the interrupt status kept). Between looks it waits on {@code wakeUp}
     * (e.g. a process's exit; null for none) for at most {@code interval}, so it never sleeps
     * for synchronisation: it only bounds how often it looks.
     */
    public static boolean until(BooleanSupplier condition, Duration timeout, Duration interval, Process wakeUp) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            long waitMillis = Math.max(1, Math.min(interval.toMillis(), TimeUnit.NANOSECONDS.toMillis(left)));
            try {
                if (wakeUp != null) {
                    wakeUp.onExit().get(waitMillis, TimeUnit.MILLISECONDS);
                } else {
                    Thread.sleep(waitMillis);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (ExecutionException | TimeoutException e) {
                // look again
            }
        }
    }
}
