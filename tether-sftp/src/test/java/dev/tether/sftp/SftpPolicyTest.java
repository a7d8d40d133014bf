package dev.tether.sftp;

import dev.tether.sftp.policy.SftpOperation;
import dev.tether.sftp.policy.SftpRoot;
import dev.tether.sftp.policy.SftpStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.policy.SftpOperation.Kind;
import dev.tether.sftp.protocol.FileAttributes;
import dev.tether.sftp.protocol.SftpConstants;
import dev.tether.sftp.protocol.SftpRequest;
import dev.tether.sftp.protocol.SftpResponse;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.testkit.OpenSshClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's policy seam and its settings, seen by OpenSSH's sftp and by the raw client: a
 * policy's veto (with its message), what it observes, read-only mode, the request deny list, the
 * umask, and a root per login.
 */
class SftpPolicyTest {
    static final String VETO = "files here are kept forever";

    @TempDir
    Path dir;

    private Path root() throws Exception {
        return Files.createDirectories(dir.resolve("root"));
    }

    private OpenSshClient client() throws Exception {
        return new OpenSshClient(Files.createDirectories(dir.resolve("client")));
    }

    /** Puts {@code old.txt} ("old") in the root and returns a local {@code new.txt} ("new"). */
    private Path oldAndNew(Path root) throws Exception {
        Files.writeString(root.resolve("old.txt"), "old\n");
        return Files.writeString(dir.resolve("new.txt"), "new\n");
    }

    /** The status of a request sent by the raw client. */
    private static SftpResponse.Status call(RawSftp raw, SftpRequest r) throws Exception {
        SftpResponse resp = raw.call(r);
        assertTrue(resp instanceof SftpResponse.Status, () -> "expected a STATUS, got " + resp);
        return (SftpResponse.Status) resp;
    }

    private static SftpRequest remove(RawSftp raw, String path) {
        return new SftpRequest.PathRequest(SftpConstants.SSH_FXP_REMOVE, raw.nextId(), path);
    }

    @Test
    void aPolicyVetoesRemoveWithItsOwnMessage() throws Exception {
        Path root = root();
        Files.writeString(root.resolve("keep.txt"), "keep\n");
        RecordingPolicy policy = new RecordingPolicy() {
            @Override
            public SftpStatus check(SftpOperation op) {
                return op.kind() == Kind.REMOVE ? SftpStatus.denied(VETO) : SftpStatus.OK;
            }
        };
        try (SftpTestServer s = new SftpTestServer(dir, SftpServer.builder().root(SftpRoot.jail(root)).policy(policy).build());
             OpenSshClient client = client()) {
            try (RawSftp raw = new RawSftp(s.login())) {
                SftpResponse.Status st = call(raw, remove(raw, "/keep.txt"));
                assertEquals(SftpConstants.SSH_FX_PERMISSION_DENIED, st.code());
                assertEquals(VETO, st.message());
            }
            OpenSshClient.Result r = s.batch(client, "rm /keep.txt");
            assertNotEquals(0, r.exitCode(), r::describe);
            assertTrue(r.stderr().contains("Permission denied"), r::stderr);
            assertTrue(Files.exists(root.resolve("keep.txt")));
            // the policy is told of its own refusal
            RecordingPolicy.Outcome o = policy.await(Kind.REMOVE, "/keep.txt");
            assertEquals(SftpStatus.denied(VETO), o.status());
            assertEquals(SftpTestServer.USER, o.user());
        }
    }

