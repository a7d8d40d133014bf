package dev.tether.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * glob(3) as OpenSSH's sftp uses it, on a remote or a local file system: {@code *}, {@code ?}
 * and {@code [...]} (with {@code !} or {@code ^} to negate) in any component, a backslash
 * making the next character literal, names starting with {@code .} matched only by a pattern
 * component that starts with one; matches sorted, directories marked (GLOB_MARK).
 */
final class Glob {
    private Glob() {
    }

    /** Where a pattern is expanded. */
    interface Lister {
        /** The names in a directory ({@code ""} is the working directory), without {@code .} and {@code ..}. */
        List<String> names(String dir) throws IOException;

        /** Whether a path (following links) is a directory; false for another kind, null if absent. */
        Boolean isDirectory(String path) throws IOException;
    }

    /** A path that matched, and whether it is a directory. */
    record Match(String path, boolean directory) {
        /** The path with a trailing {@code /} if it is a directory, as glob's GLOB_MARK gives it. */
        String marked() {
            return directory && !path.endsWith("/") ? path + "/" : path;
        }
    }

    /** Whether a pattern component holds an unescaped glob character. */
    static boolean isPattern(String component) {
        for (int i = 0; i < component.length(); i++) {
            char c = component.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '*' || c == '?' || c == '[') {
                return true;
            }
        }
        return false;
    }

    /** The paths that match, sorted; empty if none. */
    static List<Match> expand(String pattern, Lister fs) throws IOException {
        List<String> paths = new ArrayList<>(List.of(pattern.startsWith("/") ? "/" : ""));
        String[] parts = pattern.split("/");
        for (String part : parts) {
            if (part.isEmpty()) {
                continue;
            }
            List<String> next = new ArrayList<>();
            if (isPattern(part)) {
                Pattern re = regex(part);
                for (String dir : paths) {
                    List<String> names;
                    try {
                        names = fs.names(dir);
                    } catch (IOException e) {
                        continue; // not a directory, or unreadable: no matches below it
                    }
                    for (String n : names) {
                        if (n.equals(".") || n.equals("..") || n.startsWith(".") && !part.startsWith(".")) {
                            continue;
                        }
                        if (re.matcher(n).matches()) {
                            next.add(SftpShell.join(dir, n));
                        }
                    }
                }
            } else {
                String literal = SftpShell.unescape(part);
                for (String dir : paths) {
                    next.add(SftpShell.join(dir, literal));
                }
            }
            paths = next;
        }
        List<Match> out = new ArrayList<>();
        for (String p : paths) {
            String path = p.isEmpty() ? "." : p;
            Boolean dir = fs.isDirectory(path);
            if (dir != null) {
                out.add(new Match(path, dir));
            }
        }
        out.sort((a, b) -> a.path().compareTo(b.path()));
        return out;
    }

    /** One component's pattern as a regular expression. */
    static Pattern regex(String part) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == '\\' && i + 1 < part.length()) {
                re.append(Pattern.quote(String.valueOf(part.charAt(++i))));
            } else if (c == '*') {
                re.append(".*");
            } else if (c == '?') {
                re.append('.');
            } else if (c == '[' && part.indexOf(']', i + 2) > 0) {
                int end = part.indexOf(']', i + 2);
                String body = part.substring(i + 1, end);
                StringBuilder cls = new StringBuilder("[");
                int j = 0;
                if (body.startsWith("!") || body.startsWith("^")) {
                    cls.append('^');
                    j = 1;
                }
                for (; j < body.length(); j++) {
                    char b = body.charAt(j);
                    if (b == '-' && j > 0 && j < body.length() - 1 || Character.isLetterOrDigit(b)) {
                        cls.append(b);
                    } else {
                        cls.append('\\').append(b);
                    }
                }
                re.append(cls).append(']');
                i = end;
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
