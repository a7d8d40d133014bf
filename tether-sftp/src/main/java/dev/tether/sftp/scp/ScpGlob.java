package dev.tether.sftp.scp;

import dev.tether.sftp.server.FileView;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the user's shell would have done to the path words of an scp command line before scp saw
 * them, done here over the session's {@link FileView} (so inside the jail): a leading unquoted
 * {@code ~} or {@code ~USER} (the logged-in user) becomes the start directory, and a word with
 * unquoted {@code *}, {@code ?} or {@code [...]} becomes the sorted list of the paths it matches,
 * component by component, hidden names only for a pattern that starts with {@code .}; a word
 * that matches nothing stays as it is (sh without nullglob). At most {@value #MAX_MATCHES} paths
 * per word. Stateless.
 */
final class ScpGlob {
    static final int MAX_MATCHES = 10_000;

    /** More paths than {@link #MAX_MATCHES}. */
    static final class TooManyMatches extends Exception {
        TooManyMatches(String word) {
            super(word + ": too many matches (more than " + MAX_MATCHES + ")", null, false, false);
        }
    }

    private ScpGlob() {
    }

    static List<String> expand(ScpCommandLine.Word word, FileView files, String user) throws TooManyMatches {
        ScpCommandLine.Word w = tilde(word, files.root().home(), user);
        String text = w.text();
        boolean glob = false;
        for (int i = 0; i < text.length() && !glob; i++) {
            glob = !w.isQuoted(i) && "*?[".indexOf(text.charAt(i)) >= 0;
        }
        if (!glob) {
            return List.of(text);
        }
        List<String> out = new ArrayList<>();
        List<Component> parts = components(w);
        String start = text.startsWith("/") ? "/" : "";
        match(files, start, parts, 0, false, out, text);
        if (out.isEmpty()) {
            return List.of(text);
        }
        out.sort(null);
        return out;
    }

    /** {@code ~} and {@code ~USER/} (the logged-in user only) at the start of an unquoted word. */
    private static ScpCommandLine.Word tilde(ScpCommandLine.Word w, String home, String user) {
        String text = w.text();
        if (text.isEmpty() || text.charAt(0) != '~' || w.isQuoted(0)) {
            return w;
        }
        int slash = text.indexOf('/');
        int end = slash < 0 ? text.length() : slash;
        for (int i = 1; i < end; i++) {
            if (w.isQuoted(i)) {
                return w;
            }
        }
        String name = text.substring(1, end);
        if (!name.isEmpty() && !name.equals(user)) {
            return w; // another user's home: sh leaves it as it is when it knows no such user
        }
        BitSet q = new BitSet();
        q.set(0, home.length());
        BitSet rest = w.quoted().get(end, Math.max(end, text.length()));
        for (int i = rest.nextSetBit(0); i >= 0; i = rest.nextSetBit(i + 1)) {
            q.set(home.length() + i);
        }
        return new ScpCommandLine.Word(home + text.substring(end), q);
    }

    /** One path component: its text, and the pattern if it has unquoted wildcards (else null). */
    private record Component(String text, Pattern pattern, boolean dotMatches) {
    }

    private static List<Component> components(ScpCommandLine.Word w) {
        String text = w.text();
        List<Component> parts = new ArrayList<>();
        int from = 0;
        while (from <= text.length()) {
            int slash = text.indexOf('/', from);
            int to = slash < 0 ? text.length() : slash;
            if (to > from) {
                parts.add(component(w, from, to));
            }
            if (slash < 0) {
                break;
            }
            from = slash + 1;
        }
        return parts;
    }

    private static Component component(ScpCommandLine.Word w, int from, int to) {
        String text = w.text();
        StringBuilder re = new StringBuilder();
        boolean wild = false;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (w.isQuoted(i)) {
                re.append(literal(c));
            } else if (c == '*') {
                re.append(".*");
                wild = true;
            } else if (c == '?') {
                re.append('.');
                wild = true;
            } else if (c == '[') {
                int end = bracketEnd(text, i, to);
                if (end < 0) {
                    re.append(literal(c));
                } else {
                    re.append(bracket(text, i + 1, end));
                    wild = true;
                    i = end;
                }
            } else {
                re.append(literal(c));
            }
        }
        String part = text.substring(from, to);
        return new Component(part, wild ? Pattern.compile(re.toString(), Pattern.DOTALL) : null, text.charAt(from) == '.');
    }

    /** The index of the {@code ]} closing a bracket expression opened at {@code open}, or -1. */
    private static int bracketEnd(String text, int open, int to) {
        int i = open + 1;
        if (i < to && (text.charAt(i) == '!' || text.charAt(i) == '^')) {
            i++;
        }
        if (i < to && text.charAt(i) == ']') {
            i++;
        }
        for (; i < to; i++) {
            if (text.charAt(i) == ']') {
                return i;
            }
        }
        return -1;
    }

    private static String bracket(String text, int from, int end) {
        StringBuilder b = new StringBuilder("[");
        int i = from;
        if (text.charAt(i) == '!' || text.charAt(i) == '^') {
            b.append('^');
            i++;
        }
        while (i < end) {
            char c = text.charAt(i);
            if (i + 2 < end && text.charAt(i + 1) == '-') {
                b.append(literal(c)).append('-').append(literal(text.charAt(i + 2)));
                i += 3;
            } else {
                b.append(literal(c));
                i++;
            }
        }
        return b.append(']').toString();
    }

    private static String literal(char c) {
        return String.format("\\x{%x}", (int) c);
    }

    private static void match(FileView files, String prefix, List<Component> parts, int index, boolean globbed, List<String> out,
                              String word) throws TooManyMatches {
        if (index == parts.size()) {
            if (globbed && exists(files, prefix)) {
                if (out.size() == MAX_MATCHES) {
                    throw new TooManyMatches(word);
                }
                out.add(prefix);
            }
            return;
        }
        Component c = parts.get(index);
        if (c.pattern() == null) {
            match(files, join(prefix, c.text()), parts, index + 1, globbed, out, word);
            return;
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> dir = files.openDirectory(prefix.isEmpty() ? "." : prefix)) {
            for (Path p : dir) {
                Path fn = p.getFileName();
                String name = fn == null ? p.toString() : fn.toString();
                if ((name.startsWith(".") && !c.dotMatches()) || !c.pattern().matcher(name).matches()) {
                    continue;
                }
                if (names.size() == MAX_MATCHES) {
                    throw new TooManyMatches(word);
                }
                names.add(name);
            }
        } catch (IOException | RuntimeException e) {
            return; // an unreadable or missing directory matches nothing, as in sh
        }
        names.sort(null);
        for (String name : names) {
            match(files, join(prefix, name), parts, index + 1, true, out, word);
        }
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix.endsWith("/") ? prefix + name : prefix + "/" + name;
    }

    private static boolean exists(FileView files, String clientPath) {
        try {
            return Files.exists(files.resolve(clientPath, false), LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
