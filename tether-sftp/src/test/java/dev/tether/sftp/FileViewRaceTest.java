package dev.tether.sftp;

import dev.tether.sftp.policy.SftpRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.server.FileEntry;
import dev.tether.sftp.server.FileView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The race the jail's walk closes, made deterministic: {@link FileView#at} has opened the
 * directories of {@code /d/...} and handed over the entry; only then is {@code d} swapped for a
 * link to the canary's directory. Every operation of {@link FileEntry} must act on the directory
 * it holds (the jail's {@code d}, now at {@code d.orig}) or fail; none may reach outside. (The
 * policy-driven race of {@link SftpJailTest} swaps before the walk, where a fresh resolution
 * notices; this one swaps after it.)
 */
class FileViewRaceTest {
    @TempDir
    Path dir;

    JailLayout layout;
    FileView files;

    @BeforeEach
    void setUp() throws IOException {
        layout = new JailLayout(dir);
        files = new FileView(SftpRoot.jail(layout.jail));
    }

    @AfterEach
    void nothingOutsideChanged() throws IOException {
        layout.assertOutsideUnchanged();
    }

    /** An operation on an entry under {@code /d}, and what must hold once it ran (or failed). */
    enum Op {
        STAT("/d/passwd", (e, t) -> assertEquals("jail d passwd\n".length(), e.stat().attrs().size())),
        READ("/d/passwd", (e, t) -> {
            try (SeekableByteChannel ch = e.newByteChannel(Set.of(StandardOpenOption.READ))) {
                ByteBuffer b = ByteBuffer.allocate(4096);
                ch.read(b);
                assertEquals("jail d passwd\n", new String(b.array(), 0, b.position()));
            }
        }),
        TRUNCATE("/d/passwd", (e, t) -> {
            try (SeekableByteChannel ch = e.newByteChannel(Set.of(StandardOpenOption.WRITE))) {
                ch.truncate(0);
            }
            assertEquals(0, Files.size(t.layout.jail.resolve("d.orig/passwd")));
        }),
        DELETE("/d/passwd", (e, t) -> {
            e.delete();
            assertFalse(Files.exists(t.layout.jail.resolve("d.orig/passwd")));
        }),
        DELETE_DIRECTORY("/d/victimdir", (e, t) -> {
            e.deleteDirectory();
            assertFalse(Files.exists(t.layout.jail.resolve("d.orig/victimdir")));
        }),
        MODE("/d/passwd", (e, t) -> {
            e.setMode(0600);
            assertEquals(0600, (Integer) Files.getAttribute(t.layout.jail.resolve("d.orig/passwd"), "unix:mode") & 0777);
        }),
        MODE_SETUID("/d/passwd", (e, t) -> e.setMode(04755)),
        TIMES("/d/passwd", (e, t) -> {
            e.setTimes(1, 1);
            assertEquals(1000, Files.getLastModifiedTime(t.layout.jail.resolve("d.orig/passwd")).toMillis());
        }),
        OWNER("/d/passwd", (e, t) -> {
            e.setOwner(1, 1);
            assertEquals(1, Files.getAttribute(t.layout.jail.resolve("d.orig/passwd"), "unix:uid"));
        }),
        MOVE_OUT_OF_D("/d/passwd", (e, t) -> {
            t.files.at("/moved", false, null, target -> {
                e.moveTo(target);
                return null;
            });
            assertEquals("jail d passwd\n", Files.readString(t.layout.jail.resolve("moved")));
        }),
        MOVE_INTO_D("/d/evil", (e, t) -> t.files.at("/hello.txt", false, null, source -> {
            source.moveTo(e);
            return null;
        })),
        READLINK("/d/victimlink", (e, t) -> assertEquals("passwd", e.readSymbolicLink())),
        MKDIR("/d/newdir", (e, t) -> e.createDirectory()),
        SYMLINK("/d/newlink", (e, t) -> e.createSymbolicLink("passwd")),
        HARDLINK_INTO_D("/d/evil", (e, t) -> t.files.at("/hello.txt", false, null, existing -> {
            e.createLink(existing);
            return null;
        })),
        HARDLINK_FROM_D("/d/passwd", (e, t) -> t.files.at("/stolen", false, null, made -> {
            made.createLink(e);
            return null;
        })),
        STATVFS("/d/passwd", (e, t) -> e.fileStore()),
        LIST("/d/victimdir/..", (e, t) -> {
            try (DirectoryStream<Path> ds = e.newDirectoryStream()) {
                List<String> names = new ArrayList<>();
                for (Path p : ds) {
                    names.add(p.getFileName().toString());
                    FileView.statEntry(ds, p);
                }
                assertTrue(names.contains("victimdir") && !names.contains("OUTSIDE-ONLY-NAME"), names::toString);
            }
        });

