package dev.tether.sftp;

import dev.tether.sftp.policy.SftpRoot;
import dev.tether.sftp.policy.SftpPolicy;
import dev.tether.sftp.policy.SftpOperation;
import dev.tether.sftp.policy.SftpStatus;
import static dev.tether.sftp.protocol.SftpConstants.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tether.sftp.protocol.SftpExtended;
import dev.tether.sftp.protocol.SftpRequest;
import dev.tether.sftp.protocol.SftpResponse;
import dev.tether.testkit.OpenSshClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The jail ({@link SftpRoot#jail}) against a client that wants out: absolute paths, {@code ..},
 * symbolic links planted on disk inside the jail (absolute and relative, to directories and to
 * files), links and hard links the client makes, copy-data, renames, listings, REALPATH and
 * statvfs, and a directory swapped for a link between the policy's check and the use. Driven by
 * OpenSSH's {@code sftp -b} where it can send the request, by {@link RawSftp} otherwise.
 *
 * <p>Outside the jail, next to it in the test's directory, is a canary: a file with a random
 * text that must never come back, and a directory whose contents must never change. After each
 * test the canary directory and {@code /etc/passwd} are compared with their state before, and no
 * file in the jail may be the same inode as a file outside it.
 */
class SftpJailTest {
    @TempDir
    Path dir;

    JailLayout layout;
    Path jail;
    Path outside;
    Path local;
    Map<String, String> planted;
    SftpTestServer server;
    OpenSshClient client;

    @BeforeEach
    void layout() throws IOException {
        layout = new JailLayout(dir);
        jail = layout.jail;
        outside = layout.outside;
        planted = layout.planted;
        local = Files.createDirectories(dir.resolve("local"));
    }

    private void start(SftpPolicy policy) throws Exception {
        server = new SftpTestServer(Files.createDirectories(dir.resolve("server")),
                SftpServer.builder().root(SftpRoot.jail(jail)).policy(policy).build());
        client = new OpenSshClient(Files.createDirectories(dir.resolve("client")));
    }

    private void start() throws Exception {
        start(SftpPolicy.ALLOW_ALL);
    }

    @AfterEach
    void nothingOutsideChanged() throws IOException {
        if (server != null) {
            server.close();
        }
        if (client != null) {
            client.close();
        }
        layout.assertOutsideUnchanged();
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** Runs {@code sftp -b} with these lines (a leading {@code -} lets the batch go on after a failure). */
    private OpenSshClient.Result batch(String... lines) throws IOException {
        Path b = Files.createTempFile(dir, "batch", ".txt");
        Files.writeString(b, String.join("\n", lines) + "\n");
        return server.sftp(client).verbose(0).args("-b", b.toString()).run();
    }

    private void assertNoLeak(Path file) throws IOException {
        layout.assertNoLeak(file);
    }

    private void assertNotDownloaded(Path file) throws IOException {
        assertNoLeak(file);
        assertFalse(Files.exists(file), () -> file + " was downloaded: " + readQuietly(file));
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** A raw call whose STATUS message, if any, must not name the jail's place on the server. */
    private SftpResponse call(RawSftp raw, SftpRequest r) throws IOException {
        SftpResponse resp = raw.call(r);
        if (resp instanceof SftpResponse.Status s) {
            assertFalse(s.message().contains(dir.toString()), () -> "a status names a server path: " + s);
        }
        return resp;
    }

    /** Where a link on disk leads when the operating system follows it (no jail): the longest existing prefix made real, the rest normalized. */
    private static Path diskTarget(Path link) throws IOException {
        Path p = link.getParent().toRealPath().resolve(Files.readSymbolicLink(link));
        Path existing = p;
        List<Path> rest = new ArrayList<>();
        while (existing != null && !Files.exists(existing)) {
            rest.add(0, existing.getFileName());
            existing = existing.getParent();
        }
        Path real = existing == null ? p.getRoot() : existing.toRealPath();
        for (Path r : rest) {
            real = real.resolve(r);
        }
        return real.normalize();
    }

    // ---- paths -------------------------------------------------------------------------------

    @Test
    void absolutePathsAndDotDotStayInTheJail() throws Exception {
        start();
        String outsideNoSlash = outside.toString().substring(1);
        OpenSshClient.Result r = batch(
                "-get /etc/passwd " + local.resolve("1"),
                "-get " + outside.resolve("canary.txt") + " " + local.resolve("2"),
                "-get ../../../../etc/passwd " + local.resolve("3"),
                "-get /../../../../../etc/passwd " + local.resolve("4"),
                "-get ../../../../../../../../" + outsideNoSlash + "/canary.txt " + local.resolve("5"),
                "-get ../outside/canary.txt " + local.resolve("6"),
                "-get d/../../../outside/passwd " + local.resolve("7"),
                "cd ..", "cd ..", "cd ../../..", "pwd",
                "cd /..", "pwd",
                "cd /d/../../..", "pwd");
        assertEquals(0, r.exitCode(), r::output);
        for (int i = 1; i <= 7; i++) {
            assertNotDownloaded(local.resolve(Integer.toString(i)));
        }
        assertEquals(7, r.grep("not found").size(), r::output);
        assertEquals(3, r.stdout().lines().filter(l -> l.equals("Remote working directory: /")).count(), r::output);
    }

    @Test
    void plantedLinksLeadBackIntoTheJail() throws Exception {
        start();
        String outsideNoSlash = outside.toString().substring(1);
        String[] gets = {
            "etcAbs/passwd", "rootRel/etc/passwd", "outAbs/canary.txt", "outRel/canary.txt", "sub/deepRel/canary.txt",
            "linkfile", "canaryAbs", "canaryRel", "rootRel/" + outsideNoSlash + "/canary.txt", "sub/deepRel/passwd",
        };
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < gets.length; i++) {
            lines.add("-get " + gets[i] + " " + local.resolve("g" + i));
        }
        OpenSshClient.Result r = batch(lines.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r::output);
        for (int i = 0; i < gets.length; i++) {
            assertNotDownloaded(local.resolve("g" + i));
        }
        // "File ... not found." where the name is missing; "stat remote: No such file" for a link whose target is
        assertEquals(gets.length, r.grep("not found").size() + r.grep("stat remote: No such file").size(), r::output);
        // the relative link to "/" on disk is the jail's own root inside it
        OpenSshClient.Result ok = batch("get rootRel/hello.txt " + local.resolve("hello"), "get rootRel/rootRel/d/passwd " + local.resolve("dp"));
        assertEquals(0, ok.exitCode(), ok::output);
        assertEquals("hello\n", Files.readString(local.resolve("hello")));
        assertEquals("jail d passwd\n", Files.readString(local.resolve("dp")));
    }

    @Test
    void listingAPlantedDirectoryLinkListsNothingOutside() throws Exception {
        start();
        OpenSshClient.Result r = batch("-ls -la etcAbs/", "-ls -la outAbs/", "-ls -la outRel", "-ls -la sub/deepRel/",
                "-ls -la etcAbs/*", "-ls -la outAbs/*", "ls -la rootRel/", "ls -la rootRel/..");
        assertEquals(0, r.exitCode(), r::output);
        String out = r.stdout();
        for (String outer : List.of("OUTSIDE-ONLY-NAME", "canary.txt", "victimdir", "hostname", "shadow", "passwd")) {
            assertFalse(out.contains(outer), () -> "a listing shows " + outer + " from outside the jail:\n" + out);
        }
        assertTrue(out.contains("hello.txt"), out);
        // and the raw protocol: OPENDIR through a link to outside names nothing that exists
        try (RawSftp raw = new RawSftp(server.login())) {
            for (String p : List.of("etcAbs", "outAbs", "outRel", "sub/deepRel", "etcAbs/", "/etc")) {
                Probes.expectStatus(SSH_FX_NO_SUCH_FILE, call(raw, Probes.path(SSH_FXP_OPENDIR, raw.nextId(), p)), "opendir " + p);
            }
        }
    }

    // ---- links the client makes ------------------------------------------------------------

    @Test
    void symlinksTheClientMakesPointInsideTheJailOnDisk() throws Exception {
        start();
        String outsideNoSlash = outside.toString().substring(1);
        OpenSshClient.Result r = batch(
                "symlink /etc/passwd x1",
                "symlink " + outside.resolve("canary.txt") + " x2",
                "symlink ../../../../../../../../../etc/passwd x3",
                "symlink ../../../../../../../../../" + outsideNoSlash + "/canary.txt x4",
                "mkdir a", "mkdir a/b",
                "symlink /etc/passwd a/b/x5",
                "symlink ../../../../../../../../etc/passwd a/b/x6",
                // a link to the jail's root, then links made through it: their directory is the root on disk
                "symlink / up",
                "symlink ../../../etc/passwd up/up/up/x7",
                "symlink ../../.. up/up/up/x8",
                "symlink ../../outside/canary.txt up/up/x9",
                "symlink ../../.. a/b/x10",
                "-get x1 " + local.resolve("1"), "-get x2 " + local.resolve("2"), "-get x3 " + local.resolve("3"),
                "-get x4 " + local.resolve("4"), "-get a/b/x5 " + local.resolve("5"), "-get a/b/x6 " + local.resolve("6"),
                "-get x7 " + local.resolve("7"), "-get x8/etc/passwd " + local.resolve("8"), "-get x9 " + local.resolve("9"),
                "-get a/b/x10/etc/passwd " + local.resolve("10"));
        assertEquals(0, r.exitCode(), r::output);
        for (int i = 1; i <= 10; i++) {
            assertNotDownloaded(local.resolve(Integer.toString(i)));
        }
        // on disk: every link the client made is relative and leads to a place inside the jail,
        // for any reader of the disk, not only for the SFTP server
        List<Path> made = new ArrayList<>();
        try (Stream<Path> s = Files.walk(jail)) {
            s.filter(Files::isSymbolicLink).filter(p -> !planted.containsKey(jail.relativize(p).toString())).forEach(made::add);
        }
        assertEquals(11, made.size(), made::toString);
        for (Path link : made) {
            Path target = Files.readSymbolicLink(link);
            assertFalse(target.isAbsolute(), () -> link + " -> " + target + " is absolute");
            Path leads = diskTarget(link);
            assertTrue(leads.startsWith(jail), () -> link + " -> " + target + " leads out of the jail on disk, to " + leads);
        }
    }

    /**
     * A relative link the client made deep in the tree, moved to the jail's root, keeps its text
     * (on disk it may now climb out, as SftpRoot says); through the server it still leads nowhere
     * outside.
     */
    @Test
    void aClientLinkMovedNearerTheRootStillLeadsNowhereOutside() throws Exception {
        start();
        OpenSshClient.Result r = batch("mkdir a", "mkdir a/b", "mkdir a/b/c",
                "symlink / a/b/c/top",
                "symlink " + outside.resolve("canary.txt") + " a/b/c/can",
                "rename a/b/c/top top",
                "rename a/b/c/can can",
                "rename a/b/c c2",
                "-get top/etc/passwd " + local.resolve("1"),
                "-get can " + local.resolve("2"),
                "-get top" + outside.resolve("canary.txt") + " " + local.resolve("3"),
                "ls top/.");
        assertEquals(0, r.exitCode(), r::output);
        for (int i = 1; i <= 3; i++) {
            assertNotDownloaded(local.resolve(Integer.toString(i)));
        }
        assertEquals("../../..", Files.readSymbolicLink(jail.resolve("top")).toString());
        assertTrue(r.stdout().contains("hello.txt"), r::stdout);
    }

    @Test
    void hardLinksCannotBringAnOuterFileIn() throws Exception {
        start();
        OpenSshClient.Result r = batch(
                "-ln /etc/passwd h1",
                "-ln " + outside.resolve("canary.txt") + " h2",
                "-ln ../../../../../../../etc/passwd h3",
                "-ln etcAbs/passwd h4",
                "-ln outAbs/canary.txt h5",
                "-ln sub/deepRel/passwd h6",
                "-ln linkfile h7",
                "-ln canaryAbs h8",
                "-get h7 " + local.resolve("7"),
                "-get h8 " + local.resolve("8"));
        assertEquals(0, r.exitCode(), r::output);
        for (int i = 1; i <= 6; i++) {
            Path h = jail.resolve("h" + i);
            assertFalse(Files.exists(h, LinkOption.NOFOLLOW_LINKS), () -> h + " was created:\n" + r.output());
        }
        // a hard link to a planted symbolic link is that link again, resolved in the jail
        for (int i = 7; i <= 8; i++) {
            Path h = jail.resolve("h" + i);
            assertTrue(!Files.exists(h, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(h), () -> h + " is not a link");
            assertNotDownloaded(local.resolve(Integer.toString(i)));
        }
        // the raw request too, both orders of the jail's paths
        try (RawSftp raw = new RawSftp(server.login())) {
            for (String[] pair : new String[][] {{"/etc/passwd", "/r1"}, {"outRel/canary.txt", "/r2"}, {"hello.txt", "outAbs/evil"},
                {"hello.txt", "sub/deepRel/evil"}}) {
                SftpResponse resp = call(raw, Probes.extended(raw.nextId(), new SftpExtended.Hardlink(pair[0], pair[1])));
                assertNotEquals(SSH_FX_OK, Probes.code(resp), () -> "hardlink " + String.join(" ", pair) + ": " + resp);
            }
        }
    }

    // ---- handles, copy-data, renames ---------------------------------------------------------

    @Test
    void handlesOnPlantedLinksReachNothingOutsideAndCopyDataCopiesJailFilesOnly() throws Exception {
        start();
        try (RawSftp raw = new RawSftp(server.login())) {
            for (String p : List.of("linkfile", "canaryAbs", "canaryRel", "outAbs/canary.txt", "outRel/passwd", "etcAbs/passwd",
                    "rootRel/etc/passwd", "sub/deepRel/canary.txt")) {
                SftpResponse resp = call(raw, Probes.open(raw.nextId(), p, SSH_FXF_READ));
                if (resp instanceof SftpResponse.Handle h) {
                    byte[] got = Probes.readAll(raw, h.handle());
                    fail("open " + p + " gave a handle reading " + new String(got, StandardCharsets.UTF_8));
                }
                Probes.expectStatus(SSH_FX_NO_SUCH_FILE, resp, "open " + p);
                // writing through the link must not create or change anything outside either
                SftpResponse w = call(raw, Probes.open(raw.nextId(), p, SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_TRUNC));
                assertNotEquals(-1, Probes.code(w), () -> "open for writing " + p + " gave a handle");
            }
            byte[] src = RawSftp.handle(call(raw, Probes.open(raw.nextId(), "hello.txt", SSH_FXF_READ)));
            byte[] dst = RawSftp.handle(call(raw, Probes.open(raw.nextId(), "copy.txt", SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_TRUNC)));
            Probes.expectStatus(SSH_FX_OK, call(raw, Probes.extended(raw.nextId(), new SftpExtended.CopyData(src, 0, 0, dst, 0))), "copy-data");
            assertEquals("hello\n", Files.readString(jail.resolve("copy.txt")));
            // handles the server never gave, and handles used the wrong way round
            byte[][] forged = {{0, 0, 0, 0}, {0, 0, 0, 99}, {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, {}, {0, 0, 0, 1, 0}};
            for (byte[] f : forged) {
                Probes.expectStatus(SSH_FX_FAILURE, call(raw, Probes.extended(raw.nextId(), new SftpExtended.CopyData(f, 0, 0, dst, 0))),
                        "copy-data from a forged handle");
                Probes.expectStatus(SSH_FX_FAILURE, call(raw, Probes.extended(raw.nextId(), new SftpExtended.CopyData(src, 0, 0, f, 0))),
                        "copy-data to a forged handle");
            }
            Probes.expectStatus(SSH_FX_FAILURE, call(raw, Probes.extended(raw.nextId(), new SftpExtended.CopyData(dst, 0, 0, src, 0))),
                    "copy-data into a read-only handle");
            byte[] dirHandle = RawSftp.handle(call(raw, Probes.path(SSH_FXP_OPENDIR, raw.nextId(), "/")));
            Probes.expectStatus(SSH_FX_FAILURE, call(raw, Probes.extended(raw.nextId(), new SftpExtended.CopyData(dirHandle, 0, 0, dst, 0))),
                    "copy-data from a directory handle");
            Probes.close(raw, src);
            Probes.close(raw, dst);
            Probes.close(raw, dirHandle);
            assertEquals("hello\n", Files.readString(jail.resolve("copy.txt")));
        }
    }

    @Test
    void renamingPlantedLinksKeepsThemConfined() throws Exception {
        start();
        OpenSshClient.Result r = batch(
                "rename linkfile moved1",
                "rename canaryAbs sub/moved2",
                "rename canaryRel sub/moved3",
                "-rename outAbs/canary.txt stolen1",
                "-rename sub/deepRel/passwd stolen2",
                "-rename hello.txt outAbs/evil.txt",
                "-rename d outRel/evil",
                "-get moved1 " + local.resolve("1"),
                "-get sub/moved2 " + local.resolve("2"),
                "-get sub/moved3 " + local.resolve("3"));
        assertEquals(0, r.exitCode(), r::output);
        for (int i = 1; i <= 3; i++) {
            assertNotDownloaded(local.resolve(Integer.toString(i)));
        }
        assertFalse(Files.exists(jail.resolve("stolen1")) || Files.exists(jail.resolve("stolen2")), r::output);
        assertTrue(Files.exists(jail.resolve("hello.txt")) && Files.exists(jail.resolve("d")), r::output);
        // SSH_FXP_RENAME (not posix-rename), which OpenSSH's sftp sends only when the server lacks the extension
        try (RawSftp raw = new RawSftp(server.login())) {
            Probes.expectStatus(SSH_FX_OK, call(raw, new SftpRequest.Rename(raw.nextId(), "etcAbs", "/sub/etc")), "rename etcAbs");
            Probes.expectStatus(SSH_FX_NO_SUCH_FILE, call(raw, Probes.open(raw.nextId(), "/sub/etc/passwd", SSH_FXF_READ)), "open moved link");
            for (String[] pair : new String[][] {{"outRel/canary.txt", "/stolen3"}, {"rootRel/../outside/passwd", "/stolen4"},
                {"/hello.txt", "/sub/deepRel/evil"}, {"/d", "/outAbs/evil"}}) {
                SftpResponse resp = call(raw, new SftpRequest.Rename(raw.nextId(), pair[0], pair[1]));
                assertNotEquals(SSH_FX_OK, Probes.code(resp), () -> "rename " + String.join(" ", pair) + ": " + resp);
            }
        }
    }

    /**
     * Changing attributes: LSETSTAT acts on a planted link itself (a size is refused, as OpenSSH's
     * BAD_MESSAGE), SETSTAT resolves it in the jail, and a handle's FSTAT/FSETSTAT/fstatvfs act on
     * the jail's file even after the client moved a planted link into the handle's directory's place.
     */
    @Test
    void attributeChangesNeverFollowALinkOut() throws Exception {
        start();
        var attrs = dev.tether.sftp.protocol.FileAttributes.EMPTY;
        try (RawSftp raw = new RawSftp(server.login())) {
            for (String p : List.of("canaryAbs", "canaryRel", "outAbs", "sub/deepRel")) {
                Probes.expectStatus(SSH_FX_BAD_MESSAGE, call(raw, Probes.extended(raw.nextId(), new SftpExtended.Lsetstat(p, attrs.withSize(0)))),
                        "lsetstat size " + p);
                assertNotEquals(SSH_FX_OK, Probes.code(call(raw, Probes.extended(raw.nextId(), new SftpExtended.Lsetstat(p,
                        attrs.withPermissions(0600))))), "lsetstat mode " + p);
                call(raw, Probes.extended(raw.nextId(), new SftpExtended.Lsetstat(p, attrs.withTimes(1, 1))));
                call(raw, Probes.extended(raw.nextId(), new SftpExtended.Lsetstat(p, attrs.withOwner(0, 0))));
                for (var a : List.of(attrs.withSize(0), attrs.withPermissions(0600), attrs.withTimes(1, 1), attrs.withOwner(0, 0))) {
                    Probes.expectStatus(SSH_FX_NO_SUCH_FILE, call(raw, new SftpRequest.PathAttrs(SSH_FXP_SETSTAT, raw.nextId(), p, a)),
                            "setstat " + p + " " + a);
                }
            }
            // a handle on /d/passwd; then the client puts the planted link to the canary's directory where d was
            byte[] h = RawSftp.handle(call(raw, Probes.open(raw.nextId(), "/d/passwd", SSH_FXF_READ | SSH_FXF_WRITE)));
            Probes.expectStatus(SSH_FX_OK, call(raw, Probes.extended(raw.nextId(), new SftpExtended.PosixRename("/d", "/d.orig"))), "mv d");
            Probes.expectStatus(SSH_FX_OK, call(raw, Probes.extended(raw.nextId(), new SftpExtended.PosixRename("/outAbs", "/d"))), "mv outAbs d");
            long outerSize = Files.size(outside.resolve("passwd"));
            SftpResponse st = call(raw, new SftpRequest.HandleRequest(SSH_FXP_FSTAT, raw.nextId(), h));
            if (st instanceof SftpResponse.Attrs a) {
                assertNotEquals(outerSize, a.attrs().size(), () -> "fstat described the file outside: " + a);
            }
            for (var a : List.of(attrs.withPermissions(0600), attrs.withTimes(1, 1), attrs.withOwner(0, 0), attrs.withSize(3))) {
                call(raw, new SftpRequest.Fsetstat(raw.nextId(), h, a));
            }
            call(raw, Probes.extended(raw.nextId(), new SftpExtended.Fstatvfs(h)));
            Probes.close(raw, h);
        }
    }

    // ---- what the server tells about places ---------------------------------------------------

    @Test
    void realpathStatvfsAndFriendsRevealNothingOutside() throws Exception {
        start();
        try (RawSftp raw = new RawSftp(server.login())) {
            for (String p : List.of("", ".", "..", "/..", "../../..", "/etc/..", "rootRel", "rootRel/..", "rootRel/../..", "sub/deepRel",
                    "sub/deepRel/..", "etcAbs", "etcAbs/..", "linkfile", "canaryRel", "outRel", "outRel/../..", "d/../../..")) {
                SftpResponse resp = call(raw, Probes.path(SSH_FXP_REALPATH, raw.nextId(), p));
                String real = ((SftpResponse.Names) resp).names().get(0).filename();
                assertTrue(real.startsWith("/") && !("/" + real + "/").contains("/../") && !real.contains(dir.toString()),
                        () -> "realpath " + p + " = " + real);
            }
            assertEquals("/", realpath(raw, "rootRel"));
            assertEquals("/", realpath(raw, "../../.."));
            assertEquals("/outside", realpath(raw, "sub/deepRel"));
            // an absolute target is a path in the jail: the link's own text, as READLINK shows it too
            assertEquals(outside.toString(), realpath(raw, "outAbs"));
            for (String p : List.of("~", "~/..", "~/../../..", "~" + SftpTestServer.USER + "/../..")) {
                SftpResponse resp = call(raw, Probes.extended(raw.nextId(), new SftpExtended.ExpandPath(p)));
                assertEquals("/", ((SftpResponse.Names) resp).names().get(0).filename(), () -> "expand-path " + p);
            }
            SftpResponse home = call(raw, Probes.extended(raw.nextId(), new SftpExtended.HomeDirectory("")));
            assertEquals("/", ((SftpResponse.Names) home).names().get(0).filename());
            assertTrue(call(raw, Probes.extended(raw.nextId(), new SftpExtended.Statvfs("/"))) instanceof SftpResponse.ExtendedReply);
            for (String p : List.of("/etc", "etcAbs", "outAbs", "outRel", "canaryAbs", "sub/deepRel", "/proc/self")) {
                Probes.expectStatus(SSH_FX_NO_SUCH_FILE, call(raw, Probes.extended(raw.nextId(), new SftpExtended.Statvfs(p))), "statvfs " + p);
                Probes.expectStatus(SSH_FX_NO_SUCH_FILE, call(raw, Probes.path(SSH_FXP_STAT, raw.nextId(), p)), "stat " + p);
            }
            SftpResponse l = call(raw, Probes.path(SSH_FXP_LSTAT, raw.nextId(), "etcAbs"));
            assertEquals(0120000, ((SftpResponse.Attrs) l).attrs().permissions() & 0170000, "lstat of a link is the link");
        }
        OpenSshClient.Result r = batch("df -h /", "-df -h etcAbs", "-df outAbs");
        assertEquals(0, r.exitCode(), r::output);
        assertFalse(r.output().contains(dir.toString()), r::output);
    }

    private String realpath(RawSftp raw, String p) throws IOException {
        return ((SftpResponse.Names) call(raw, Probes.path(SSH_FXP_REALPATH, raw.nextId(), p))).names().get(0).filename();
    }

    // ---- a race, made deterministic by the policy -------------------------------------------

    /**
     * The policy's check runs after the path is resolved and before it is used: there it swaps
     * directory {@code d} for a link (to {@code /etc}, or to the canary's directory, which has a
     * {@code passwd} of its own), as a concurrent client or process could. The open must fail or
     * read a file of the jail; never the file the link points at on disk.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/etc", "OUTSIDE", "RELATIVE"})
    void aDirectorySwappedForALinkAfterTheCheckIsNotFollowed(String where) throws Exception {
        String target = switch (where) {
            case "OUTSIDE" -> outside.toString();
            case "RELATIVE" -> "../outside";
            default -> where;
        };
        AtomicBoolean swapped = new AtomicBoolean();
        start(new SftpPolicy() {
            @Override
            public SftpStatus check(SftpOperation op) {
                if (op.kind() == SftpOperation.Kind.OPEN_READ && op.path().equals("/d/passwd") && swapped.compareAndSet(false, true)) {
                    layout.swapForLink(target);
                }
                return SftpStatus.OK;
            }
        });
        try (RawSftp raw = new RawSftp(server.login())) {
            SftpResponse resp = call(raw, Probes.open(raw.nextId(), "/d/passwd", SSH_FXF_READ));
            assertTrue(swapped.get(), "the policy was asked");
            if (resp instanceof SftpResponse.Handle h) {
                layout.assertNoLeak("the raced open", Probes.readAll(raw, h.handle()));
            } else {
                assertNotEquals(SSH_FX_OK, Probes.code(resp), resp::toString);
            }
        }
        // OpenSSH's sftp, the same race: it STATs, then OPENs
        swapped.set(false);
        layout.restoreD();
        OpenSshClient.Result r = batch("-get /d/passwd " + local.resolve("sftp-raced"));
        assertTrue(swapped.get(), r::output);
        assertNoLeak(local.resolve("sftp-raced"));
    }

    /** A request that names something in {@code /d}, the kind of check it gets, and what its reply must not show. */
    enum Race {
        STAT(SftpOperation.Kind.STAT, raw -> Probes.path(SSH_FXP_STAT, raw.nextId(), "/d/passwd")),
        LSTAT(SftpOperation.Kind.STAT, raw -> Probes.path(SSH_FXP_LSTAT, raw.nextId(), "/d/passwd")),
        SETSTAT_MODE(SftpOperation.Kind.SETSTAT, raw -> new SftpRequest.PathAttrs(SSH_FXP_SETSTAT, raw.nextId(), "/d/passwd",
                dev.tether.sftp.protocol.FileAttributes.EMPTY.withPermissions(0600))),
        SETSTAT_SIZE(SftpOperation.Kind.SETSTAT, raw -> new SftpRequest.PathAttrs(SSH_FXP_SETSTAT, raw.nextId(), "/d/passwd",
                dev.tether.sftp.protocol.FileAttributes.EMPTY.withSize(0))),
        SETSTAT_TIMES(SftpOperation.Kind.SETSTAT, raw -> new SftpRequest.PathAttrs(SSH_FXP_SETSTAT, raw.nextId(), "/d/passwd",
                dev.tether.sftp.protocol.FileAttributes.EMPTY.withTimes(1, 1))),
        LSETSTAT(SftpOperation.Kind.SETSTAT, raw -> Probes.extended(raw.nextId(), new SftpExtended.Lsetstat("/d/passwd",
                dev.tether.sftp.protocol.FileAttributes.EMPTY.withTimes(1, 1)))),
        REMOVE(SftpOperation.Kind.REMOVE, raw -> Probes.path(SSH_FXP_REMOVE, raw.nextId(), "/d/passwd")),
        RMDIR(SftpOperation.Kind.RMDIR, raw -> Probes.path(SSH_FXP_RMDIR, raw.nextId(), "/d/victimdir")),
        RENAME_FROM(SftpOperation.Kind.RENAME, raw -> new SftpRequest.Rename(raw.nextId(), "/d/passwd", "/stolen")),
        RENAME_TO(SftpOperation.Kind.RENAME, raw -> new SftpRequest.Rename(raw.nextId(), "/hello.txt", "/d/evil")),
        POSIX_RENAME_FROM(SftpOperation.Kind.RENAME, raw -> Probes.extended(raw.nextId(), new SftpExtended.PosixRename("/d/passwd", "/stolen"))),
        POSIX_RENAME_TO(SftpOperation.Kind.RENAME, raw -> Probes.extended(raw.nextId(), new SftpExtended.PosixRename("/hello.txt", "/d/passwd"))),
        HARDLINK_FROM(SftpOperation.Kind.HARDLINK, raw -> Probes.extended(raw.nextId(), new SftpExtended.Hardlink("/d/passwd", "/stolen"))),
        HARDLINK_TO(SftpOperation.Kind.HARDLINK, raw -> Probes.extended(raw.nextId(), new SftpExtended.Hardlink("/hello.txt", "/d/evil"))),
        MKDIR(SftpOperation.Kind.MKDIR, raw -> new SftpRequest.PathAttrs(SSH_FXP_MKDIR, raw.nextId(), "/d/newdir",
                dev.tether.sftp.protocol.FileAttributes.EMPTY)),
        SYMLINK(SftpOperation.Kind.SYMLINK, raw -> new SftpRequest.Symlink(raw.nextId(), "passwd", "/d/newlink")),
        READLINK(SftpOperation.Kind.READLINK, raw -> Probes.path(SSH_FXP_READLINK, raw.nextId(), "/d/victimlink")),
        OPEN_CREATE(SftpOperation.Kind.OPEN_WRITE, raw -> Probes.open(raw.nextId(), "/d/newfile", SSH_FXF_WRITE | SSH_FXF_CREAT)),
        OPEN_TRUNCATE(SftpOperation.Kind.OPEN_WRITE, raw -> Probes.open(raw.nextId(), "/d/passwd", SSH_FXF_WRITE | SSH_FXF_TRUNC)),
        OPENDIR(SftpOperation.Kind.OPENDIR, raw -> Probes.path(SSH_FXP_OPENDIR, raw.nextId(), "/d"));

        final SftpOperation.Kind kind;
        final java.util.function.Function<RawSftp, SftpRequest> request;

        Race(SftpOperation.Kind kind, java.util.function.Function<RawSftp, SftpRequest> request) {
            this.kind = kind;
            this.request = request;
        }
    }

    /**
     * Every operation on a path, with the same race as {@link #aDirectorySwappedForALinkAfterTheCheckIsNotFollowed}:
     * {@code /d} becomes a link to the canary's directory between the check and the use. Nothing
     * outside may change (checked after each test), nothing from outside may be brought in, and no
     * reply may describe a file outside.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Race.class)
    void everyPathOperationIgnoresALinkSwappedInAfterTheCheck(Race race) throws Exception {
        AtomicBoolean swapped = new AtomicBoolean();
        start(new SftpPolicy() {
            @Override
            public SftpStatus check(SftpOperation op) {
                boolean inD = op.path().startsWith("/d") || (op.target() != null && op.target().startsWith("/d"));
                if (op.kind() == race.kind && inD && swapped.compareAndSet(false, true)) {
                    layout.swapForLink(outside.toString());
                }
                return SftpStatus.OK;
            }
        });
        long outerSize = Files.size(outside.resolve("passwd"));
        try (RawSftp raw = new RawSftp(server.login())) {
            SftpResponse resp = call(raw, race.request.apply(raw));
            assertTrue(swapped.get(), "the policy was asked");
            if (resp instanceof SftpResponse.Attrs a) {
                assertNotEquals(outerSize, a.attrs().size(), () -> race + " described the file outside: " + a);
            } else if (resp instanceof SftpResponse.Names n) {
                assertNotEquals("canary.txt", n.names().get(0).filename(), () -> race + " read a link outside: " + n);
            } else if (resp instanceof SftpResponse.Handle h && race == Race.OPENDIR) {
                List<String> names = new ArrayList<>();
                SftpResponse more;
                while ((more = call(raw, new SftpRequest.HandleRequest(SSH_FXP_READDIR, raw.nextId(), h.handle()))) instanceof SftpResponse.Names n) {
                    n.names().forEach(x -> names.add(x.filename()));
                }
                assertFalse(names.contains("OUTSIDE-ONLY-NAME") || names.contains("canary.txt"), () -> "listed outside: " + names);
            } else if (resp instanceof SftpResponse.Handle h) {
                Probes.close(raw, h.handle());
            }
        }
    }

}
