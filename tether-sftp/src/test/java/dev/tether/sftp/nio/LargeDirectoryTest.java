package dev.tether.sftp.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.nio.NioPeers.Peer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Iterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Files.newDirectoryStream} over a directory of 100,000 entries: every name once, and read
 * as it is iterated, not loaded first.
 */
class LargeDirectoryTest {
    static final int ENTRIES = 100_000;

    @TempDir
    static Path tmp;
    static NioPeers peers;
    static Path big;

    @BeforeAll
    static void start() throws Exception {
        peers = new NioPeers(tmp);
        big = Files.createDirectories(peers.base.resolve("big"));
        for (int i = 0; i < ENTRIES; i++) {
            Files.createFile(big.resolve("entry-" + i));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (peers != null) {
            peers.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void everyEntryOnce(Peer peer) throws Exception {
        try (SftpFileSystem fs = peers.open(peer);
             DirectoryStream<Path> ds = Files.newDirectoryStream(fs.getPath(big.toString()))) {
            BitSet seen = new BitSet(ENTRIES);
            int n = 0;
            long t0 = System.nanoTime();
            long first = -1;
            for (Path p : ds) {
                if (first < 0) {
                    first = System.nanoTime() - t0;
                }
                int i = Integer.parseInt(p.getFileName().toString().substring("entry-".length()));
                assertTrue(!seen.get(i), "twice: " + p);
                seen.set(i);
                assertEquals(fs.getPath(big.toString()), p.getParent());
                n++;
            }
            long all = System.nanoTime() - t0;
            assertEquals(ENTRIES, n);
            assertEquals(ENTRIES, seen.cardinality());
            System.out.printf("%s: first of %,d entries after %.1f ms, all after %.1f ms%n", peer, ENTRIES, first / 1e6, all / 1e6);
        }
    }

    /**
     * The stream holds one READDIR reply, not the directory: after the first entry the connection
     * is closed, and the stream can give only what that reply brought before it fails. A stream
     * that had read the whole listing first would go on to all 100,000.
     */
    @ParameterizedTest
    @EnumSource(Peer.class)
    void readAsIteratedNotLoadedFirst(Peer peer) throws Exception {
        SftpFileSystem fs = peers.open(peer);
        DirectoryStream<Path> ds = Files.newDirectoryStream(fs.getPath(big.toString()));
        Iterator<Path> it = ds.iterator();
        assertNotNull(it.next());
        fs.close();
        int more = 0;
        RuntimeException failed = null;
        try {
            while (it.hasNext()) {
                it.next();
                more++;
            }
        } catch (RuntimeException e) {
            failed = e;
        }
        assertNotNull(failed, "the listing went on after the connection closed: " + more + " more entries");
        assertTrue(more < 1_000, more + " entries were held after the first");
        System.out.printf("%s: %d entries held after the first; then %s%n", peer, more, failed);
    }
}
