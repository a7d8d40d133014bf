package dev.tether.sftp.nio;

import dev.tether.sftp.SftpServer;
import dev.tether.sftp.SftpTestServer;
import dev.tether.sftp.policy.SftpRoot;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.testkit.PrivateSshd;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The two servers the NIO tests run against, on this machine: OpenSSH's sftp-server behind a
 * private sshd (login as this user, host key by a known_hosts file) and Tether's SFTP server
 * (login as {@value SftpTestServer#USER}, host key by a verifier). Both see the same disk, under
 * {@code /dev/shm} where there is one (so large directories are made fast), so a test checks
 * what the provider did on the disk directly. Close to stop both and remove the files.
 */
final class NioPeers implements AutoCloseable {
    enum Peer { OPENSSH, TETHER }

    /** {@value SftpTestServer#USER}'s password on Tether's server (which also takes the client key). */
    static final String PASSWORD = "correct horse";

    final Path base;
    final PrivateSshd sshd;
    final SftpTestServer tether;
    final Path knownHosts;

    NioPeers(Path tempDir) throws Exception {
        Path shm = Path.of("/dev/shm");
        base = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "tether-nio-")
                : Files.createDirectories(tempDir.resolve("disk"));
        PrivateSshd s = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), List.of());
        try {
            s.userKey();
            tether = new SftpTestServer(Files.createDirectories(tempDir.resolve("tether")),
                    SftpServer.builder().root(SftpRoot.host(base)).build(),
                    portal -> portal.passwords((user, password) -> CompletableFuture.completedFuture(
                            user.equals(SftpTestServer.USER) && password.equals(PASSWORD))),
                    UnaryOperator.identity());
        } catch (Exception e) {
            s.close();
            throw e;
        }
        sshd = s;
        knownHosts = Files.writeString(tempDir.resolve("known_hosts"), sshd.knownHostsLine() + "\n");
    }

    URI uri(Peer peer) {
        return peer == Peer.OPENSSH
                ? URI.create("sftp://" + System.getProperty("user.name") + "@127.0.0.1:" + sshd.port() + "/")
                : URI.create("sftp://" + SftpTestServer.USER + "@127.0.0.1:" + tether.port() + "/");
    }

    /** The credentials and host key check of a peer. */
    Map<String, Object> env(Peer peer) throws IOException {
        Map<String, Object> env = new HashMap<>();
        if (peer == Peer.OPENSSH) {
            env.put("identity", sshd.userKey());
            env.put("knownHosts", knownHosts);
        } else {
            env.put("identity", tether.clientKey);
            env.put("hostKeyVerifier", tetherVerifier());
        }
        return env;
    }

    HostKeyVerifier tetherVerifier() {
        return HostKeyVerifier.acceptKeys(List.of(SignatureAlgorithms.encodePublicKey(tether.hostKey.getPublic())));
    }

    /** A known_hosts line for Tether's server. */
    String tetherKnownHostsLine() {
        byte[] blob = SignatureAlgorithms.encodePublicKey(tether.hostKey.getPublic());
        return "[127.0.0.1]:" + tether.port() + " ssh-ed25519 " + Base64.getEncoder().encodeToString(blob);
    }

    SftpFileSystem open(Peer peer) throws IOException {
        return (SftpFileSystem) FileSystems.newFileSystem(uri(peer), env(peer));
    }

    /** A fresh directory on the disk both servers see (its absolute path is the same for them). */
    Path fresh(Peer peer, String name) throws IOException {
        return Files.createDirectories(base.resolve(peer.name().toLowerCase() + "-" + name));
    }

    /** Copies a tree between any two file systems with walkFileTree, links as links (targets as text). */
    static void copyTree(Path src, Path dst) throws IOException {
        Files.walkFileTree(src, new SimpleFileVisitor<>() {
            private Path target(Path p) {
                String rel = src.relativize(p).toString();
                return rel.isEmpty() ? dst : dst.resolve(rel);
            }

            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(target(dir));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isSymbolicLink()) {
                    Files.createSymbolicLink(target(file), dst.getFileSystem().getPath(Files.readSymbolicLink(file).toString()));
                } else {
                    Files.copy(file, target(file));
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** A tree described by relative path: "dir", "link:TARGET" or "file:CONTENT". */
    static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new HashMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link:" + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    out.put(rel, "dir");
                } else {
                    out.put(rel, "file:" + new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1));
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        try {
            tether.close();
            sshd.close();
        } finally {
            try (Stream<Path> s = Files.walk(base)) {
                for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
