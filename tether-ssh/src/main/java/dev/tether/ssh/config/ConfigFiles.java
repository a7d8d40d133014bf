package dev.tether.ssh.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reading an ssh_config or sshd_config file into lines, for both readers: a bounded read (the
 * path may name a pipe or a device, which has no size to check first), UTF-8, and a NUL refused
 * with its line, as OpenSSH does. Lines end with LF or CR LF, as for OpenSSH's {@code getline}.
 * The client's {@code SshConfig} and {@code tether server}'s sshd_config reader both use it.
 *
 * <p>Threading: stateless.
 */
public final class ConfigFiles {
    /** The largest configuration file read (OpenSSH's own are a few KiB). */
    public static final int MAX_FILE = 1024 * 1024;

    /** What is wrong with a file's bytes; {@link #line} is 0 when it is the whole file. */
    public static final class BadFile extends Exception {
        private static final long serialVersionUID = 1L;
        /** The 1-based line of the fault, or 0 when it is the whole file (too large). */
        public final int line;

        BadFile(int line, String message) {
            super(message);
            this.line = line;
        }
    }

    private ConfigFiles() {
    }

    /**
     * The file's lines, without their line ends; a last line ended by a line end is not followed
     * by an empty one.
     *
     * @param file   the file; it may be a pipe or a device (at most {@link #MAX_FILE} + 1 bytes are read)
     * @param strict whether bytes that are not UTF-8 are an error (else each becomes U+FFFD)
     * @return the lines, in order
     * @throws java.nio.file.NoSuchFileException when there is no such file
     * @throws IOException if the file cannot be read
     * @throws BadFile if the file is larger than {@link #MAX_FILE}, holds a NUL, or (when
     *                 {@code strict}) is not UTF-8; {@link BadFile#line} says where
     */
    public static List<String> readLines(Path file, boolean strict) throws IOException, BadFile {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE + 1);
        }
        if (bytes.length > MAX_FILE) {
            throw new BadFile(0, "larger than " + MAX_FILE / 1024 + " KiB, not a configuration file");
        }
        int nul = indexOf(bytes, (byte) 0);
        if (nul >= 0) {
            throw new BadFile(lineAt(bytes, nul), "NUL character in line");
        }
        CodingErrorAction onError = strict ? CodingErrorAction.REPORT : CodingErrorAction.REPLACE;
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(onError).onUnmappableCharacter(onError);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (r.isError()) {
            throw new BadFile(lineAt(bytes, in.position()), "not valid UTF-8");
        }
        decoder.flush(out);
        List<String> lines = new ArrayList<>(List.of(out.flip().toString().split("\r?\n", -1)));
        if (lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    /** The 1-based line of byte {@code offset}. */
    private static int lineAt(byte[] b, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (b[i] == '\n') {
                line++;
            }
        }
        return line;
    }
}
