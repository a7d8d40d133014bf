package dev.tether.ssh.authinterop;

import dev.tether.ssh.testutil.Processes;
import dev.tether.ssh.testutil.TempDirs;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs OpenSSH's {@code ssh -F /dev/null -vvv ... USER@127.0.0.1 true} with a fresh known_hosts
 * file per run, optionally under {@code sshpass -e} (the password in SSHPASS, never on the command
 * line) and with extra environment such as SSH_AUTH_SOCK. Unlike the interop harness's
 * OpenSshClient, batch mode is off when a password is given, so that ssh asks (sshpass answers).
 */
final class SshClientRunner implements AutoCloseable {
    private final Path dir;
    private final AtomicInteger runs = new AtomicInteger();

    SshClientRunner() {
        AuthInterop.assumeExecutable(AuthInterop.SSH);
        this.dir = AuthInterop.tempDir("ssh");
    }

    Path dir() {
        return dir;
    }

    /** The line {@code ssh -v} logs once it has authenticated to our server on {@code port} with {@code method}. */
    static String authenticated(int port, String method) {
        return "Authenticated to 127.0.0.1 ([127.0.0.1]:" + port + ") using \"" + method + "\".";
    }

    Invocation to(int port, String user) {
        return new Invocation(port, user);
    }

    final class Invocation {
        private final int port;
        private final String user;
        private final List<String> identities = new ArrayList<>();
        private final Map<String, String> options = new LinkedHashMap<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private String password;
        private String command = "true";
        private boolean tty;
        private Duration timeout = Duration.ofSeconds(30);

        private Invocation(int port, String user) {
            this.port = port;
            this.user = user;
        }

        /** {@code -i KEY} (with IdentitiesOnly=yes unless {@link #option} says otherwise). */
        Invocation identity(Path key) {
            identities.add(key.toString());
            return this;
        }

        /** Any {@code -o NAME=VALUE}. */
        Invocation option(String name, String value) {
            options.put(name, value);
            return this;
        }

        Invocation preferred(String methods) {
            return option("PreferredAuthentications", methods);
        }

        /** Run under {@code sshpass -e}, which answers every prompt containing "assword" with this. */
        Invocation password(String pw) {
            this.password = pw;
            return this;
        }

        /** The remote command (default {@code true}). */
        Invocation command(String c) {
            this.command = c;
            return this;
        }

        /** {@code -tt}: ask for a pseudo-terminal even without a local one. */
        Invocation tty() {
            this.tty = true;
            return this;
        }

        Invocation env(String name, String value) {
            env.put(name, value);
            return this;
        }

        Invocation timeout(Duration t) {
            this.timeout = t;
            return this;
        }

        Processes.Result run() throws IOException {
            int n = runs.incrementAndGet();
            List<String> cmd = new ArrayList<>();
            Map<String, String> environment = new LinkedHashMap<>(env);
            if (password != null) {
                AuthInterop.assumeExecutable(AuthInterop.SSHPASS);
                cmd.addAll(List.of(AuthInterop.SSHPASS.toString(), "-e"));
                environment.put("SSHPASS", password);
            }
            cmd.addAll(List.of(AuthInterop.SSH.toString(), "-F", "/dev/null", "-vvv", "-p", Integer.toString(port)));
            Map<String, String> o = new LinkedHashMap<>();
            o.put("BatchMode", password == null ? "yes" : "no");
            o.put("UserKnownHostsFile", dir.resolve("known_hosts_" + n).toString());
            o.put("GlobalKnownHostsFile", "/dev/null");
            o.put("StrictHostKeyChecking", "accept-new");
            o.put("ConnectTimeout", "10");
            o.put("NumberOfPasswordPrompts", "1");
            o.put("IdentitiesOnly", identities.isEmpty() ? "no" : "yes");
            o.putAll(options);
            if (tty) {
                cmd.add("-tt");
            }
            for (String key : identities) {
                cmd.add("-i");
                cmd.add(key);
            }
            o.forEach((k, v) -> {
                cmd.add("-o");
                cmd.add(k + "=" + v);
            });
            cmd.add(user + "@" + AuthInterop.LOOPBACK);
            cmd.add(command);
            Processes.Result r = AuthInterop.run(cmd, environment, dir, timeout);
            assumeTrue(password == null || r.exitCode() != 3 || !r.stderr().contains("sshpass"),
                    "sshpass cannot run here: " + r.describe());
            return r;
        }
    }

    @Override
    public void close() {
        TempDirs.deleteTree(dir);
    }
}
