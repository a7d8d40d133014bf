package dev.tether.ssh.hostile;

import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.DisconnectException;
import dev.tether.ssh.common.SshException;
import dev.tether.testkit.Poll;
import dev.tether.testkit.StderrCopy;

import java.io.File;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Fixtures shared by the hostile-input tests: keys, configs, bounded waits and leak probes. */
final class HostileSupport {
    private HostileSupport() {
    }

    /** How long any single expected event may take before the test calls it a hang. */
    static final Duration STEP = Duration.ofSeconds(5);

    private static volatile KeyPair hostKey;

    static KeyPair hostKey() {
        KeyPair k = hostKey;
        if (k == null) {
            synchronized (HostileSupport.class) {
                if (hostKey == null) {
                    try {
                        hostKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                    } catch (GeneralSecurityException e) {
                        throw new IllegalStateException(e);
                    }
                }
                k = hostKey;
            }
        }
        return k;
    }

    /** Server settings: one Ed25519 host key, everything else default but a short handshake timeout. */
    static TransportConfig.Builder serverConfig() {
        return TransportConfig.builder()
                .addHostKey(hostKey())
                .handshakeTimeout(Duration.ofSeconds(10));
    }

    /** Client settings restricted to one cipher/MAC pair and curve25519 for speed. */
    static TransportConfig clientConfig(String cipher, String mac) {
        TransportConfig.Builder b = TransportConfig.builder()
                .kexAlgorithms(List.of("curve25519-sha256"))
                .ciphers(List.of(cipher))
                .handshakeTimeout(Duration.ofSeconds(10));
        if (mac != null) {
            b.macs(List.of(mac));
        }
        return b.build();
    }

    /** Waits (without fixed sleeps) for a connection to end completely: both its threads finished. */
    static void awaitClosed(Transport t, Duration timeout) {
        try {
            t.closeFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            fail(t + " did not close within " + timeout.toMillis() + " ms (active=" + t.isActive()
                    + ", cause=" + t.closeCause() + ")");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Polls {@code condition} with short waits until it holds or the deadline passes. */
    static void awaitCondition(Duration timeout, BooleanSupplier condition, Supplier<String> message) {
        if (!Poll.until(condition, timeout, Duration.ofMillis(10), null)) {
            if (Thread.currentThread().isInterrupted()) {
                throw new AssertionError("interrupted");
            }
            fail(message.get());
        }
    }

    /**
     * After a test: every connection {@code server} accepted has ended, it holds none, and nothing
     * escaped as an exception.
     */
    static void assertServerClean(TestSshServer server) {
        for (Transport t : server.all()) {
            awaitClosed(t, STEP);
        }
        awaitCondition(STEP, () -> server.connections().isEmpty(), () -> "connections still open: " + server.connections());
        EscapeWatch.assertClean();
    }

    /**
     * Asserts how the server side of a hostile connection ended: an {@link SshException} (so no
     * internal error, no raw runtime exception) with the given reason code, whose message contains
     * every one of {@code words}.
     */
    static SshException assertServerCause(Transport server, int code, String... words) {
        awaitClosed(server, STEP);
        Throwable c = server.closeCause();
        assertNotNull(c, "server closed without a cause");
        if (!(c instanceof SshException se)) {
            throw new AssertionError("server closed with a non-SSH cause (an escaped exception?): " + c, c);
        }
        int actual = se instanceof DisconnectException de ? de.code() : se.reason().code();
        if (actual != code) {
            throw new AssertionError("server closed with reason " + actual + " (" + se.getMessage() + "), expected " + code, se);
        }
        for (String w : words) {
            assertTrue(se.getMessage().contains(w), "server's reason \"" + se.getMessage() + "\" does not mention \"" + w + "\"");
        }
        return se;
    }

    // ------------------------------------------------------------------ leak probes

    /** Open file descriptors of this JVM (Linux). */
    static int openFds() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    /** Live platform threads of Tether connections (JDK 17; virtual threads do not show here). */
    static List<String> tetherConnectionThreads(String prefix) {
        List<String> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith(prefix)) {
                out.add(t.getName());
            }
        }
        return out;
    }

    static boolean virtualThreadsInUse() {
        return dev.tether.ssh.transport.Threads.virtualThreads();
    }

    static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    // ------------------------------------------------------------------ escaped exceptions

    /**
     * Catches what must never happen in these tests: an exception escaping a thread (default
     * uncaught-exception handler) or the library logging a warning or an error (the transport
     * logs "internal error" at WARN when a non-SSH exception reaches its failure path).
     */
    static final class EscapeWatch {
        private static final Object LOCK = new Object();
        private static boolean installed;
        private static final List<String> escaped = new ArrayList<>();

        private EscapeWatch() {
        }

        static void install() {
            synchronized (LOCK) {
                if (installed) {
                    return;
                }
                installed = true;
                Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
                Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
                    synchronized (LOCK) {
                        escaped.add("uncaught in " + t.getName() + ": " + e);
                    }
                    if (previous != null) {
                        previous.uncaughtException(t, e);
                    } else {
                        e.printStackTrace();
                    }
                });
                StderrCopy.install();
            }
        }

        static void reset() {
            synchronized (LOCK) {
                escaped.clear();
                StderrCopy.reset();
            }
        }

        /** Problems seen since the last reset. */
        static List<String> problems() {
            synchronized (LOCK) {
                List<String> out = new ArrayList<>(escaped);
                for (String line : StderrCopy.since(0).split("\n")) {
                    if (line.contains(" WARN ") || line.contains(" ERROR ") || line.startsWith("Exception in thread")
                            || line.contains("internal error")) {
                        out.add("logged: " + line);
                    }
                }
                return out;
            }
        }

        static void assertClean() {
            List<String> p = problems();
            if (!p.isEmpty()) {
                fail("exceptions escaped or the library logged warnings:\n  " + String.join("\n  ", p));
            }
        }
    }
}
