package dev.tether.ssh.sessions;

import dev.tether.ssh.Engines;
import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.connection.ConnectionService;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.OpenSsh;
import dev.tether.ssh.testutil.Processes;
import dev.tether.ssh.testutil.TempDirs;
import dev.tether.ssh.testutil.TestKeys;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Helpers for the session tests: processes with bounded waits (stdout and stderr kept in
 * separate files, as bytes), deterministic data files with their SHA-256, and our
 * {@link SshServer} serving OS-process sessions through a {@link Portal} with key auth.
 * Killing processes, polling and temp dirs are in {@code testutil}.
 */
final class Sessions {
    static final Path SSH = OpenSsh.SSH;
    static final Path SSHD = OpenSsh.SSHD;
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final String LOOPBACK = "127.0.0.1";
    static final String USER = "tester";
    static final int MIB = 1024 * 1024;

    private Sessions() {
    }

    static void assumeSsh() {
        assumeTrue(Files.isExecutable(SSH), "OpenSSH client not installed at " + SSH);
    }

    // ------------------------------------------------------------------ processes

    /** A finished (or killed) process; stdout and stderr as separate byte arrays. */
    record Proc(List<String> command, int exit, byte[] stdout, byte[] stderr, boolean timedOut, String log) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        String err() {
            return new String(stderr, StandardCharsets.UTF_8);
        }

        String describe() {
            return String.join(" ", command) + "\nexit " + exit + (timedOut ? " (TIMED OUT, killed)" : "")
                    + "\n--- stdout (" + stdout.length + " bytes) ---\n" + clip(out())
                    + "\n--- stderr (" + stderr.length + " bytes) ---\n" + clip(err())
                    + (log == null ? "" : "\n--- log ---\n" + clip(log));
        }

        private static String clip(String s) {
            return s.length() > 4000 ? s.substring(0, 2000) + "\n...\n" + s.substring(s.length() - 2000) : s;
        }
    }

    /** A process started with its stdout and stderr going to files, so it can never block on a full pipe. */
    static final class Running {
        final List<String> command;
        final Process process;
        final Path out;
        final Path err;
        final Path log;

        Running(List<String> command, Process process, Path out, Path err, Path log) {
            this.command = command;
            this.process = process;
            this.out = out;
            this.err = err;
            this.log = log;
        }

        /** Waits (bounded) for the process; kills it (and its descendants) on timeout. */
        Proc await(Duration timeout) throws IOException {
            boolean timedOut = Processes.awaitOrKill(process, timeout, command);
            int code = Processes.exitCode(process);
            String logText = log != null && Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : null;
            return new Proc(command, code, Files.readAllBytes(out), Files.readAllBytes(err), timedOut, logText);
        }
    }

    static Running start(List<String> command, Path workDir, Path stdin, Path log) throws IOException {
        Path out = Files.createTempFile(workDir, "out", ".bin");
        Path err = Files.createTempFile(workDir, "err", ".bin");
        Process p = Processes.builder(command, Collections.singletonMap("LC_X", null), stdin, out, err).start();
        return new Running(List.copyOf(command), p, out, err, log);
    }

    static Proc run(List<String> command, Path workDir, Path stdin, Path log, Duration timeout) throws IOException {
        return start(command, workDir, stdin, log).await(timeout);
    }

    // ------------------------------------------------------------------ files and data

    static Path tempDir(String prefix) {
        return TempDirs.create("tether-sessions-" + prefix + "-");
    }

    /** Writes {@code size} pseudo-random bytes from {@code seed}; returns their SHA-256 in hex. */
    static String writeRandomFile(Path file, long size, long seed) throws IOException {
        Random r = new Random(seed);
        MessageDigest md = sha256();
        byte[] buf = new byte[MIB];
        try (OutputStream o = Files.newOutputStream(file)) {
            long left = size;
            while (left > 0) {
                int n = (int) Math.min(buf.length, left);
                r.nextBytes(buf);
                md.update(buf, 0, n);
                o.write(buf, 0, n);
                left -= n;
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Writes {@code size} pseudo-random bytes from {@code seed} to a stream (the same bytes as {@link #writeRandomFile}). */
    static void writeRandom(OutputStream o, long size, long seed) throws IOException {
        Random r = new Random(seed);
        byte[] buf = new byte[MIB];
        long left = size;
        while (left > 0) {
            int n = (int) Math.min(buf.length, left);
            r.nextBytes(buf);
            o.write(buf, 0, n);
            left -= n;
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] data) {
        return HexFormat.of().formatHex(sha256().digest(data));
    }

    /** Reads a stream to its end; returns {byte count, hex SHA-256}. */
    static Digest digest(InputStream in) throws IOException {
        MessageDigest md = sha256();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            md.update(buf, 0, n);
            total += n;
        }
        return new Digest(total, HexFormat.of().formatHex(md.digest()));
    }

    record Digest(long bytes, String sha256) {
    }

    // ------------------------------------------------------------------ keys and our server

    /** A fresh ed25519 user key written as an OpenSSH private key file (mode 0600) and an authorized_keys file. */
    record UserKeyFiles(KeyPair pair, Path privateKey, Path authorizedKeys) {
    }

    static UserKeyFiles userKey(Path dir) throws IOException {
        KeyPair kp = SignatureAlgorithms.generate("ssh-ed25519", 0);
        Path key = dir.resolve("id_ed25519");
        OpenSshKeyFile.write(key, kp, USER);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Path auth = dir.resolve("authorized_keys");
        Files.writeString(auth, OpenSshKeyFile.publicKeyLine(kp.getPublic(), USER) + "\n");
        return new UserKeyFiles(kp, key, auth);
    }

    static TransportConfig.Builder portalServerConfig(Path authorizedKeys, Path workingDir) {
        Portal portal = Portal.builder()
                .publicKeys(AuthorizedKeysChecker.forUser(USER, authorizedKeys))
                .processSessions(workingDir)
                .build();
        return TransportConfig.builder().hostKeys(List.of(TestKeys.ed25519())).serverInterface(portal.serverInterface());
    }

    static SshServer startPortalServer(Path authorizedKeys, Path workingDir) throws IOException {
        return SshServer.start(LOOPBACK, 0, portalServerConfig(authorizedKeys, workingDir).build());
    }

    /** The {@link ConnectionService} behind a transport, once authenticated (the engine's message handler). */
    static ConnectionService connectionService(Transport t) {
        Object h = Engines.of(t).messageHandler();
        if (h instanceof ConnectionService cs) {
            return cs;
        }
        throw new IllegalStateException("the transport's handler is " + h + ", not a ConnectionService");
    }

    /** The OpenSSH client's base arguments for our server: key auth, a private known_hosts, logs to {@code log}. */
    static List<String> sshBase(int port, Path key, Path dir, Path log) {
        List<String> cmd = new ArrayList<>(List.of(SSH.toString(), "-F", "/dev/null", "-p", Integer.toString(port),
                "-i", key.toString(),
                "-o", "IdentitiesOnly=yes",
                "-o", "BatchMode=yes",
                "-o", "UserKnownHostsFile=" + dir.resolve("known_hosts"),
                "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "StrictHostKeyChecking=accept-new",
                "-o", "PreferredAuthentications=publickey",
                "-o", "ConnectTimeout=10"));
        if (log != null) {
            // -v goes to the log file, so stderr carries only the remote command's stderr
            cmd.addAll(List.of("-v", "-E", log.toString()));
        }
        return cmd;
    }
}
