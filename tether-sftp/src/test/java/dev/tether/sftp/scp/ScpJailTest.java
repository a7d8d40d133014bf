package dev.tether.sftp.scp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.SftpServer;
import dev.tether.sftp.policy.SftpRoot;
import dev.tether.testkit.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SCP in a jail ({@link SftpRoot#jail}, {@code tether server --chroot}): OpenSSH's {@code scp -O}
 * and {@code scp} reach the files inside and nothing outside, whatever the path says ({@code ..},
 * absolute paths) and whatever symbolic links were planted on disk pointing out (absolute,
 * relative and climbing, to a directory or a file). No OS process runs here: SCP is in Java.
 */
class ScpJailTest {
    private static final String SECRET = "the secret outside the jail\n";

    @TempDir
    Path tmp;
    private Path jail;
    private Path outside;
    private Path local;
    private ScpTestServer server;

    @BeforeEach
    void start() throws IOException {
        Path base = Files.createDirectories(tmp.resolve("base"));
        jail = Files.createDirectories(base.resolve("jail"));
        outside = Files.createDirectories(base.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), SECRET);
        Files.createDirectories(jail.resolve("pub"));
        Files.writeString(jail.resolve("pub/file.txt"), "inside\n");
        // links planted on the disk, pointing out of the jail
        Files.createSymbolicLink(jail.resolve("abs"), outside);
        Files.createSymbolicLink(jail.resolve("rel"), Path.of("../outside"));
        Files.createSymbolicLink(jail.resolve("pub/climb"), Path.of("../../../outside/secret.txt"));
        Files.createSymbolicLink(jail.resolve("secretlink"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(jail.resolve("etc-link"), Path.of("/etc"));
        local = Files.createDirectories(tmp.resolve("local"));
        server = new ScpTestServer(Files.createDirectories(tmp.resolve("keys")), SftpServer.builder().root(SftpRoot.jail(jail)).build());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void assertOutsideUntouched() throws IOException {
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(1, s.count(), "something was written outside the jail");
        }
        assertEquals(SECRET, Files.readString(outside.resolve("secret.txt")));
        try (Stream<Path> s = Files.list(tmp.resolve("base"))) {
            assertEquals(2, s.count(), "something was written next to the jail");
        }
    }

    @Test
    void downloadsCannotLeaveTheJail() throws Exception {
        String[] escapes = {"/../../etc/passwd", "../etc/passwd", "../../../../../../etc/passwd", "/../outside/secret.txt",
            "../outside/secret.txt", "abs/secret.txt", "/abs/secret.txt", "rel/secret.txt", "pub/climb", "secretlink",
            "etc-link/passwd", "/etc/passwd"};
        int n = 0;
        for (String mode : new String[] {"-O", "-s"}) {
            for (String path : escapes) {
                Path got = local.resolve("got" + n++);
                Processes.Result r = server.scp(mode, server.remote(path), got.toString());
                assertNotEquals(0, r.exitCode(), mode + " " + path + " was copied: " + r.describe());
                assertFalse(Files.exists(got) && Files.size(got) > 0, mode + " " + path + " leaked " + got);
            }
        }
        // a recursive copy of everything in the jail sends what is inside and nothing the links point at (the
        // glob expanded by us, as the remote shell would; "/" itself has no name to send, as with OpenSSH's scp)
        Files.createDirectories(local.resolve("all"));
        Processes.Result r = server.scp("-O", "-r", server.remote("/*"), local.resolve("all").toString());
        assertEquals(1, r.exitCode(), "the links out of the jail lead nowhere: " + r.describe());
        assertTrue(Files.exists(local.resolve("all/pub/file.txt")), r.describe());
        try (Stream<Path> s = Files.walk(local.resolve("all"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    assertNotEquals(SECRET, Files.readString(p), p + " came from outside the jail");
                    assertFalse(Files.readString(p).startsWith("root:"), p + " is the host's /etc/passwd");
                }
            }
        }
        // the jail's own paths work, relative, absolute and with .. that stays inside
        server.scp("-O", server.remote("/pub/../pub/file.txt"), local.resolve("ok.txt").toString()).expectSuccess();
        assertEquals("inside\n", Files.readString(local.resolve("ok.txt")));
    }

    @Test
    void uploadsCannotLeaveTheJail() throws Exception {
        Path f = Files.writeString(local.resolve("payload.txt"), "payload\n");
        Path tree = ScpTrees.make(local.resolve("tree"));
        // .. at the jail's / stays there: the file lands inside
        server.scp("-O", f.toString(), server.remote("/../../escape.txt")).expectSuccess();
        assertEquals("payload\n", Files.readString(jail.resolve("escape.txt")));
        server.scp("-O", f.toString(), server.remote("../../../escape2.txt")).expectSuccess();
        assertTrue(Files.exists(jail.resolve("escape2.txt")));
        // through links pointing out: each resolves inside the jail, to a place that does not exist, so refused
        for (String target : new String[] {"abs", "abs/", "/abs/new.txt", "rel/new.txt", "secretlink", "pub/climb", "etc-link/x"}) {
            Processes.Result r = server.scp("-O", f.toString(), server.remote(target));
            assertEquals(1, r.exitCode(), target + ": " + r.describe());
            assertOutsideUntouched();
        }
        for (String target : new String[] {"abs", "rel", "etc-link"}) {
            Processes.Result r = server.scp("-O", "-r", tree.toString(), server.remote(target));
            assertEquals(1, r.exitCode(), target + ": " + r.describe());
            assertOutsideUntouched();
            server.scp("-r", tree.toString(), server.remote(target));
            assertOutsideUntouched();
        }
        assertFalse(Files.exists(Path.of("/etc/x")));
        assertFalse(Files.exists(Path.of("/etc/tree")));
        // the planted links are still what they were
        assertEquals(outside, Files.readSymbolicLink(jail.resolve("abs")));
        assertEquals(outside.resolve("secret.txt"), Files.readSymbolicLink(jail.resolve("secretlink")));
        // and the jail's own directories take uploads as usual
        server.scp("-O", "-r", tree.toString(), server.remote("/pub")).expectSuccess();
        ScpTrees.assertSameTree(tree, jail.resolve("pub/tree"));
        server.scp("-O", "-r", tree.toString(), server.remote("/")).expectSuccess();
        ScpTrees.assertSameTree(tree, jail.resolve("tree"));
        assertOutsideUntouched();
    }
}
