package dev.tether.examples;

import dev.tether.sftp.SftpServer;
import dev.tether.sftp.policy.SftpRoot;
import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.keys.SignatureAlgorithms;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * An embedded SFTP file drop with its own users: each user logs in with a password (kept only as a
 * salted PBKDF2 hash, compared in constant time) and sees a private directory of a virtual file
 * system that lives inside one zip file (the JDK's zip file system: the SFTP server runs over any
 * {@code java.nio.file} file system). Users get SFTP only: commands, shells and forwarding are
 * refused, as the portal denies everything it is not told to allow.
 *
 * <pre>usage: FileDropServer PORT STORE.zip USER=PASSWORD...   (0 picks a free port; stops when stdin closes)</pre>
 */
public final class FileDropServer implements AutoCloseable {
    private static final int ITERATIONS = 50_000;

    private final FileSystem store;
    private final SshServer server;
    private final KeyPair hostKey;

    private FileDropServer(FileSystem store, SshServer server, KeyPair hostKey) {
        this.store = store;
        this.server = server;
        this.hostKey = hostKey;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: FileDropServer PORT STORE.zip USER=PASSWORD...");
            System.exit(2);
        }
        Map<String, String> users = new HashMap<>();
        for (int i = 2; i < args.length; i++) {
            String[] up = args[i].split("=", 2);
            users.put(up[0], up[1]);
        }
        try (FileDropServer s = start(Integer.parseInt(args[0]), Path.of(args[1]), users)) {
            System.out.println("listening on 127.0.0.1:" + s.port() + ", host key " + s.hostKeyFingerprint());
            while (System.in.read() >= 0) {
                // until stdin closes
            }
        }
    }

    /** Opens (or creates) the zip store, gives each user a directory in it, and starts listening on 127.0.0.1. */
    public static FileDropServer start(int port, Path zip, Map<String, String> passwords) throws IOException {
        FileSystem store = FileSystems.newFileSystem(zip, Map.of("create", "true"));
        try {
            Map<String, byte[][]> hashes = new HashMap<>();
            for (Map.Entry<String, String> u : passwords.entrySet()) {
                Files.createDirectories(store.getPath("/" + u.getKey()));
                byte[] salt = new byte[16];
                new SecureRandom().nextBytes(salt);
                hashes.put(u.getKey(), new byte[][]{salt, hash(u.getValue(), salt)});
            }
            SftpServer sftp = SftpServer.builder()
                    .root(login -> SftpRoot.jail(store.getPath("/" + login.username())))
                    .build();
            Portal portal = Portal.builder()
                    .passwords((user, password) -> CompletableFuture.supplyAsync(() -> {
                        byte[][] h = hashes.get(user);
                        byte[] salt = h != null ? h[0] : new byte[16];
                        byte[] given = hash(password, salt); // the same work for unknown users
                        return h != null && MessageDigest.isEqual(given, h[1]);
                    }))
                    .subsystem("sftp", sftp)
                    .build();
            KeyPair hostKey = SignatureAlgorithms.generate("ssh-ed25519", 0);
            TransportConfig config = TransportConfig.builder().hostKeys(List.of(hostKey))
                    .serverInterface(portal.serverInterface()).build();
            return new FileDropServer(store, SshServer.start("127.0.0.1", port, config), hostKey);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private static byte[] hash(String password, byte[] salt) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, ITERATIONS, 256);
            try {
                return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            } finally {
                spec.clearPassword();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The port it listens on. */
    public int port() {
        return server.port();
    }

    /** The host key's public blob, for clients to verify. */
    public byte[] hostKeyBlob() {
        return SignatureAlgorithms.encodePublicKey(hostKey.getPublic());
    }

    /** The host key's SHA256 fingerprint, as ssh shows it. */
    public String hostKeyFingerprint() {
        return SignatureAlgorithms.fingerprint(hostKeyBlob());
    }

    /** Stops listening and writes the zip store. */
    @Override
    public void close() throws IOException {
        try {
            server.close();
        } finally {
            store.close();
        }
    }
}