    @Test
    void aPolicyObservesEachCloseWithItsByteCounts() throws Exception {
        Path root = root();
        Path src = dir.resolve("src.bin");
        TestFiles.write(src, 1_500_000, 3);
        RecordingPolicy policy = new RecordingPolicy();
        try (SftpTestServer s = new SftpTestServer(dir, SftpServer.builder().root(SftpRoot.jail(root)).policy(policy).build());
             OpenSshClient client = client()) {
            OpenSshClient.Result r = s.batch(client, "put " + src + " /up.bin", "get /up.bin " + dir.resolve("down.bin"));
            assertEquals(0, r.exitCode(), r::describe);
        }
        List<RecordingPolicy.Outcome> closes = policy.of(Kind.CLOSE, "/up.bin");
        assertEquals(2, closes.size(), closes::toString);
        assertEquals(List.of(0L, 1_500_000L), List.of(closes.get(0).bytesRead(), closes.get(0).bytesWritten()));
        assertEquals(List.of(1_500_000L, 0L), List.of(closes.get(1).bytesRead(), closes.get(1).bytesWritten()));
        assertTrue(closes.stream().allMatch(c -> c.status().ok() && c.user().equals(SftpTestServer.USER)));
        assertEquals(1, policy.of(Kind.OPEN_WRITE, "/up.bin").size());
        assertEquals(1, policy.of(Kind.OPEN_READ, "/up.bin").size());
    }

    @Test
    void aHandleLeftOpenIsReportedClosedWhenTheSessionEnds() throws Exception {
        Path root = root();
        RecordingPolicy policy = new RecordingPolicy();
        try (SftpTestServer s = new SftpTestServer(dir, SftpServer.builder().root(SftpRoot.jail(root)).policy(policy).build())) {
            try (RawSftp raw = new RawSftp(s.login())) {
                byte[] handle = RawSftp.handle(raw.call(new SftpRequest.Open(raw.nextId(), "/left.bin",
                        SftpConstants.SSH_FXF_WRITE | SftpConstants.SSH_FXF_CREAT, FileAttributes.EMPTY)));
                byte[] data = new byte[1000];
                assertEquals(SftpConstants.SSH_FX_OK, call(raw, new SftpRequest.Write(raw.nextId(), handle, 0, data, 0, data.length)).code());
                // the client goes away without SSH_FXP_CLOSE
            }
            RecordingPolicy.Outcome close = policy.await(Kind.CLOSE, "/left.bin");
            assertTrue(close != null, () -> "the policy was not told of the close: " + policy.outcomes);
            assertEquals(1000, close.bytesWritten());
            assertEquals(1000, Files.size(root.resolve("left.bin")));
        }
    }

    @Test
    void readOnlyRefusesPutMkdirAndRmButServesReads() throws Exception {
        Path root = root();
        Path src = oldAndNew(root);
        try (SftpTestServer s = new SftpTestServer(dir, SftpServer.builder().root(SftpRoot.jail(root)).readOnly(true).build());
             OpenSshClient client = client()) {
            for (String command : List.of("put " + src + " /new.txt", "mkdir /d", "rm /old.txt")) {
                OpenSshClient.Result r = s.batch(client, command);
                assertNotEquals(0, r.exitCode(), command);
                assertTrue(r.stderr().contains("Permission denied"), () -> command + ": " + r.stderr());
            }
            OpenSshClient.Result get = s.batch(client, "get /old.txt " + dir.resolve("got.txt"));
            assertEquals(0, get.exitCode(), get::describe);
            assertEquals("old\n", Files.readString(dir.resolve("got.txt")));

            try (RawSftp raw = new RawSftp(s.login())) {
                int open = raw.nextId();
                assertEquals(SftpConstants.SSH_FX_PERMISSION_DENIED, call(raw, new SftpRequest.Open(open, "/new.txt",
                        SftpConstants.SSH_FXF_WRITE | SftpConstants.SSH_FXF_CREAT, FileAttributes.EMPTY)).code());
                assertEquals(SftpConstants.SSH_FX_PERMISSION_DENIED, call(raw, new SftpRequest.PathAttrs(SftpConstants.SSH_FXP_MKDIR,
                        raw.nextId(), "/d", FileAttributes.EMPTY)).code());
                assertEquals(SftpConstants.SSH_FX_PERMISSION_DENIED, call(raw, remove(raw, "/old.txt")).code());
            }
        }
        assertFalse(Files.exists(root.resolve("new.txt")));
        assertFalse(Files.exists(root.resolve("d")));
        assertEquals("old\n", Files.readString(root.resolve("old.txt")));
    }

