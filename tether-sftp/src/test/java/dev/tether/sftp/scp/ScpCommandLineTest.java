package dev.tether.sftp.scp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.tether.sftp.policy.SftpRoot;
import dev.tether.sftp.server.FileView;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scp command line as sh splits it, scp's options, and the shell's ~ and globs done over a FileView. */
class ScpCommandLineTest {
    private static List<String> texts(ScpCommandLine c) {
        return c.paths.stream().map(ScpCommandLine.Word::text).toList();
    }

    @Test
    void optionsAsOpenSshSendsThem() {
        ScpCommandLine c = ScpCommandLine.parse("scp -v -r -p -d -t -- /srv/dir");
        assertNotNull(c);
        assertFalse(c.source);
        assertTrue(c.recursive && c.preserve && c.targetShouldBeDirectory);
        assertEquals(List.of("/srv/dir"), texts(c));
        assertNull(c.usageError());

        c = ScpCommandLine.parse("/usr/bin/scp -prf a b");
        assertTrue(c.source && c.recursive && c.preserve);
        assertEquals(List.of("a", "b"), texts(c));
        // -f wins over -t, as in scp.c
        assertTrue(ScpCommandLine.parse("scp -t -f x").source);
        // the client's options and their arguments are skipped
        assertEquals(List.of("x"), texts(ScpCommandLine.parse("scp -o Foo=bar -P22 -l 10 -t x")));
        assertEquals(List.of("-x"), texts(ScpCommandLine.parse("scp -t -- -x")));
    }

    @Test
    void notAnScpServerLine() {
        assertNull(ScpCommandLine.parse(null));
        assertNull(ScpCommandLine.parse(""));
        assertNull(ScpCommandLine.parse("ls -t"));
        assertNull(ScpCommandLine.parse("scp a b"));
        assertNull(ScpCommandLine.parse("myscp -t x"));
        assertNull(ScpCommandLine.parse("bin/scp -t x"));
        // more of a shell than words and quotes: left to the server's other commands
        for (String s : List.of("scp -t x; rm -rf y", "scp -t x && true", "scp -t x | cat", "scp -t $HOME", "scp -t `id`",
                "scp -t \"$HOME\"", "scp -t x > y", "scp -t x\nid", "scp -t (x)", "scp -t x #c", "scp -t 'open")) {
            assertNull(ScpCommandLine.parse(s), s);
        }
    }

    @Test
    void usageErrors() {
        assertEquals("unknown option -- Z", ScpCommandLine.parse("scp -Z -t x").usageError());
        assertEquals("option requires an argument -- o", ScpCommandLine.parse("scp -t -o").usageError());
    }

    @Test
    void wordsAsShSplitsThem() {
        List<ScpCommandLine.Word> w = ScpCommandLine.split("a\\ b 'c d' \"e \\\"f\\\" \\\\ \\x\" g''h '' i\\\nj");
        assertEquals(List.of("a b", "c d", "e \"f\" \\ \\x", "gh", "", "ij"), w.stream().map(ScpCommandLine.Word::text).toList());
        ScpCommandLine.Word q = ScpCommandLine.split("'*'x*\\*").get(0);
        assertEquals("*x**", q.text());
        assertTrue(q.isQuoted(0));
        assertFalse(q.isQuoted(1));
        assertFalse(q.isQuoted(2));
        assertTrue(q.isQuoted(3));
    }

    @Test
    void tildeAndGlobsOverAFileView() throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path home = Files.createDirectories(fs.getPath("/jail/home/alice"));
            Files.createDirectories(home.resolve("d1"));
            Files.createDirectories(home.resolve("d2"));
            Files.writeString(home.resolve("d1/a.txt"), "");
            Files.writeString(home.resolve("d2/b.txt"), "");
            Files.writeString(home.resolve("d2/c.log"), "");
            Files.writeString(home.resolve(".hidden"), "");
            Files.writeString(home.resolve("star*"), "");
            FileView files = new FileView(SftpRoot.jail(fs.getPath("/jail"), "/home/alice"));
            assertEquals(List.of("/home/alice/x"), expand("~/x", files));
            assertEquals(List.of("/home/alice"), expand("~alice", files));
            assertEquals(List.of("~bob/x"), expand("~bob/x", files));
            assertEquals(List.of("~/x"), expand("'~'/x", files));
            assertEquals(List.of("d1/a.txt", "d2/b.txt"), expand("d*/*.txt", files));
            assertEquals(List.of("/home/alice/d2/c.log"), expand("~/d?/*.log", files));
            assertEquals(List.of("d1", "d2", "star*"), expand("*", files));
            assertEquals(List.of(".hidden"), expand(".h*", files));
            assertEquals(List.of("d2/b.txt"), expand("d[!1]/[a-b].txt", files));
            assertEquals(List.of("nothing*"), expand("nothing*", files));
            assertEquals(List.of("star*"), expand("'star*'", files));
            assertEquals(List.of("star*"), expand("star\\*", files));
            assertEquals(List.of("/home/alice/d1"), expand("/home/*/d1", files));
        }
    }

    private static List<String> expand(String word, FileView files) throws ScpGlob.TooManyMatches {
        return ScpGlob.expand(ScpCommandLine.split(word).get(0), files, "alice");
    }
}
