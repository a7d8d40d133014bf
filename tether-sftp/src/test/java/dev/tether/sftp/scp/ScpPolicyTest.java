package dev.tether.sftp.scp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.SftpServer;
import dev.tether.sftp.policy.SftpOperation;
import dev.tether.sftp.policy.SftpOperation.Kind;
import dev.tether.sftp.policy.SftpPolicy;
import dev.tether.sftp.policy.SftpRoot;
import dev.tether.sftp.policy.SftpStatus;
import dev.tether.testkit.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SCP passes the same checks as SFTP: read-only mode refuses every upload (files, directories,
 * {@code -p} times) and lets downloads through; an {@link SftpPolicy} sees each operation, may
 * refuse it (the client sees the status's message), and observes each file's close with its
 * byte count.
 */
class ScpPolicyTest {
    @TempDir
    Path tmp;

    @Test
    void readOnlyModeRefusesUploads() throws Exception {
        Path srv = Files.createDirectories(tmp.resolve("srv"));
        Files.writeString(srv.resolve("existing.txt"), "keep me\n");
        Path local = Files.createDirectories(tmp.resolve("local"));
        Path f = Files.writeString(local.resolve("up.txt"), "new\n");
        Path tree = ScpTrees.make(local.resolve("tree"));
        SftpServer sftp = SftpServer.builder().root(SftpRoot.jail(srv)).readOnly(true).build();
        try (ScpTestServer server = new ScpTestServer(Files.createDirectories(tmp.resolve("keys")), sftp)) {
            Processes.Result r = server.scp("-O", f.toString(), server.remote("/up.txt"));
            assertEquals(1, r.exitCode(), r.describe());
            assertTrue(r.stderr().contains("/up.txt: Read-only file system"), r.describe());
            r = server.scp("-O", f.toString(), server.remote("/existing.txt"));
            assertEquals(1, r.exitCode(), r.describe());
            r = server.scp("-O", "-r", "-p", tree.toString(), server.remote("/"));
            assertEquals(1, r.exitCode(), r.describe());
            assertTrue(r.stderr().contains("/tree: Read-only file system"), r.describe());
            // the SFTP protocol refuses the same
            r = server.scp(f.toString(), server.remote("/up.txt"));
            assertEquals(1, r.exitCode(), r.describe());
            try (Stream<Path> s = Files.list(srv)) {
                assertEquals(List.of(srv.resolve("existing.txt")), s.toList());
            }
            assertEquals("keep me\n", Files.readString(srv.resolve("existing.txt")));
            // downloads still work
            server.scp("-O", server.remote("/existing.txt"), local.resolve("got.txt").toString()).expectSuccess();
            assertEquals("keep me\n", Files.readString(local.resolve("got.txt")));
        }
    }

    @Test
    void theSftpRequestListsApplyToScpToo() throws Exception {
        Path srv = Files.createDirectories(tmp.resolve("srv"));
        Files.writeString(srv.resolve("r.txt"), "r");
        Path local = Files.createDirectories(tmp.resolve("local"));
        Path tree = ScpTrees.make(local.resolve("tree"));
        SftpServer sftp = SftpServer.builder().root(SftpRoot.jail(srv)).denyRequests(Set.of("mkdir", "read")).build();
        try (ScpTestServer server = new ScpTestServer(Files.createDirectories(tmp.resolve("keys")), sftp)) {
            Processes.Result r = server.scp("-O", "-r", tree.toString(), server.remote("/"));
            assertEquals(1, r.exitCode(), r.describe());
            assertTrue(r.stderr().contains("/tree: Permission denied"), r.describe());
            assertFalse(Files.exists(srv.resolve("tree")));
            r = server.scp("-O", server.remote("/r.txt"), local.resolve("r.txt").toString());
            assertEquals(1, r.exitCode(), r.describe());
            assertFalse(Files.exists(local.resolve("r.txt")));
            server.scp("-O", tree.resolve("a.txt").toString(), server.remote("/a.txt")).expectSuccess();
        }
    }

    /** Records every operation; refuses writes of {@code *.forbidden} and reads below {@code /private}. */
    static final class Recorder implements SftpPolicy {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public SftpStatus check(SftpOperation op) {
            if (op.kind() == Kind.OPEN_WRITE && op.path().endsWith(".forbidden")) {
                return SftpStatus.denied("uploads of .forbidden files are not allowed");
            }
            if ((op.kind() == Kind.OPEN_READ || op.kind() == Kind.OPENDIR) && op.path().startsWith("/private")) {
                return SftpStatus.denied("Permission denied");
            }
            return SftpStatus.OK;
        }

        @Override
        public void completed(SftpOperation op, SftpStatus outcome, long bytesRead, long bytesWritten) {
            seen.add(op.kind() + " " + op.path() + " " + (outcome.ok() ? "ok" : outcome.message()) + " r" + bytesRead + " w" + bytesWritten
                    + " user " + op.user() + (op.connection() == null ? " no connection" : ""));
        }
    }

    @Test
    void thePolicySeesChecksAndObservesEveryOperation() throws Exception {
        Path srv = Files.createDirectories(tmp.resolve("srv"));
        Files.createDirectories(srv.resolve("private"));
        Files.writeString(srv.resolve("private/p.txt"), "private\n");
        Files.writeString(srv.resolve("public.txt"), "0123456789");
        Path local = Files.createDirectories(tmp.resolve("local"));
        Path f = Files.writeString(local.resolve("a.txt"), "abcde");
        Path forbidden = Files.writeString(local.resolve("x.forbidden"), "no");
        Recorder policy = new Recorder();
        SftpServer sftp = SftpServer.builder().root(SftpRoot.jail(srv)).policy(policy).build();
        try (ScpTestServer server = new ScpTestServer(Files.createDirectories(tmp.resolve("keys")), sftp)) {
            server.scp("-O", "-p", f.toString(), server.remote("/a.txt")).expectSuccess();
            assertEquals(List.of("OPEN_WRITE /a.txt ok r0 w0 user alice", "CLOSE /a.txt ok r0 w5 user alice",
                    "SETSTAT /a.txt ok r0 w0 user alice"), policy.seen);
            policy.seen.clear();

            server.scp("-O", server.remote("/public.txt"), local.resolve("p.txt").toString()).expectSuccess();
            assertEquals(List.of("OPEN_READ /public.txt ok r0 w0 user alice", "CLOSE /public.txt ok r10 w0 user alice"), policy.seen);
            policy.seen.clear();

            Processes.Result r = server.scp("-O", forbidden.toString(), f.toString(), server.remote("/"));
            assertEquals(1, r.exitCode(), r.describe());
            assertTrue(r.stderr().contains("/x.forbidden: uploads of .forbidden files are not allowed"), r.describe());
            assertFalse(Files.exists(srv.resolve("x.forbidden")));
            assertEquals("abcde", Files.readString(srv.resolve("a.txt")), "the next file still went");

            r = server.scp("-O", "-r", server.remote("/private"), local.resolve("priv").toString());
            assertEquals(1, r.exitCode(), r.describe());
            assertTrue(r.stderr().contains("/private: Permission denied"), r.describe());
            r = server.scp("-O", server.remote("/private/p.txt"), local.resolve("p2.txt").toString());
            assertEquals(1, r.exitCode(), r.describe());
            assertFalse(Files.exists(local.resolve("p2.txt")));
            assertTrue(policy.seen.contains("OPEN_WRITE /x.forbidden uploads of .forbidden files are not allowed r0 w0 user alice"),
                    policy.seen.toString());
        }
    }

    @Test
    void aPolicyRefusingSetstatFailsTheFileAfterItsData() throws IOException {
        Path srv = Files.createDirectories(tmp.resolve("srv"));
        Path local = Files.createDirectories(tmp.resolve("local"));
        Path f = Files.writeString(local.resolve("t.txt"), "times");
        SftpPolicy noSetstat = new SftpPolicy() {
            @Override
            public SftpStatus check(SftpOperation op) {
                return op.kind() == Kind.SETSTAT ? SftpStatus.denied("no setstat here") : SftpStatus.OK;
            }
        };
        try (ScpTestServer server = new ScpTestServer(Files.createDirectories(tmp.resolve("keys")),
                SftpServer.builder().root(SftpRoot.jail(srv)).policy(noSetstat).build())) {
            Processes.Result r = server.scp("-O", "-p", f.toString(), server.remote("/t.txt"));
            assertEquals(1, r.exitCode(), r.describe());
            assertTrue(r.stderr().contains("/t.txt: set times: no setstat here"), r.describe());
            assertEquals("times", Files.readString(srv.resolve("t.txt")));
            server.scp("-O", f.toString(), server.remote("/t2.txt")).expectSuccess();
        }
    }
}
