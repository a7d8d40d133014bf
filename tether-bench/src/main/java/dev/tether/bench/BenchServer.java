package dev.tether.bench;

import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.policy.Command;
import dev.tether.ssh.policy.ServerLimits;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The Tether server that {@link ProcessBench} measures, in its own JVM so that its CPU time and
 * memory can be read from {@code /proc}: an {@link SshServer} on 127.0.0.1 with one host key,
 * public key authentication from an authorized_keys file for one user, and process sessions
 * ({@code exec} runs {@code /bin/sh -c}), all on the library's defaults except the login grace
 * time, which is raised so that idle unauthenticated connections stay open while measured.
 *
 * <p>Two exec command lines run in-process instead ({@link Portal.Builder#commands}), so that bulk
 * transfers can be measured without an OS process on the server:
 * <ul>
 *   <li>{@code tether-sink}: reads stdin to EOF into a reused 64 KiB buffer, exit 0
 *       ({@code tether-sink -c} also prints the byte count, for checks);</li>
 *   <li>{@code tether-source N}: writes N zero bytes to stdout from a reused 64 KiB buffer, exit 0.</li>
 * </ul>
 * Every other command line goes to {@code /bin/sh -c} as before.
 *
 * <p>Arguments: {@code HOST_KEY AUTHORIZED_KEYS USER WORKING_DIR [LOGIN_GRACE_SECONDS]}. Prints
 * {@code PORT n} once listening, then answers one line per command read from stdin:
 * <ul>
 *   <li>{@code stats}: {@code STATS connections=C authenticated=A channels=H};</li>
 *   <li>{@code heap}: runs {@code System.gc()} three times and prints
 *       {@code HEAP used=BYTES committed=BYTES threads=N} (platform threads only);</li>
 *   <li>{@code quit}, or the end of stdin: closes the server and exits.</li>
 * </ul>
 */
public final class BenchServer {
    private BenchServer() {
    }

    /** The in-process commands, or null for an OS process. */
    static Command inProcess(String line) {
        if (line == null) {
            return null;
        }
        String[] w = line.trim().split("\\s+");
        if (w[0].equals("tether-sink") && (w.length == 1 || w.length == 2 && w[1].equals("-c"))) {
            boolean count = w.length == 2;
            return ctx -> {
                byte[] buf = new byte[64 * 1024];
                InputStream in = ctx.stdin();
                long total = 0;
                for (int n; (n = in.read(buf)) >= 0; ) {
                    total += n;
                }
                if (count) {
                    ctx.stdout().write((total + "\n").getBytes(StandardCharsets.US_ASCII));
                    ctx.stdout().flush();
                }
                return 0;
            };
        }
        if (w[0].equals("tether-source") && w.length == 2 && w[1].matches("[0-9]{1,18}")) {
            long bytes = Long.parseLong(w[1]);
            return ctx -> {
                byte[] buf = new byte[64 * 1024];
                OutputStream out = ctx.stdout();
                for (long left = bytes; left > 0; ) {
                    int n = (int) Math.min(buf.length, left);
                    out.write(buf, 0, n);
                    left -= n;
                }
                out.flush();
                return 0;
            };
        }
        return null;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: BenchServer HOST_KEY AUTHORIZED_KEYS USER WORKING_DIR [LOGIN_GRACE_SECONDS]");
            System.exit(2);
        }
        long grace = args.length > 4 ? Long.parseLong(args[4]) : 3600;
        Portal portal = Portal.builder()
                .publicKeys(AuthorizedKeysChecker.forUser(args[2], Path.of(args[1])))
                .processSessions(Path.of(args[3]))
                .commands(BenchServer::inProcess)
                .build();
        TransportConfig config = TransportConfig.builder()
                .addHostKey(OpenSshKeyFile.read(Path.of(args[0])))
                .serverInterface(portal.serverInterface())
                .loginGraceTime(Duration.ofSeconds(grace))
                .build();
        // the idle part holds thousands of unauthenticated connections on purpose: no MaxStartups
        SshServer server = SshServer.start("127.0.0.1", 0, config,
                ServerLimits.builder().maxStartups(Integer.MAX_VALUE).build());
        System.out.println("PORT " + server.port());
        System.out.flush();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            String line;
            while ((line = in.readLine()) != null) {
                switch (line.trim()) {
                    case "stats" -> {
                        int conns = 0;
                        int auth = 0;
                        int channels = 0;
                        for (Transport t : server.connections()) {
                            conns++;
                            if (t.isAuthenticated()) {
                                auth++;
                            }
                            channels += t.openChannelCount();
                        }
                        System.out.println("STATS connections=" + conns + " authenticated=" + auth + " channels=" + channels);
                    }
                    case "heap" -> {
                        for (int i = 0; i < 3; i++) {
                            System.gc();
                            Thread.sleep(100);
                        }
                        var heap = memory.getHeapMemoryUsage();
                        System.out.println("HEAP used=" + heap.getUsed() + " committed=" + heap.getCommitted()
                                + " threads=" + ManagementFactory.getThreadMXBean().getThreadCount());
                    }
                    case "quit" -> {
                        return;
                    }
                    default -> System.out.println("ERROR unknown command " + line);
                }
                System.out.flush();
            }
        } finally {
            server.close();
            System.out.flush();
            // exit even if some connection thread is stuck (shutdown hooks, e.g. a JFR dump, still run)
            System.exit(0);
        }
    }
}
