package dev.tether.ssh.hostile;

import dev.tether.ssh.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.tether.ssh.hostile.ScriptedPeer.ecdhInit;
import static dev.tether.ssh.hostile.ScriptedPeer.kexInit;
import static dev.tether.ssh.hostile.ScriptedPeer.packet;
import static dev.tether.ssh.hostile.ScriptedPeer.rawPacket;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many hostile connections of mixed kinds against one server: afterwards every connection must
 * have ended, with its threads, its socket and its buffers. Bounded in count and time, loopback
 * only; every wait is a poll on a condition with a deadline.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileResourceTest {
    private static final int CONNECTIONS = 300;
    private static final int PARALLEL = 16;

    private static TestSshServer server;

    /** One hostile connection: does its thing and returns once the server has closed it (or it closed itself). */
    private interface Kind {
        void run(int port) throws Exception;
    }

    private static final Map<String, Kind> KINDS = new LinkedHashMap<>();

    static {
        KINDS.put("eof-at-once", port -> {
            try (ScriptedPeer p = ScriptedPeer.connect(port)) {
                p.readVersion();
            }
        });
        KINDS.put("reset-at-once", port -> {
            try (ScriptedPeer p = ScriptedPeer.connect(port)) {
                p.socket().setSoLinger(true, 0);
            }
        });
        KINDS.put("ssh-1.5", port -> disconnected(port, p -> p.sendVersion("SSH-1.5-x")));
        KINDS.put("long-line", port -> disconnected(port, p -> p.sendVersion("SSH-2.0-" + "z".repeat(400))));
        KINDS.put("nul", port -> disconnected(port, p -> p.sendRaw("SSH-2.0-a\0b\r\n".getBytes(StandardCharsets.US_ASCII))));
        KINDS.put("many-lines", port -> disconnected(port, p -> p.sendRawQuietly("x\r\n".repeat(200).getBytes(StandardCharsets.US_ASCII))));
        KINDS.put("huge-length", port -> disconnected(port, p -> {
            p.sendVersion();
            p.sendRaw(new byte[]{0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0});
        }));
        KINDS.put("bad-padding", port -> disconnected(port, p -> {
            p.sendVersion();
            p.sendRaw(rawPacket(12, 3, new byte[]{2, 0, 0, 0, 0, 0, 0, 0}, new byte[3]));
        }));
        KINDS.put("truncated-then-eof", port -> {
            try (ScriptedPeer p = ScriptedPeer.connect(port)) {
                p.sendVersion();
                byte[] k = packet(kexInit(false));
                p.sendRaw(java.util.Arrays.copyOf(k, k.length / 2));
                p.shutdownOutput();
                p.readVersion();
                p.drainPacketsUntilClosed();
            }
        });
        KINDS.put("kexinit-flood", port -> disconnected(port, p -> {
            p.sendVersion();
            byte[] one = packet(kexInit(false));
            byte[] flood = new byte[one.length * 200];
            for (int i = 0; i < 200; i++) {
                System.arraycopy(one, 0, flood, i * one.length, one.length);
            }
            p.sendRawQuietly(flood);
        }));
        KINDS.put("strict-ignore-first", port -> disconnected(port, p -> {
            p.sendVersion();
            p.sendPacket(ScriptedPeer.ignore(4));
            p.sendPacket(kexInit(true));
        }));
        KINDS.put("unknown-200", port -> disconnected(port, p -> {
            p.sendVersion();
            p.sendPacket(new byte[]{(byte) 200, 1, 2, 3});
        }));
        KINDS.put("no-common-kex", port -> disconnected(port, p -> {
            p.sendVersion();
            p.sendPacket(kexInit(List.of("nope@example.com"), List.of("ssh-ed25519"), List.of("aes128-ctr"),
                    List.of("hmac-sha2-256"), List.of("none"), false));
        }));
        KINDS.put("kex-then-abort", port -> {
            try (ScriptedPeer p = ScriptedPeer.connect(port)) {
                p.sendVersion();
                p.readVersion();
                p.sendPacket(kexInit(false));
                p.sendPacket(ecdhInit(ScriptedPeer.x25519Public(ScriptedPeer.x25519())));
                p.expectPacket(20);
                p.expectPacket(31);
                p.socket().setSoLinger(true, 0); // reset instead of NEWKEYS
            }
        });
        KINDS.put("newkeys-then-bad-padding", port -> {
            try (ScriptedPeer p = ScriptedPeer.connect(port)) {
                p.handshake("aes128-gcm@openssh.com", null);
                p.sendEncrypted(ScriptedPeer.ignore(40), 3, 2);
                p.drainRawUntilClosed();
            }
        });
        KINDS.put("newkeys-then-eof", port -> {
            try (ScriptedPeer p = ScriptedPeer.connect(port)) {
                p.handshake("chacha20-poly1305@openssh.com", null);
                p.sendEncrypted(ScriptedPeer.ignore(10));
            }
        });
    }

    private interface PeerAction {
        void run(ScriptedPeer p) throws Exception;
    }

    /**
     * Connects, runs the action, and waits (bounded) for the server to close. Whether the
     * DISCONNECT arrived first is the scenario tests' business; this test is about what the
     * connections leave behind.
     */
    private static void disconnected(int port, PeerAction action) throws Exception {
        try (ScriptedPeer p = ScriptedPeer.connect(port)) {
            action.run(p);
            p.drainRawUntilClosed();
        }
    }

    @BeforeAll
    static void startServer() throws IOException {
        HostileSupport.EscapeWatch.install();
        server = TestSshServer.start("127.0.0.1", 0, HostileSupport.serverConfig().handshakeTimeout(Duration.ofSeconds(5)).build());
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private static void awaitAllClosed(Duration timeout) {
        HostileSupport.awaitCondition(timeout, () -> server.connections().isEmpty(),
                () -> server.connections().size() + " connections still open: " + server.connections());
    }

    /**
     * Watches the server's connection list while the load runs and checks how each connection it
     * saw ended, without keeping the connections reachable (which would hide a heap leak).
     */
    private static final class Watcher implements Runnable {
        private final Set<Transport> seen = Collections.newSetFromMap(new WeakHashMap<>());
        final AtomicInteger observed = new AtomicInteger();
        final AtomicInteger ended = new AtomicInteger();
        final List<String> badEnds = Collections.synchronizedList(new ArrayList<>());
        volatile boolean stop;

        @Override
        public void run() {
            while (!stop) {
                for (Transport t : server.connections()) {
                    synchronized (seen) {
                        if (!seen.add(t)) {
                            continue;
                        }
                    }
                    observed.incrementAndGet();
                    String name = t.toString();
                    t.closeFuture().whenComplete((v, e) -> {
                        ended.incrementAndGet();
                        Throwable c = t.closeCause();
                        if (!(c instanceof IOException)) {
                            badEnds.add(name + " ended with " + c + " (expected an SshException or a connection loss)");
                        }
                    });
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    @Test
    void hundredsOfHostileConnectionsLeaveNothingBehind() throws Exception {
        HostileSupport.EscapeWatch.reset();
        // Warm up: every kind once, so that class loading and lazily opened files are done.
        for (Kind k : KINDS.values()) {
            k.run(server.port());
        }
        awaitAllClosed(Duration.ofSeconds(10));
        int fdsBefore = HostileSupport.openFds();
        long heapBefore = HostileSupport.usedHeapAfterGc();
        int threadsBefore = HostileSupport.tetherConnectionThreads("tether-").size();
        Watcher watcher = new Watcher();
        Thread watch = new Thread(watcher, "hostile-watcher");
        watch.setDaemon(true);
        watch.start();

        List<Kind> kinds = new ArrayList<>(KINDS.values());
        List<String> names = new ArrayList<>(KINDS.keySet());
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL, r -> {
            Thread t = new Thread(r, "hostile-load-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        List<Future<?>> futures = new ArrayList<>();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                int kind = i % kinds.size();
                futures.add(pool.submit(() -> {
                    try {
                        kinds.get(kind).run(server.port());
                    } catch (Throwable e) {
                        failures.add(names.get(kind) + ": " + e);
                    }
                    return null;
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            for (Future<?> f : futures) {
                f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } finally {
            pool.shutdownNow();
            watcher.stop = true;
            watch.join(5000);
        }
        long loadMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(failures.isEmpty(), () -> failures.size() + " hostile connections did not end as expected:\n  "
                + String.join("\n  ", failures.subList(0, Math.min(20, failures.size()))));

        awaitAllClosed(Duration.ofSeconds(15));
        HostileSupport.awaitCondition(Duration.ofSeconds(5), () -> watcher.ended.get() == watcher.observed.get(),
                () -> watcher.observed.get() + " connections observed, only " + watcher.ended.get() + " closeFutures completed");
        assertTrue(watcher.badEnds.isEmpty(), () -> String.join("\n", watcher.badEnds));
        // The watcher polls, so it may miss a connection that lived for less than a poll; most it sees.
        assertTrue(watcher.observed.get() >= CONNECTIONS / 2,
                () -> "the watcher saw only " + watcher.observed.get() + " of " + CONNECTIONS + " connections");
        if (!HostileSupport.virtualThreadsInUse()) {
            HostileSupport.awaitCondition(Duration.ofSeconds(10),
                    () -> HostileSupport.tetherConnectionThreads("tether-server-").isEmpty(),
                    () -> "server connection threads still alive: " + HostileSupport.tetherConnectionThreads("tether-server-"));
            HostileSupport.awaitCondition(Duration.ofSeconds(10),
                    () -> HostileSupport.tetherConnectionThreads("tether-").size() <= threadsBefore,
                    () -> "tether threads: " + threadsBefore + " before, now " + HostileSupport.tetherConnectionThreads("tether-"));
        }
        HostileSupport.awaitCondition(Duration.ofSeconds(10), () -> HostileSupport.openFds() <= fdsBefore + 4,
                () -> "file descriptors: " + fdsBefore + " before, " + HostileSupport.openFds() + " after " + CONNECTIONS
                        + " hostile connections");
        long heapAfter = HostileSupport.usedHeapAfterGc();
        assertTrue(heapAfter - heapBefore < 64L * 1024 * 1024,
                () -> "heap grew from " + heapBefore / 1024 + " KiB to " + heapAfter / 1024 + " KiB");
        HostileSupport.EscapeWatch.assertClean();
        System.out.printf("%d hostile connections in %d ms (%d observed); fds %d -> %d; heap %d -> %d KiB%n",
                CONNECTIONS, loadMs, watcher.observed.get(), fdsBefore, HostileSupport.openFds(), heapBefore / 1024, heapAfter / 1024);
    }
}