        final String path;
        final Body body;

        Op(String path, Body body) {
            this.path = path;
            this.body = body;
        }
    }

    @FunctionalInterface
    interface Body {
        void run(FileEntry e, FileViewRaceTest t) throws IOException;
    }

    @ParameterizedTest
    @EnumSource(Op.class)
    void anEntryHeldOpenIsNotRedirectedByALinkSwappedIn(Op op) throws Exception {
        // LIST names /d itself: the entry is d in the root, held there; swapping d then is a link the listing must not follow
        String path = op == Op.LIST ? "/d" : op.path;
        List<Object> outcome = new ArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean swapped = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            files.at(path, true, null, e -> {
                // once: a walk that finds a link where it held a directory starts over, and runs the operation again
                if (swapped.compareAndSet(false, true)) {
                    layout.swapForLink(layout.outside.toString());
                }
                op.body.run(e, this);
                outcome.add("done");
                return null;
            });
        } catch (java.nio.file.FileSystemException e) {
            outcome.add(e);
        }
        assertEquals(1, outcome.size());
        assertFalse(Files.exists(layout.outside.resolve("newdir")) || Files.exists(layout.outside.resolve("newlink"))
                || Files.exists(layout.outside.resolve("evil")), () -> "created outside: " + outcome);
        if (Set.of(Op.READ, Op.DELETE, Op.MOVE_OUT_OF_D, Op.TIMES, Op.MODE, Op.DELETE_DIRECTORY, Op.TRUNCATE, Op.OWNER).contains(op)) {
            // what the secure directory stream does itself acts on the jail's d, which it holds
            assertEquals("done", outcome.get(0), () -> op + ": " + outcome);
        } else if (op != Op.LIST && op != Op.MOVE_INTO_D) {
            // what goes through the path (checked against the entry held) is refused
            assertTrue(outcome.get(0) instanceof AccessDeniedException, () -> op + ": " + outcome);
        }
    }

    /** The same walk with nothing swapped: each operation works on the jail's files (the checks do not refuse honest use). */
    @ParameterizedTest
    @EnumSource(value = Op.class, names = {"READLINK", "MKDIR", "SYMLINK", "HARDLINK_INTO_D", "HARDLINK_FROM_D", "STATVFS", "MODE_SETUID",
        "MOVE_INTO_D"})
    void withoutARaceTheCheckedOperationsWork(Op op) throws Exception {
        files.at(op.path, false, null, e -> {
            switch (op) {
                case READLINK -> assertEquals("passwd", e.readSymbolicLink());
                case MKDIR -> e.createDirectory();
                case SYMLINK -> e.createSymbolicLink("passwd");
                case HARDLINK_INTO_D -> files.at("/hello.txt", false, null, existing -> {
                    e.createLink(existing);
                    return null;
                });
                case HARDLINK_FROM_D -> files.at("/stolen", false, null, made -> {
                    made.createLink(e);
                    return null;
                });
                case STATVFS -> assertNotEquals(null, e.fileStore());
                case MODE_SETUID -> e.setMode(04755);
                case MOVE_INTO_D -> files.at("/hello.txt", false, null, source -> {
                    source.moveTo(e);
                    return null;
                });
                default -> throw new AssertionError(op);
            }
            return null;
        });
        Map<Op, Path> made = Map.of(Op.MKDIR, layout.jail.resolve("d/newdir"), Op.SYMLINK, layout.jail.resolve("d/newlink"),
                Op.HARDLINK_INTO_D, layout.jail.resolve("d/evil"), Op.HARDLINK_FROM_D, layout.jail.resolve("stolen"),
                Op.MOVE_INTO_D, layout.jail.resolve("d/evil"));
        if (made.containsKey(op)) {
            assertTrue(Files.exists(made.get(op), java.nio.file.LinkOption.NOFOLLOW_LINKS), op::toString);
        }
        if (op == Op.MODE_SETUID) {
            assertEquals(04755, (Integer) Files.getAttribute(layout.jail.resolve("d/passwd"), "unix:mode") & 07777);
        }
    }

    @org.junit.jupiter.api.Test
    void theRootOfTheJailCannotBeRemovedOrMoved() throws Exception {
        assertThrows(AccessDeniedException.class, () -> files.at("/", false, null, e -> {
            e.deleteDirectory();
            return null;
        }));
        assertThrows(AccessDeniedException.class, () -> files.at("/..", false, null, e -> files.at("/x", false, null, t -> {
            e.moveTo(t);
            return null;
        })));
        assertTrue(Files.isDirectory(layout.jail));
    }
}
