package dev.tether.sftp.scp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The SCP record codec on its own: what scp.c accepts and refuses, and how it writes records and names. */
class ScpRecordTest {
    private static ScpRecord.Record parse(String line) throws ScpRecord.Refused {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return ScpRecord.parse(b, b.length, false);
    }

    private static String refusal(String line) {
        return assertThrows(ScpRecord.Refused.class, () -> parse(line)).getMessage();
    }

    @Test
    void records() throws Exception {
        assertEquals(new ScpRecord.Entry(false, 0644, 5, "a b"), parse("C0644 5 a b"));
        assertEquals(new ScpRecord.Entry(true, 04755, 0, "dir"), parse("D4755 0 dir"));
        assertEquals(new ScpRecord.Entry(false, 0600, Long.MAX_VALUE, "big"), parse("C0600 9223372036854775807 big"));
        assertEquals(new ScpRecord.Entry(false, 0644, 1, "caf\u00e9 \u2603"), parse("C0644 1 caf\u00e9 \u2603"));
        assertEquals(new ScpRecord.Times(1, 2, 3, 999999, true), parse("T1 2 3 999999"));
        assertFalse(((ScpRecord.Times) parse("T99999999999999999999 0 1 0")).inRange());
        assertEquals(new ScpRecord.End(), parse("E"));
        assertEquals(new ScpRecord.Message(false, "scp: x"), parse("\u0001scp: x"));
        assertEquals(new ScpRecord.Message(true, "boom"), parse("\u0002boom"));
    }

    @Test
    void refusals() {
        assertEquals("error: unexpected filename: ../x", refusal("C0644 1 ../x"));
        assertEquals("error: unexpected filename: a/b", refusal("C0644 1 a/b"));
        assertEquals("error: unexpected filename: ..", refusal("D0755 0 .."));
        assertEquals("error: unexpected filename: .", refusal("D0755 0 ."));
        assertEquals("error: unexpected filename: ", refusal("C0644 1 "));
        assertEquals("error: unexpected filename: a\\x00", refusal("C0644 1 a\0"));
        assertEquals("protocol error: size not present", refusal("C0644 -1 x"));
        assertEquals("protocol error: size out of range", refusal("C0644 99999999999999999999 x"));
        assertEquals("protocol error: size out of range", refusal("C0644 9223372036854775808 x"));
        assertEquals("protocol error: size not delimited", refusal("C0644 5"));
        assertEquals("protocol error: bad mode", refusal("C0648 5 x"));
        assertEquals("protocol error: bad mode", refusal("C"));
        assertEquals("protocol error: mode not delimited", refusal("C06444 5 x"));
        assertEquals("protocol error: mtime.usec not delimited", refusal("T1 -1 1 0"));
        assertEquals("protocol error: atime.sec not present", refusal("T1 0 x 0"));
        assertEquals("protocol error: atime.usec not delimited", refusal("T1 0 1 0 "));
        assertEquals("protocol error: expected control record", refusal("hello"));
        assertEquals("protocol error: unexpected <newline>", refusal(""));
        byte[] bad = {'C', '0', '6', '4', '4', ' ', '1', ' ', (byte) 0xff, 'x'};
        assertEquals("error: unexpected filename: \ufffdx",
                assertThrows(ScpRecord.Refused.class, () -> ScpRecord.parse(bad, bad.length, false)).getMessage());
        // the first line of a level is the remote shell's text, sent back as it is (control characters escaped)
        byte[] first = "No match.\u001b".getBytes(StandardCharsets.UTF_8);
        assertEquals("No match.\\x1b", assertThrows(ScpRecord.Refused.class, () -> ScpRecord.parse(first, first.length, true)).getMessage());
    }

    @Test
    void linesAndResponses() throws Exception {
        byte[] buf = new byte[16];
        assertEquals(3, ScpRecord.readLine(new ByteArrayInputStream("abc\nrest".getBytes(StandardCharsets.UTF_8)), buf));
        assertEquals(-1, ScpRecord.readLine(new ByteArrayInputStream(new byte[0]), buf));
        assertEquals("protocol error: lost connection", assertThrows(ScpRecord.Refused.class,
                () -> ScpRecord.readLine(new ByteArrayInputStream("abc".getBytes(StandardCharsets.UTF_8)), buf)).getMessage());
        assertEquals("protocol error: record longer than 15 bytes", assertThrows(ScpRecord.Refused.class,
                () -> ScpRecord.readLine(new ByteArrayInputStream("x".repeat(40).getBytes(StandardCharsets.UTF_8)), buf)).getMessage());

        assertNull(ScpRecord.response(new ByteArrayInputStream(new byte[] {0}), buf));
        assertEquals(new ScpRecord.Message(false, "scp: no"), ScpRecord.response(new ByteArrayInputStream("\u0001scp: no\n".getBytes()), buf));
        assertEquals(new ScpRecord.Message(true, "fatal"), ScpRecord.response(new ByteArrayInputStream("\u0002fatal\n".getBytes()), buf));
        assertEquals(new ScpRecord.Message(true, "Xjunk"), ScpRecord.response(new ByteArrayInputStream("Xjunk\n".getBytes()), buf));
        assertThrows(EOFException.class, () -> ScpRecord.response(new ByteArrayInputStream(new byte[0]), buf));
    }

    @Test
    void writing() {
        assertEquals("C0644 12 a b\n", ScpRecord.file(0100644, 12, "a b"));
        assertEquals("C6755 0 s\n", ScpRecord.file(07755, 0, "s"));
        assertEquals("D0700 0 d\n", ScpRecord.directory(040700, "d"));
        assertEquals("T10 0 20 0\n", ScpRecord.times(10, 20));
        assertEquals("T0 0 0 0\n", ScpRecord.times(-5, -1));
        assertEquals("\u0001scp: x: gone\n", new String(ScpRecord.errorLine("x: gone"), StandardCharsets.UTF_8));
        // names with a newline are vis(3)-encoded with VIS_NL, as scp.c's source() does; others go as they are
        assertEquals("plain \\ name \u00e9", ScpRecord.wireName("plain \\ name \u00e9"));
        assertEquals("a\\^Jb\\\\c\\^Ad\\M-C\\M-)\t\\^?", ScpRecord.wireName("a\nb\\c\u0001d\u00e9\t\u007f"));
        assertEquals("\u0001scp: a\\^Jb\n", new String(ScpRecord.errorLine("a\nb"), StandardCharsets.UTF_8));
    }
}
