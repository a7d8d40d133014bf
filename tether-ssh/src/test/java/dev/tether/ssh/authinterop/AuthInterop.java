package dev.tether.ssh.authinterop;

import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.TransportConfig;
import dev.tether.testkit.Processes;
import dev.tether.testkit.Processes.Result;
import dev.tether.testkit.TempDirs;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Helpers of the authentication interop tests: processes without the machine's agent, htpasswd
 * files, and our server behind a {@link Portal}. The peers, processes, key files and temp dirs are
 * tether-testkit's ({@link Processes}, {@code SshKeygen}, {@link TempDirs}, {@code Peers}).
 */
final class AuthInterop {
    static final String LOOPBACK = "127.0.0.1";
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private AuthInterop() {
    }

    /**
     * Runs a process to completion with a bounded wait ({@link Processes#run}) and the environment
     * changed by {@code env} (a null value removes a variable). SSH_AUTH_SOCK is always removed
     * unless {@code env} sets it, so no agent of the machine takes part.
     */
    static Result run(List<String> command, Map<String, String> env, Path workDir, Duration timeout) throws IOException {
        return run(command, env, null, workDir, timeout);
    }

    /** {@link #run(List, Map, Path, Duration)} with stdin read from {@code input} (null: /dev/null). */
    static Result run(List<String> command, Map<String, String> env, Path input, Path workDir, Duration timeout) throws IOException {
        return Processes.run(command, Processes.withoutAgent(env), input, workDir, timeout);
    }

    static Result run(List<String> command, Path workDir, Duration timeout) throws IOException {
        return run(command, Map.of(), workDir, timeout);
    }

    /** Runs and requires exit 0. */
    static Result runOk(List<String> command, Map<String, String> env, Path workDir) throws IOException {
        return Processes.runOk(command, Processes.withoutAgent(env), workDir, Duration.ofSeconds(60));
    }

    /** An htpasswd line {@code user:$2y$05$...} (cost 5, fast enough for tests). */
    static String htpasswdLine(String user, String password) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return user + ":" + OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 5);
    }

    /** The name of the OS user running the tests; any name does for our server. */
    static String osUser() {
        return System.getProperty("user.name");
    }

    /** Our SshServer on 127.0.0.1 with this host key and the portal. */
    static SshServer startServer(Portal portal, int maxAuthTries, KeyPair hostKey) throws IOException {
        return SshServer.start(LOOPBACK, 0, serverConfig(portal, maxAuthTries, hostKey).build());
    }

    static TransportConfig.Builder serverConfig(Portal portal, int maxAuthTries, KeyPair hostKey) {
        return TransportConfig.builder()
                .hostKeys(List.of(hostKey))
                .handshakeTimeout(TIMEOUT)
                .serverInterface(portal.serverInterface())
                .maxAuthTries(maxAuthTries);
    }

    /**
     * Lets other users read {@code file} (0644, its directory 0755): sshd reads a user's
     * authorized_keys as that user, and temp dirs are 0700 root's.
     */
    static void readableByAll(Path file) throws IOException {
        Files.setPosixFilePermissions(file.getParent(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    }

    static Path tempDir(String prefix) {
        return TempDirs.create("tether-authinterop-" + prefix + "-");
    }
}
