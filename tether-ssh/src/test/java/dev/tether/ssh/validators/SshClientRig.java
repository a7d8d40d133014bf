package dev.tether.ssh.validators;

import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.TestKeys;
import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Poll;
import dev.tether.testkit.Processes;
import dev.tether.testkit.TempDirs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The OpenSSH client against our {@link SshServer} for the limit tests: a temp dir with a user
 * key, the server (process sessions in the temp dir, its config changed by the test), plain
 * {@code ssh} processes, and a ControlMaster ({@code ssh -M -N}) with multiplexed clients, all
 * through tether-testkit's {@link OpenSshClient}. Every process has its stdin as a pipe the test
 * holds, stdout and stderr in files and {@code -v} in a log; {@link #close} ends them all.
 */
final class SshClientRig implements AutoCloseable {
    static final String USER = "tester";

    final Path dir;
    final SshServer server;
    private final Path key;
    private final Path controlPath;
    private final OpenSshClient client;
    private final List<Processes.Running> started = new ArrayList<>();
    private int runs;

    /** A started ssh: its process (stdin a pipe), its output files, and the file its -v log goes to. */
    record Ssh(Processes.Running running, Path logFile) {
        Process process() {
            return running.process();
        }

        String stdout() throws IOException {
            return Files.readString(running.stdoutFile(), StandardCharsets.UTF_8);
        }

        String log() throws IOException {
            return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "";
        }

        String describe() throws IOException {
            return running.describe() + "\n--- log ---\n" + log();
        }

        /** Ends a {@code read x} session: one line on its stdin. */
        void answer() throws IOException {
            running.stdin().write('\n');
            running.stdin().flush();
        }

        /** Waits (bounded) for the exit; -1 if still running. */
        int await(Duration d) throws InterruptedException {
            return running.exitWithin(d);
        }
    }

    SshClientRig(UnaryOperator<TransportConfig.Builder> limits) throws IOException {
        Peers.requireSsh();
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
        client = new OpenSshClient(dir);
    }

    private synchronized Path nextLog() {
        return dir.resolve("ssh-" + (++runs) + ".log");
    }

    private OpenSshClient.Invocation base(Path log) {
        return client.to(server.port(), USER).identity(key).knownHosts(dir.resolve("known_hosts")).verbose(1).log(log);
    }

    private synchronized Ssh start(OpenSshClient.Invocation ssh, Path log) throws IOException {
        Processes.Running r = ssh.startPiped();
        started.add(r);
        return new Ssh(r, log);
    }

    /** A direct connection: {@code ssh [options] user@127.0.0.1 [command]} (-N when command is null). */
    Ssh ssh(String command, String... options) throws IOException {
        Path log = nextLog();
        OpenSshClient.Invocation ssh = base(log).args(options);
        return start(command == null ? ssh.noCommand() : ssh.command(command), log);
    }

    /** Starts the ControlMaster ({@code -M -N}, no persist) and waits until it accepts clients. */
    Ssh master() throws IOException {
        Path log = nextLog();
        Ssh master = start(base(log).master(controlPath), log);
        if (!client.awaitMaster(master.running(), controlPath, USER, Duration.ofSeconds(20))) {
            throw new AssertionError("the master did not come up:\n" + master.describe());
        }
        return master;
    }

    /** A client multiplexed over the master (it cannot connect by itself: ProxyCommand=/bin/false). */
    Ssh mux(String command) throws IOException {
        Path log = nextLog();
        return start(client.mux(controlPath, USER).verbose(1).log(log).command(command), log);
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
        for (Processes.Running s : started) {
            s.close();
        }
        server.close();
        TempDirs.deleteTree(dir);
    }
}
