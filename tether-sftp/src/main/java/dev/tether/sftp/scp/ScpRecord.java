package dev.tether.sftp.scp;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The records of the SCP protocol, as rcp defined them and OpenSSH's scp.c reads and writes them:
 *
 * <pre>
 *   T&lt;mtime&gt; &lt;usec&gt; &lt;atime&gt; &lt;usec&gt;\n   the times of the next file or directory (-p)
 *   C&lt;mode&gt; &lt;size&gt; &lt;name&gt;\n          a file: four octal digits, a decimal size, a name; then
 *                                     exactly size bytes of data and one status byte
 *   D&lt;mode&gt; 0 &lt;name&gt;\n               a directory, whose entries follow up to
 *   E\n                                the end of that directory
 *   \1scp: text\n                      an error (the transfer goes on), \2 a fatal one
 * </pre>
 *
 * Each record is answered with one status byte: 0, or 1 or 2 followed by a line of text. A
 * record line is at most {@value #MAX_LINE} bytes with its newline (scp.c's buffer); names are
 * raw bytes, here UTF-8, and a name with a newline in it is sent {@code vis(3)}-encoded with
 * {@code VIS_NL}, as scp.c does. Parsing is strict where scp.c is, and stricter where Java paths
 * need it (a name with a NUL byte or that is not UTF-8 is refused). Stateless.
 */
final class ScpRecord {
    /** The longest record line, newline included (scp.c's {@code buf[2048]}). */
    static final int MAX_LINE = 2048;
    static final byte[] END = {'E', '\n'};
    /** S_ISUID|S_ISGID|0777: the mode bits a C or D record carries (scp.c's FILEMODEMASK). */
    static final int FILE_MODE_MASK = 06777;
    private static final long MAX_EPOCH_SECOND = Instant.MAX.getEpochSecond();

    sealed interface Record permits Times, Entry, End, Message {
    }

    /** {@code T}: times in seconds and microseconds; {@code inRange} false where scp.c ignores them (beyond time_t). */
    record Times(long mtime, long mtimeMicros, long atime, long atimeMicros, boolean inRange) implements Record {
    }

    /** {@code C} (a file of {@code size} bytes) or {@code D} (a directory; the size is read and ignored). */
    record Entry(boolean directory, int mode, long size, String name) implements Record {
    }

    record End() implements Record {
    }

    /** A status line from the peer: {@code \1} (counted, the transfer goes on) or fatal ({@code \2}, or any other byte in a reply). */
    record Message(boolean fatal, String text) implements Record {
    }

    /** A record the sink refuses; the message is the text of the error line, and the session ends. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private ScpRecord() {
    }

    /**
     * Reads one record line into {@code buf} (without its newline); returns its length, or -1 if
     * the stream ended before it began.
     */
    static int readLine(InputStream in, byte[] buf) throws IOException, Refused {
        int c = in.read();
        if (c < 0) {
            return -1;
        }
        if (c == '\n') {
            throw new Refused("protocol error: unexpected <newline>");
        }
        buf[0] = (byte) c;
        int n = 1;
        while (true) {
            c = in.read();
            if (c < 0) {
                throw new Refused("protocol error: lost connection");
            }
            if (c == '\n') {
                return n;
            }
            if (n == buf.length - 1) {
                throw new Refused("protocol error: record longer than " + (buf.length - 1) + " bytes");
            }
            buf[n++] = (byte) c;
        }
    }

    /**
     * Reads the status byte answering a record (scp.c's response()): null for 0, else the line of
     * text that follows. The stream ending is an {@link EOFException} ("lost connection").
     */
    static Message response(InputStream in, byte[] buf) throws IOException {
        int r = in.read();
        if (r < 0) {
            throw new EOFException("lost connection");
        }
        if (r == 0) {
            return null;
        }
        int n = 0;
        if (r != 1 && r != 2) {
            buf[n++] = (byte) r;
        }
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("lost connection");
            }
            if (c == '\n' || n == buf.length - 1) {
                break;
            }
            buf[n++] = (byte) c;
        }
        return new Message(r != 1, new String(buf, 0, n, StandardCharsets.UTF_8));
    }

    /**
     * One record line as the sink reads it (scp.c's sink()); {@code first}: the first line of this
     * directory level, where anything but a record is the remote shell's text (sent back as the
     * error).
     */
    static Record parse(byte[] line, int len, boolean first) throws Refused {
        if (len == 0) {
            throw new Refused("protocol error: unexpected <newline>");
        }
        byte kind = line[0];
        if (kind == 1 || kind == 2) {
            return new Message(kind == 2, new String(line, 1, len - 1, StandardCharsets.UTF_8));
        }
        if (kind == 'E') {
            return new End();
        }
        Cursor c = new Cursor(line, len);
        c.pos = 1;
        if (kind == 'T') {
            return times(c);
        }
        if (kind != 'C' && kind != 'D') {
            throw new Refused(first ? printable(new String(line, 0, len, StandardCharsets.UTF_8)) : "protocol error: expected control record");
        }
        int mode = 0;
        for (; c.pos < 5; c.pos++) {
            int d = c.pos < len ? line[c.pos] : -1;
            if (d < '0' || d > '7') {
                throw new Refused("protocol error: bad mode");
            }
            mode = (mode << 3) | (d - '0');
        }
        if (!c.take(' ')) {
            throw new Refused("protocol error: mode not delimited");
        }
        if (!c.digit()) {
            throw new Refused("protocol error: size not present");
        }
        long size = c.number();
        if (!c.take(' ')) {
            throw new Refused("protocol error: size not delimited");
        }
        if (size < 0) {
            throw new Refused("protocol error: size out of range");
        }
        String name = name(line, c.pos, len);
        return new Entry(kind == 'D', mode, size, name);
    }

    private static Times times(Cursor c) throws Refused {
        if (!c.digit()) {
            throw new Refused("protocol error: mtime.sec not present");
        }
        long mtime = c.number();
        if (!c.take(' ')) {
            throw new Refused("protocol error: mtime.sec not delimited");
        }
        long mtimeMicros = c.signed();
        if (!c.take(' ') || mtimeMicros < 0 || mtimeMicros > 999_999) {
            throw new Refused("protocol error: mtime.usec not delimited");
        }
        if (!c.digit()) {
            throw new Refused("protocol error: atime.sec not present");
        }
        long atime = c.number();
        if (!c.take(' ')) {
            throw new Refused("protocol error: atime.sec not delimited");
        }
        long atimeMicros = c.signed();
        if (c.pos != c.len || atimeMicros < 0 || atimeMicros > 999_999) {
            throw new Refused("protocol error: atime.usec not delimited");
        }
        boolean inRange = mtime >= 0 && atime >= 0 && mtime <= MAX_EPOCH_SECOND && atime <= MAX_EPOCH_SECOND;
        return new Times(mtime, mtimeMicros, atime, atimeMicros, inRange);
    }

    /** The name of a C or D record: not empty, no {@code /}, not {@code .} or {@code ..} (scp.c), no NUL, UTF-8. */
    private static String name(byte[] line, int from, int len) throws Refused {
        String shown = printable(new String(line, from, len - from, StandardCharsets.UTF_8));
        for (int i = from; i < len; i++) {
            if (line[i] == '/' || line[i] == 0) {
                throw new Refused("error: unexpected filename: " + shown);
            }
        }
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(line, from, len - from)).toString();
        } catch (CharacterCodingException e) {
            throw new Refused("error: unexpected filename: " + shown);
        }
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new Refused("error: unexpected filename: " + shown);
        }
        return name;
    }

    /** A bounded cursor over a record line, with scp.c's strtoull/strtol number parsing. */
    private static final class Cursor {
        final byte[] line;
        final int len;
        int pos;

        Cursor(byte[] line, int len) {
            this.line = line;
            this.len = len;
        }

        boolean digit() {
            return pos < len && line[pos] >= '0' && line[pos] <= '9';
        }

        boolean take(char ch) {
            if (pos < len && line[pos] == ch) {
                pos++;
                return true;
            }
            return false;
        }

        /** Decimal digits; -1 if the value does not fit a long (scp.c: beyond off_t or time_t). */
        long number() {
            long v = 0;
            boolean overflow = false;
            while (digit()) {
                int d = line[pos++] - '0';
                if (!overflow && v > (Long.MAX_VALUE - d) / 10) {
                    overflow = true;
                }
                v = overflow ? v : v * 10 + d;
            }
            return overflow ? -1 : v;
        }

        /** strtol without leading blanks: an optional sign and digits (0, reading nothing, if there are none); clamped. */
        long signed() {
            int start = pos;
            boolean negative = false;
            if (pos < len && (line[pos] == '-' || line[pos] == '+')) {
                negative = line[pos] == '-';
                pos++;
            }
            if (!digit()) {
                pos = start;
                return 0;
            }
            long v = number();
            if (v < 0) {
                v = Long.MAX_VALUE;
            }
            return negative ? -v : v;
        }
    }

    // ------------------------------------------------------------------ writing

    /** {@code T} with whole seconds, as scp.c sends it (negative times as 0). */
    static String times(long mtime, long atime) {
        return "T" + Math.max(0, mtime) + " 0 " + Math.max(0, atime) + " 0\n";
    }

    static String file(int mode, long size, String wireName) {
        return String.format("C%04o %d %s\n", mode & FILE_MODE_MASK, size, wireName);
    }

    static String directory(int mode, String wireName) {
        return String.format("D%04o 0 %s\n", mode & FILE_MODE_MASK, wireName);
    }

    /** The error line scp.c's run_err() writes: {@code \1scp: MESSAGE\n}, any newline in the message encoded. */
    static byte[] errorLine(String message) {
        return ("\u0001scp: " + wireName(message) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A path as scp.c's source() sends it: as it is, unless it has a newline, in which case the
     * whole of it is {@code strnvis(..., VIS_NL)}-encoded (newline {@code \^J}, other controls
     * {@code \^X}, backslash doubled, bytes above 127 as {@code \M-x}/{@code \M^x}).
     */
    static String wireName(String name) {
        if (name.indexOf('\n') < 0) {
            return name;
        }
        StringBuilder b = new StringBuilder();
        for (byte x : name.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c == '\\') {
                b.append("\\\\");
            } else if ((c > 0x20 && c < 0x7f) || c == ' ' || c == '\t') {
                b.append((char) c);
            } else if (c == 0xa0) {
                b.append("\\240");
            } else {
                b.append('\\');
                if ((c & 0x80) != 0) {
                    c &= 0x7f;
                    b.append('M');
                }
                if (c < 0x20 || c == 0x7f) {
                    b.append('^').append(c == 0x7f ? '?' : (char) (c + '@'));
                } else {
                    b.append('-').append((char) c);
                }
            }
        }
        return b.toString();
    }

    /** Text from the peer made safe to echo in one line: control characters as {@code \xNN}. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x20 || ch == 0x7f) {
                b.append(String.format("\\x%02x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }
}
