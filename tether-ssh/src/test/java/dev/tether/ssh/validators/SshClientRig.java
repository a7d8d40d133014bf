package dev.tether.ssh.validators;

import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.OpenSsh;
import dev.tether.ssh.testutil.Poll;
import dev.tether.ssh.testutil.Processes;
import dev.tether.ssh.testutil.TempDirs;
import dev.tether.ssh.testutil.TestKeys;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The OpenSSH client against our {@link SshServer} for the limit tests: a temp dir with a user
 * key, the server (process sessions in the temp dir, its config changed by the test), plain
 * {@code ssh} processes, and a ControlMaster ({@code ssh -M -N}) with multiplexed clients.
 * Every process has its stdin as a pipe the test holds, stdout and stderr in files and
 * {@code -v} in a log; {@link #close} ends them all.
 */
final class SshClientRig implements AutoCloseable {
    static final String USER = "tester";

    final Path dir;
    final SshServer server;
    private final Path key;
    private final Path controlPath;
    private final List<Ssh> started = new ArrayList<>();
    private Ssh master;
    private int runs;

    /** A started ssh: its process (stdin a pipe), and the files its output and -v log go to. */
    record Ssh(Process process, Path out, Path err, Path logFile) {
        String stdout() throws IOException {
            return Files.readString(out, StandardCharsets.UTF_8);
        }

        String log() throws IOException {
            return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "";
        }

        String describe() throws IOException {
            return "exit " + (process.isAlive() ? "(running)" : process.exitValue()) + "\n--- stdout ---\n" + stdout()
                    + "\n--- stderr ---\n" + Files.readString(err, StandardCharsets.UTF_8) + "\n--- log ---\n" + log();
        }

        /** Ends a {@code read x} session: one line on its stdin. */
        void answer() throws IOException {
            process.getOutputStream().write('\n');
            process.getOutputStream().flush();
        }

        /** Waits (bounded) for the exit; -1 if still running. */
        int await(Duration d) throws InterruptedException {
            return process.waitFor(d.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
        }
    }

    SshClientRig(UnaryOperator<TransportConfig.Builder> limits) throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(OpenSsh.SSH), "OpenSSH client not installed");
        dir = TempDirs.create("tether-limits-");
        KeyPair user = SignatureAlgorithms.generate("ssh-ed25519", 0);
        key = dir.resolve("id");
        OpenSshKeyFile.write(key, user, USER);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Path ak = dir.resolve("authorized_keys");
        Files.writeString(ak, OpenSshKeyFile.publicKeyLine(user.getPublic(), USER) + "\n");
        Portal portal = Portal.builder().publicKeys(AuthorizedKeysChecker.forUser(USER, ak)).processSessions(dir).build();
        server = SshServer.start("127.0.0.1", 0, limits.apply(TransportConfig.builder().hostKeys(List.of(TestKeys.ed25519()))
                .serverInterface(portal.serverInterface())).build());
        controlPath = dir.resolve("cm");
    }

    private List<String> base() {
        Path log = dir.resolve("ssh-" + (++runs) + ".log");
        return new ArrayList<>(List.of(OpenSsh.SSH.toString(), "-F", "/dev/null", "-p", Integer.toString(server.port()),
                "-i", key.toString(), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "UserKnownHostsFile=" + dir.resolve("known_hosts"), "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "StrictHostKeyChecking=accept-new", "-o", "ConnectTimeout=10", "-v", "-E", log.toString()));
    }

    private synchronized Ssh start(List<String> cmd) throws IOException {
        String log = cmd.get(cmd.indexOf("-E") + 1);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder pb = Processes.builder(cmd, Processes.withoutAgent(Map.of()), null, out, err)
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        Ssh s = new Ssh(pb.start(), out, err, Path.of(log));
        started.add(s);
        return s;
    }

    /** A direct connection: {@code ssh [options] user@127.0.0.1 [command]} (-N when command is null). */
    Ssh ssh(String command, String... options) throws IOException {
        List<String> cmd = base();
        cmd.addAll(List.of(options));
        cmd.add(USER + "@127.0.0.1");
        if (command == null) {
            cmd.add(1, "-N");
        } else {
            cmd.add(command);
        }
        return start(cmd);
    }

    /** Starts the ControlMaster ({@code -M -N}, no persist) and waits until it accepts clients. */
    Ssh master() throws IOException {
        List<String> cmd = base();
        cmd.addAll(1, List.of("-M", "-N", "-S", controlPath.toString(), "-o", "ControlPersist=no"));
        cmd.add(USER + "@127.0.0.1");
        master = start(cmd);
        List<String> check = List.of(OpenSsh.SSH.toString(), "-F", "/dev/null", "-S", controlPath.toString(), "-O", "check",
                USER + "@127.0.0.1");
        boolean up = Poll.until(() -> {
            try {
                return !master.process().isAlive()
                        || (Files.exists(controlPath) && Processes.run(check, dir, Duration.ofSeconds(5)).exitCode() == 0);
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(20));
        if (!up || !master.process().isAlive()) {
            throw new AssertionError("the master did not come up:\n" + master.describe());
        }
        return master;
    }

    /** A client multiplexed over the master (it cannot connect by itself: ProxyCommand=/bin/false). */
    Ssh mux(String command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(OpenSsh.SSH.toString(), "-F", "/dev/null", "-S", controlPath.toString(),
                "-o", "ControlMaster=no", "-o", "ProxyCommand=/bin/false", "-o", "BatchMode=yes",
                "-v", "-E", dir.resolve("ssh-" + (++runs) + ".log").toString(), USER + "@127.0.0.1", command));
        return start(cmd);
    }

    /** The server's one connection once it is authenticated (bounded wait). */
    Transport connection() {
        Poll.until(() -> server.connections().stream().anyMatch(Transport::isAuthenticated), Duration.ofSeconds(20));
        Set<Transport> all = server.connections();
        return all.stream().filter(Transport::isAuthenticated).findFirst()
                .orElseThrow(() -> new AssertionError("no authenticated connection; the server holds " + all.size()));
    }

    @Override
    public void close() {
        for (Ssh s : started) {
            Processes.kill(s.process());
        }
        server.close();
        TempDirs.deleteTree(dir);
    }
}
