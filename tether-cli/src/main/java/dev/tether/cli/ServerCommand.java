package dev.tether.cli;

import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.auth.HtpasswdFile;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code tether server}: an SSH server on embedded defaults (see ../shared/CLI.md). Users log in
 * with the keys of an authorized_keys file (as the server's OS user) or, with
 * {@code --passwords}, by password; {@code exec} and {@code shell} run real processes, on a
 * pseudo-terminal when the client asks for one (through tether-pty, on the class path), unless
 * the key's authorized_keys entry says {@code no-pty} or {@code restrict}.
 */
@Command(name = "server", mixinStandardHelpOptions = true, description = "Run an SSH server.")
final class ServerCommand implements Callable<Integer> {
    @Option(names = "--listen", paramLabel = "ADDR", description = "address to bind (default ${DEFAULT-VALUE})")
    String listen = "127.0.0.1";

    @Option(names = "--port", paramLabel = "N", description = "port; 0 picks a free one (default ${DEFAULT-VALUE})")
    int port = 2222;

    @Option(names = "--host-key", paramLabel = "PATH", description = "host private key (OpenSSH format); repeatable")
    List<Path> hostKeys = new ArrayList<>();

    @Option(names = "--authorized-keys", paramLabel = "PATH",
            description = "OpenSSH authorized_keys; its keys log in as this OS user (default ~/.ssh/authorized_keys)")
    Path authorizedKeys;

    @Option(names = "--passwords", paramLabel = "PATH",
            description = "user:HASH lines with bcrypt hashes (htpasswd -B); enables password and keyboard-interactive")
    Path passwords;

    @Option(names = "--root", paramLabel = "DIR", description = "working directory of sessions (default: the current directory)")
    Path root;

    @Option(names = "-v", description = "debug logging")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        if (verbose) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
        }
        List<KeyPair> keys = new ArrayList<>();
        if (hostKeys.isEmpty()) {
            keys.add(defaultHostKey());
        } else {
            for (Path p : hostKeys) {
                keys.add(OpenSshKeyFile.read(p));
            }
        }
        Portal.Builder portal = Portal.builder().processSessions(root != null ? root : Path.of("").toAbsolutePath())
                .publicKeys(AuthorizedKeysChecker.forUser(System.getProperty("user.name"),
                        authorizedKeys != null ? authorizedKeys : home().resolve(".ssh").resolve("authorized_keys")));
        if (passwords != null) {
            portal.passwords(HtpasswdFile.load(passwords));
        }
        Portal built = portal.build();
        TransportConfig config = TransportConfig.builder().hostKeys(keys)
                .serverInterface(built.serverInterface()).build();
        SshServer server = SshServer.start(listen, port, config);
        CountDownLatch stopRequested = new CountDownLatch(1);
        // SIGTERM and SIGINT stop the server gracefully and the command exits 0 (CLI.md); a plain
        // shutdown hook would leave the JVM's exit status at 128+signal
        for (String name : new String[]{"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> stopRequested.countDown());
            } catch (IllegalArgumentException e) {
                // the signal is not available here; the shutdown hook below still closes the server
            }
        }
        Thread hook = new Thread(server::close, "tether-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        System.out.println("listening on " + listen + ":" + server.port());
        for (KeyPair kp : keys) {
            String alg = SignatureAlgorithms.algorithmsFor(kp.getPublic()).get(0);
            System.out.println("host key " + SignatureAlgorithms.keyType(alg) + " "
                    + SignatureAlgorithms.fingerprint(SignatureAlgorithms.encodePublicKey(kp.getPublic())));
        }
        System.out.flush();
        // stderr: stdout's first lines are fixed (see CLI.md)
        System.err.println("tether: pseudo-terminals " + built.ptySpawner().map(sp -> "through " + sp.name())
                .orElse("refused (tether-pty is not on the class path)"));
        stopRequested.await();
        server.close();
        Runtime.getRuntime().removeShutdownHook(hook);
        return 0;
    }

    /** {@code ~}: $HOME when set, as OpenSSH does, else the password database's home. */
    private static Path home() {
        String home = System.getenv("HOME");
        return Path.of(home != null && !home.isEmpty() ? home : System.getProperty("user.home"));
    }

    /** {@code ~/.tether/ssh_host_ed25519_key}, generated on first start. */
    private static KeyPair defaultHostKey() throws Exception {
        Path dir = home().resolve(".tether");
        Path file = dir.resolve("ssh_host_ed25519_key");
        if (Files.exists(file)) {
            return OpenSshKeyFile.read(file);
        }
        Files.createDirectories(dir);
        KeyPair kp = SignatureAlgorithms.generate("ssh-ed25519", 0);
        OpenSshKeyFile.write(file, kp, "tether-host-key");
        Files.writeString(dir.resolve("ssh_host_ed25519_key.pub"), OpenSshKeyFile.publicKeyLine(kp.getPublic(), "tether-host-key") + "\n");
        return kp;
    }
}
