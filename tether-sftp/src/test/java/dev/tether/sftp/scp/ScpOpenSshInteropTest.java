package dev.tether.sftp.scp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.SftpServer;
import dev.tether.sftp.policy.SftpRoot;
import dev.tether.testkit.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real OpenSSH {@code scp} against our server: the legacy protocol ({@code scp -O}, served by
 * {@link ScpServer} in Java) and the SFTP protocol (plain {@code scp}, served by the sftp
 * subsystem), both ways, with {@code -r} and {@code -p}; on a root that is the host's file system
 * starting in {@code srv}.
 */
class ScpOpenSshInteropTest {
    private static final Instant PAST = Instant.parse("2001-02-03T04:05:06Z");
    private static final Instant OLDER = Instant.parse("1999-12-31T23:59:58Z");

    @TempDir
    Path tmp;
    private Path srv;
    private Path local;
    private ScpTestServer server;

    @BeforeEach
    void start() throws IOException {
        srv = Files.createDirectories(tmp.resolve("srv"));
        local = Files.createDirectories(tmp.resolve("local"));
        server = new ScpTestServer(Files.createDirectories(tmp.resolve("keys")), SftpServer.builder().root(SftpRoot.host(srv)).build());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Processes.Result scp(String... args) throws IOException {
        return server.scp(args);
    }

    @Test
    void legacyCopiesAFileBothWays() throws Exception {
        byte[] data = ScpTrees.random(3 * 1024 * 1024 + 17, 7);
        Files.write(local.resolve("big.bin"), data);
        Files.writeString(local.resolve("small file.txt"), "small\n");
        Files.createDirectories(srv.resolve("up"));

        scp("-O", local.resolve("big.bin").toString(), local.resolve("small file.txt").toString(), server.remote("up")).expectSuccess();
        assertArrayEquals(data, Files.readAllBytes(srv.resolve("up/big.bin")));
        assertEquals("small\n", Files.readString(srv.resolve("up/small file.txt")));

        scp("-O", server.remote("up/big.bin"), local.resolve("back.bin").toString()).expectSuccess();
        assertArrayEquals(data, Files.readAllBytes(local.resolve("back.bin")));
        // the remote path goes through the remote shell's word splitting: escaped, as a user escapes it (scp -O
        // matches the names it receives against the path as a pattern, so it must be a backslash, not quotes)
        scp("-O", server.remote("up/small\\ file.txt"), local.resolve("back.txt").toString()).expectSuccess();
        assertEquals("small\n", Files.readString(local.resolve("back.txt")));
        // absolute paths and a file target
        scp("-O", local.resolve("big.bin").toString(), server.remote(srv.resolve("renamed.bin").toString())).expectSuccess();
        assertArrayEquals(data, Files.readAllBytes(srv.resolve("renamed.bin")));
    }

    @Test
    void legacyReportsMissingFilesWithStatusOne() throws Exception {
        Processes.Result r = scp("-O", server.remote("no-such-file"), local.resolve("x").toString());
        assertEquals(1, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains("no-such-file: No such file or directory"), r.describe());
        assertFalse(Files.exists(local.resolve("x")));
        Files.writeString(local.resolve("f"), "f");
        r = scp("-O", local.resolve("f").toString(), server.remote("missing-dir/sub/f"));
        assertEquals(1, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains("missing-dir/sub/f: No such file or directory"), r.describe());
        r = scp("-O", server.remote("."), local.resolve("y").toString());
        assertEquals(1, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains("not a regular file"), r.describe());
    }

    @Test
    void legacyCopiesATreeBothWays() throws Exception {
        Path tree = ScpTrees.make(local.resolve("tree"));
        scp("-O", "-r", tree.toString(), server.remote("copy")).expectSuccess();
        ScpTrees.assertSameTree(tree, srv.resolve("copy"));
        // into an existing directory: the tree goes below it under its own name
        Files.createDirectories(srv.resolve("into"));
        scp("-O", "-r", tree.toString(), server.remote("into")).expectSuccess();
        ScpTrees.assertSameTree(tree, srv.resolve("into/tree"));

        scp("-O", "-r", server.remote("copy"), local.resolve("back").toString()).expectSuccess();
        ScpTrees.assertSameTree(tree, local.resolve("back"));
    }

    @Test
    void legacyPreserveKeepsTimesAndModes() throws Exception {
        Path tree = Files.createDirectories(local.resolve("ptree/inner"));
        Path file = Files.writeString(tree.resolve("f.txt"), "times\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Files.setLastModifiedTime(file, FileTime.from(PAST));
        Files.setLastModifiedTime(tree, FileTime.from(OLDER));

        scp("-O", "-p", "-r", local.resolve("ptree").toString(), server.remote("pt")).expectSuccess();
        Path up = srv.resolve("pt/inner/f.txt");
        assertEquals(PAST, Files.getLastModifiedTime(up).toInstant());
        assertEquals(OLDER, Files.getLastModifiedTime(srv.resolve("pt/inner")).toInstant());
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(up)));

        Path remoteFile = Files.writeString(srv.resolve("old.txt"), "old\n");
        Files.setLastModifiedTime(remoteFile, FileTime.from(OLDER));
        Files.setPosixFilePermissions(remoteFile, PosixFilePermissions.fromString("rw-------"));
        scp("-O", "-p", server.remote("old.txt"), local.resolve("old.txt").toString()).expectSuccess();
        assertEquals(OLDER, Files.getLastModifiedTime(local.resolve("old.txt")).toInstant());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(local.resolve("old.txt"))));

        // without -p the times are the transfer's
        scp("-O", file.toString(), server.remote("now.txt")).expectSuccess();
        assertTrue(Files.getLastModifiedTime(srv.resolve("now.txt")).toInstant().isAfter(PAST.plusSeconds(86_400L * 365 * 20)));
    }

    @Test
    void legacyExpandsGlobsAndTildeAsTheRemoteShellWould() throws Exception {
        Path g = Files.createDirectories(srv.resolve("g"));
        Files.writeString(g.resolve("x1.txt"), "1");
        Files.writeString(g.resolve("x2.txt"), "2");
        Files.writeString(g.resolve("y.log"), "y");
        Files.writeString(g.resolve(".hidden.txt"), "h");
        Path into = Files.createDirectories(local.resolve("globbed"));
        scp("-O", server.remote("g/*.txt"), into.toString()).expectSuccess();
        try (Stream<Path> s = Files.list(into)) {
            assertEquals(List.of("x1.txt", "x2.txt"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        scp("-O", server.remote("~/g/y.log"), local.resolve("tilde.log").toString()).expectSuccess();
        assertEquals("y", Files.readString(local.resolve("tilde.log")));
        scp("-O", server.remote("g/x[2-9].txt"), local.resolve("bracket.txt").toString()).expectSuccess();
        assertEquals("2", Files.readString(local.resolve("bracket.txt")));
    }

    @Test
    void umaskAppliesToNewFilesWithoutPreserve() throws Exception {
        server.close();
        server = new ScpTestServer(Files.createDirectories(tmp.resolve("keys077")), SftpServer.builder().root(SftpRoot.host(srv)).umask(077).build());
        Path f = Files.writeString(local.resolve("m.txt"), "m");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        Files.createDirectories(local.resolve("md/sub"));
        Files.setPosixFilePermissions(local.resolve("md/sub"), PosixFilePermissions.fromString("rwxr-xr-x"));
        scp("-O", f.toString(), server.remote("m.txt")).expectSuccess();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(srv.resolve("m.txt"))));
        scp("-O", "-r", local.resolve("md").toString(), server.remote("md")).expectSuccess();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(srv.resolve("md/sub"))));
    }

    @Test
    void sftpModeCopiesBothWays() throws Exception {
        byte[] data = ScpTrees.random(1024 * 1024 + 5, 9);
        Files.write(local.resolve("s.bin"), data);
        scp(local.resolve("s.bin").toString(), server.remote("s.bin")).expectSuccess();
        assertArrayEquals(data, Files.readAllBytes(srv.resolve("s.bin")));
        scp(server.remote("s.bin"), local.resolve("s-back.bin").toString()).expectSuccess();
        assertArrayEquals(data, Files.readAllBytes(local.resolve("s-back.bin")));

        Path tree = ScpTrees.make(local.resolve("stree"));
        scp("-r", tree.toString(), server.remote("stree")).expectSuccess();
        ScpTrees.assertSameTree(tree, srv.resolve("stree"));
        scp("-r", server.remote("stree"), local.resolve("stree-back").toString()).expectSuccess();
        ScpTrees.assertSameTree(tree, local.resolve("stree-back"));
        Files.setLastModifiedTime(local.resolve("s.bin"), FileTime.from(PAST));
        scp("-p", local.resolve("s.bin").toString(), server.remote("sp.bin")).expectSuccess();
        assertEquals(PAST, Files.getLastModifiedTime(srv.resolve("sp.bin")).toInstant());
    }
}
