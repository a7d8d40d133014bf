package dev.tether.sftp.scp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.tether.sftp.SftpServer;
import dev.tether.sftp.policy.SftpRoot;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SCP on an in-memory file system (jimfs): OpenSSH's {@code scp -O} both ways, {@code -r} and
 * {@code -p}, on a file system with POSIX permissions (served as a jail) and on one with only
 * basic attributes (served as a host root, modes made up as 0644/0755).
 */
class ScpJimfsTest {
    private static final Instant PAST = Instant.parse("2003-04-05T06:07:08Z");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void scpWorksOnJimfs(boolean posix) throws Exception {
        Configuration.Builder config = Configuration.unix().toBuilder();
        if (posix) {
            config.setAttributeViews("basic", "owner", "posix");
        } else {
            config.setAttributeViews("basic");
        }
        try (FileSystem fs = Jimfs.newFileSystem(config.build())) {
            Path home = Files.createDirectories(fs.getPath("/srv/home"));
            SftpRoot root = posix ? SftpRoot.jail(fs.getPath("/srv"), "/home") : SftpRoot.host(home);
            String up = posix ? "/home" : "/srv/home";
            Path local = Files.createDirectories(tmp.resolve("local"));
            try (ScpTestServer server = new ScpTestServer(Files.createDirectories(tmp.resolve("keys")),
                    SftpServer.builder().root(root).build())) {
                byte[] data = ScpTrees.random(2 * 1024 * 1024 + 3, 11);
                Path f = Files.write(local.resolve("f.bin"), data);
                Files.setLastModifiedTime(f, FileTime.from(PAST));
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
                server.scp("-O", "-p", f.toString(), server.remote(up + "/f.bin")).expectSuccess();
                assertArrayEquals(data, Files.readAllBytes(home.resolve("f.bin")));
                assertEquals(PAST, Files.getLastModifiedTime(home.resolve("f.bin")).toInstant());
                if (posix) {
                    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("f.bin"))));
                }

                server.scp("-O", "-p", server.remote(up + "/f.bin"), local.resolve("back.bin").toString()).expectSuccess();
                assertArrayEquals(data, Files.readAllBytes(local.resolve("back.bin")));
                assertEquals(PAST, Files.getLastModifiedTime(local.resolve("back.bin")).toInstant());
                assertEquals(posix ? "rw-r-----" : "rw-r--r--",
                        PosixFilePermissions.toString(Files.getPosixFilePermissions(local.resolve("back.bin"))));

                Path tree = ScpTrees.make(local.resolve("tree"));
                server.scp("-O", "-r", tree.toString(), server.remote(up)).expectSuccess();
                ScpTrees.assertSameTree(tree, home.resolve("tree"));
                server.scp("-O", "-r", server.remote(up + "/tree"), local.resolve("tree-back").toString()).expectSuccess();
                ScpTrees.assertSameTree(tree, local.resolve("tree-back"));
                // relative to the start directory, and a glob listed on jimfs
                server.scp("-O", server.remote("tree/sub/*.bin"), local.resolve("globbed.bin").toString()).expectSuccess();
                assertArrayEquals(Files.readAllBytes(tree.resolve("sub/b.bin")), Files.readAllBytes(local.resolve("globbed.bin")));
            }
        }
    }
}
