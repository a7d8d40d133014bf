package dev.tether.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * {@code tether ssh -f} (ForkAfterAuthentication): a JVM cannot fork, so the command runs itself
 * again as a child with the same command line and an environment variable naming a loopback port
 * and a secret; the child connects, authenticates (prompting on the same terminal) and sets up its
 * forwardings, then reports to that port ({@link #ready()}) and goes on in the background, and the
 * parent exits 0. If the child ends first, the parent exits with its status. As with ssh -f, the
 * child reads nothing from stdin.
 *
 * <p>Threading: the parent waits on two futures (the child's report, read on one thread, and its
 * exit); {@link #ready()} runs once, on the session's thread.
 */
final class SshFork {
    static final String ENV = "TETHER_SSH_FORK";
    private static volatile boolean reported;

    private SshFork() {
    }

    /** True in the child of a -f run. */
    static boolean isChild() {
        return System.getenv(ENV) != null;
    }

    /** Parent: starts the child and waits until it is ready (0) or has ended (its status). */
    static int parent(PrintStream err) {
        List<String> cmd = new ArrayList<>();
        ProcessHandle.Info info = ProcessHandle.current().info();
        if (info.command().isEmpty() || info.arguments().isEmpty()) {
            err.println("ssh: -f: cannot tell this process's command line");
            return SshCommand.FAILURE;
        }
        cmd.add(info.command().get());
        cmd.addAll(List.of(info.arguments().get()));
        byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
            Map<String, String> env = pb.environment();
            env.put(ENV, server.getLocalPort() + ":" + token);
            Process child = pb.start();
            CompletableFuture<Integer> outcome = new CompletableFuture<>();
            child.onExit().thenAccept(p -> outcome.complete(p.exitValue()));
            Thread waiter = new Thread(() -> {
                while (!outcome.isDone()) {
                    try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                        byte[] got = in.readNBytes(token.length());
                        if (token.equals(new String(got, StandardCharsets.US_ASCII))) {
                            outcome.complete(0);
                        }
                    } catch (IOException e) {
                        return; // the server socket was closed
                    }
                }
            }, "tether-ssh-fork-wait");
            waiter.setDaemon(true);
            waiter.start();
            try {
                return outcome.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return SshCommand.FAILURE;
            } catch (ExecutionException e) {
                return SshCommand.FAILURE;
            }
        } catch (IOException e) {
            err.println("ssh: -f: " + e.getMessage());
            return SshCommand.FAILURE;
        }
    }

    /** Child: tells the parent that authentication and the forwardings are done; a no-op otherwise or when told already. */
    static void ready() {
        String v = System.getenv(ENV);
        if (v == null || reported) {
            return;
        }
        reported = true;
        int colon = v.indexOf(':');
        try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), Integer.parseInt(v.substring(0, colon)));
             OutputStream o = s.getOutputStream()) {
            o.write(v.substring(colon + 1).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            // the parent is gone: nothing to tell
        }
    }
}
