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
import dev.tether.ssh.testutil.TestKeys;
import dev.tether.testkit.TempDirs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Helpers for the session tests: deterministic data files with their SHA-256, and our
 * {@link SshServer} serving OS-process sessions through a {@link Portal} with key auth. The peers
 * (ssh, sshd, paramiko), processes, polling and temp dirs are tether-testkit's.
 */
final class Sessions {
    static final String LOOPBACK = "127.0.0.1";
    static final String USER = "tester";
    static final int MIB = 1024 * 1024;

    private Sessions() {
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
}