    @Test
    void aDeniedRequestIsRefusedAndTheOthersServed() throws Exception {
        Path root = root();
        Path src = oldAndNew(root);
        SftpServer sftp = SftpServer.builder().root(SftpRoot.jail(root)).denyRequests(Set.of("remove")).build();
        try (SftpTestServer s = new SftpTestServer(dir, sftp); OpenSshClient client = client()) {
            OpenSshClient.Result rm = s.batch(client, "rm /old.txt");
            assertNotEquals(0, rm.exitCode(), rm::describe);
            assertTrue(rm.stderr().contains("Permission denied"), rm::stderr);
            OpenSshClient.Result put = s.batch(client, "put " + src + " /new.txt", "rename /new.txt /renamed.txt", "mkdir /d", "rmdir /d");
            assertEquals(0, put.exitCode(), put::describe);
            try (RawSftp raw = new RawSftp(s.login())) {
                assertEquals(SftpConstants.SSH_FX_PERMISSION_DENIED, call(raw, remove(raw, "/renamed.txt")).code());
            }
        }
        assertEquals("old\n", Files.readString(root.resolve("old.txt")));
        assertEquals("new\n", Files.readString(root.resolve("renamed.txt")));
    }

    @Test
    void theUmaskShapesNewFilesAndDirectories() throws Exception {
        Path root = root();
        Path src = dir.resolve("open.txt");
        Files.writeString(src, "open to all\n");
        Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rw-rw-rw-"));
        SftpServer sftp = SftpServer.builder().root(SftpRoot.jail(root)).umask(027).build();
        try (SftpTestServer s = new SftpTestServer(dir, sftp); OpenSshClient client = client()) {
            OpenSshClient.Result r = s.batch(client, "put " + src + " /f.txt", "mkdir /d");
            assertEquals(0, r.exitCode(), r::describe);
        }
        assertEquals(PosixFilePermissions.fromString("rw-r-----"), Files.getPosixFilePermissions(root.resolve("f.txt")));
        assertEquals(PosixFilePermissions.fromString("rwxr-x---"), Files.getPosixFilePermissions(root.resolve("d")));
    }

    @Test
    void eachLoginGetsItsOwnRoot() throws Exception {
        Path homes = Files.createDirectories(dir.resolve("homes"));
        Files.createDirectories(homes.resolve("alice"));
        Files.createDirectories(homes.resolve("bob"));
        Files.writeString(homes.resolve("bob/bobs.txt"), "bob's\n");
        List<String> asked = new CopyOnWriteArrayList<>();
        SftpServer sftp = SftpServer.builder().root(login -> {
            asked.add(login.username());
            return SftpRoot.jail(homes.resolve(login.username()));
        }).build();
        Path authorized = dir.resolve("keys").resolve("authorized_keys");
        // the one key logs in as any user
        UnaryOperator<dev.tether.ssh.Portal.Builder> anyUser = p -> p.publicKeys(AuthorizedKeysChecker.perUser(u -> authorized));
        Path src = dir.resolve("mine.txt");
        Files.writeString(src, "mine\n");
        try (SftpTestServer s = new SftpTestServer(dir, sftp, anyUser, UnaryOperator.identity()); OpenSshClient client = client()) {
            OpenSshClient.Result alice = s.batch(client, "put " + src + " /mine.txt", "ls /");
            assertEquals(0, alice.exitCode(), alice::describe);
            assertFalse(alice.stdout().contains("bobs.txt"), alice::stdout);

            Path batch = dir.resolve("bob-batch");
            Files.writeString(batch, "ls /\nput " + src + " /mine.txt\n");
            OpenSshClient.Result bob = client.sftp(s.port(), "bob").identity(s.clientKey).args("-b", batch.toString()).run();
            assertEquals(0, bob.exitCode(), bob::describe);
            assertTrue(bob.stdout().contains("bobs.txt"), bob::stdout);
        }
        assertEquals(List.of("alice", "bob"), asked);
        assertEquals("mine\n", Files.readString(homes.resolve("alice/mine.txt")));
        assertEquals("mine\n", Files.readString(homes.resolve("bob/mine.txt")));
        try (var alices = Files.list(homes.resolve("alice")); var bobs = Files.list(homes.resolve("bob"))) {
            assertEquals(Set.of("mine.txt"), alices.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
            assertEquals(Set.of("mine.txt", "bobs.txt"), bobs.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }
    }
}
