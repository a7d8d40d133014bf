package dev.tether.sftp.scp;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The command line of the remote side of OpenSSH's scp ({@code scp [-v] [-r] [-p] [-d] -t|-f [--] PATH...}),
 * split into words as a POSIX shell splits it, since sshd hands such a line to the user's shell.
 * Quotes and backslashes are removed, and each word remembers which of its characters were
 * quoted, so that {@link ScpGlob} expands only the unquoted {@code * ? [} and a leading {@code ~}.
 * A line that needs more of a shell than that (a {@code ; | & < > ( ) $ `}, a comment or a
 * newline outside quotes) is not an SCP server command line: {@link #parse} returns null and the
 * server treats it as any other command.
 *
 * <p>Options as scp's getopt takes them: {@code -t} (sink), {@code -f} (source; wins over
 * {@code -t}, as in scp.c), {@code -r}, {@code -p}, {@code -d}, {@code -v} and {@code -q} (no
 * effect here), {@code -T}; the client's own options are accepted and ignored, their arguments
 * skipped; {@code --} ends the options. An unknown option makes a line with {@code -t} or
 * {@code -f} a {@link #usageError() usage error}. Immutable.
 */
final class ScpCommandLine {
    /** One shell word after quote removal; {@code quoted} marks the characters that were quoted. */
    record Word(String text, BitSet quoted) {
        static Word literal(String text) {
            BitSet q = new BitSet();
            q.set(0, text.length());
            return new Word(text, q);
        }

        boolean isQuoted(int index) {
            return quoted.get(index);
        }
    }

    /** Flags without an argument: the remote side's own, then the client's that mean nothing here. */
    private static final String FLAGS = "tfrpdvqT" + "246ABCOsR3";
    /** The client's options that take an argument (skipped with it). */
    private static final String WITH_ARGUMENT = "cDFiJlMoPSX";
    private static final String SHELL_SPECIAL = ";&|<>()$`";

    final boolean source;
    final boolean recursive;
    final boolean preserve;
    final boolean targetShouldBeDirectory;
    final List<Word> paths;
    private final String usageError;

    private ScpCommandLine(boolean source, boolean recursive, boolean preserve, boolean targetShouldBeDirectory, List<Word> paths,
                           String usageError) {
        this.source = source;
        this.recursive = recursive;
        this.preserve = preserve;
        this.targetShouldBeDirectory = targetShouldBeDirectory;
        this.paths = List.copyOf(paths);
        this.usageError = usageError;
    }

    /** What is wrong with the options (scp.c's usage()), or null. */
    String usageError() {
        return usageError;
    }

    /**
     * The line as an SCP server command, or null if it is not one: not {@code scp} (or a path
     * ending in {@code /scp}), neither {@code -t} nor {@code -f}, or shell syntax beyond words
     * and quotes.
     */
    static ScpCommandLine parse(String line) {
        if (line == null) {
            return null;
        }
        List<Word> words = split(line);
        if (words == null || words.isEmpty()) {
            return null;
        }
        String program = words.get(0).text();
        if (!program.equals("scp") && !(program.endsWith("/scp") && program.startsWith("/"))) {
            return null;
        }
        boolean t = false;
        boolean f = false;
        boolean r = false;
        boolean p = false;
        boolean d = false;
        String error = null;
        int i = 1;
        while (i < words.size()) {
            String w = words.get(i).text();
            if (w.equals("--")) {
                i++;
                break;
            }
            if (!w.startsWith("-") || w.equals("-")) {
                break;
            }
            i++;
            for (int j = 1; j < w.length(); j++) {
                char c = w.charAt(j);
                if (FLAGS.indexOf(c) >= 0) {
                    t |= c == 't';
                    f |= c == 'f';
                    r |= c == 'r';
                    p |= c == 'p';
                    d |= c == 'd';
                } else if (WITH_ARGUMENT.indexOf(c) >= 0) {
                    if (j + 1 == w.length()) {
                        if (i == words.size()) {
                            error = error != null ? error : "option requires an argument -- " + c;
                        }
                        i++;
                    }
                    break;
                } else {
                    error = error != null ? error : "unknown option -- " + (Character.isISOControl(c) ? "?" : String.valueOf(c));
                }
            }
        }
        if (!t && !f) {
            return null;
        }
        return new ScpCommandLine(f, r, p, d, words.subList(Math.min(i, words.size()), words.size()), error);
    }

    /** The words of a line as sh(1) splits them, or null where the line needs more of a shell. */
    static List<Word> split(String s) {
        List<Word> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        BitSet quoted = new BitSet();
        boolean inWord = false;
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t') {
                if (inWord) {
                    words.add(new Word(cur.toString(), quoted));
                    cur = new StringBuilder();
                    quoted = new BitSet();
                    inWord = false;
                }
                i++;
            } else if (c == '\n' || c == '\0' || SHELL_SPECIAL.indexOf(c) >= 0 || (c == '#' && !inWord)) {
                return null;
            } else if (c == '\\') {
                if (i + 1 == n) {
                    return null;
                }
                char next = s.charAt(i + 1);
                if (next == '\n') {
                    i += 2; // a line continuation
                    continue;
                }
                quoted.set(cur.length());
                cur.append(next);
                inWord = true;
                i += 2;
            } else if (c == '\'') {
                int end = s.indexOf('\'', i + 1);
                if (end < 0) {
                    return null;
                }
                quoted.set(cur.length(), cur.length() + end - i - 1);
                cur.append(s, i + 1, end);
                inWord = true;
                i = end + 1;
            } else if (c == '"') {
                i++;
                while (true) {
                    if (i == n) {
                        return null;
                    }
                    char q = s.charAt(i);
                    if (q == '"') {
                        i++;
                        break;
                    }
                    if (q == '$' || q == '`') {
                        return null;
                    }
                    if (q == '\\' && i + 1 < n && "$`\"\\\n".indexOf(s.charAt(i + 1)) >= 0) {
                        char e = s.charAt(i + 1);
                        i += 2;
                        if (e != '\n') {
                            quoted.set(cur.length());
                            cur.append(e);
                        }
                        continue;
                    }
                    quoted.set(cur.length());
                    cur.append(q);
                    i++;
                }
                inWord = true;
            } else {
                cur.append(c);
                inWord = true;
                i++;
            }
        }
        if (inWord) {
            words.add(new Word(cur.toString(), quoted));
        }
        return words;
    }
}
