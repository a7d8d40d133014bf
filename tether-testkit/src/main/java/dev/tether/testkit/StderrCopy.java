package dev.tether.testkit;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A copy of what this JVM writes to standard error from the first {@link #install} on: a tee in
 * front of {@code System.err}, so tests can read what a library logged (slf4j-simple looks up
 * {@code System.err} at each line, unless told to cache the stream, so it writes through the
 * tee). Everything still reaches the original stream.
 *
 * <p>Threading: writers and readers share one lock; any thread may write or read. Cleans up:
 * nothing (the tee stays for the JVM's life); {@link #reset} drops what was copied so far.
 */
public final class StderrCopy {
    private static final Object LOCK = new Object();
    private static final ByteArrayOutputStream COPY = new ByteArrayOutputStream();
    private static boolean installed;
    /** Bytes {@link #reset} dropped: positions count from the install, across resets. */
    private static long dropped;

    private StderrCopy() {
    }

    /** Puts the tee in front of {@code System.err} (once per JVM; later calls do nothing). */
    public static void install() {
        synchronized (LOCK) {
            if (installed) {
                return;
            }
            installed = true;
            PrintStream original = System.err;
            OutputStream tee = new OutputStream() {
                @Override
                public void write(int b) {
                    original.write(b);
                    synchronized (LOCK) {
                        COPY.write(b);
                    }
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    original.write(b, off, len);
                    synchronized (LOCK) {
                        COPY.write(b, off, len);
                    }
                }

                @Override
                public void flush() {
                    original.flush();
                }
            };
            System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
        }
    }

    /** How many bytes have been copied since the install (a mark for {@link #since}); installs the tee if needed. */
    public static long position() {
        install();
        synchronized (LOCK) {
            return dropped + COPY.size();
        }
    }

    /** What was copied from {@code mark} (a {@link #position}) on, as UTF-8, less what a {@link #reset} dropped. */
    public static String since(long mark) {
        synchronized (LOCK) {
            byte[] all = COPY.toByteArray();
            int from = (int) Math.min(Math.max(0, mark - dropped), all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        }
    }

    /** Drops what was copied so far (to bound memory); later positions go on counting. */
    public static void reset() {
        synchronized (LOCK) {
            dropped += COPY.size();
            COPY.reset();
        }
    }
}
