package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;

import java.util.ArrayList;
import java.util.List;

/** Line and field splitting shared by the known_hosts and authorized_keys parsers. */
final class KnownHostsLines {
    private KnownHostsLines() {
    }

    /** Splits text into lines at {@code \n}, dropping a trailing {@code \r} from each line. */
    static List<String> split(String content) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < content.length()) {
            int nl = content.indexOf('\n', start);
            int end = nl < 0 ? content.length() : nl;
            int e = end > start && content.charAt(end - 1) == '\r' ? end - 1 : end;
            lines.add(content.substring(start, e));
            start = end + 1;
        }
        return lines;
    }

    /** One exception naming every bad line, each also attached as suppressed. */
    static SshException combine(String what, List<SshException> errors) {
        StringBuilder sb = new StringBuilder();
        sb.append(errors.size()).append(errors.size() == 1 ? " invalid line in " : " invalid lines in ").append(what).append(':');
        for (SshException e : errors) {
            sb.append("\n  ").append(e.getMessage());
        }
        SshException ex = new SshException(sb.toString(), errors.get(0));
        for (int i = 1; i < errors.size(); i++) {
            ex.addSuppressed(errors.get(i));
        }
        return ex;
    }

    static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    /** A cursor over a line's space- or tab-separated fields. */
    static final class Fields {
        private final String s;
        private int pos;

        Fields(String s) {
            this.s = s;
            skipBlanks();
        }

        private void skipBlanks() {
            while (pos < s.length() && isBlank(s.charAt(pos))) {
                pos++;
            }
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        char peek() {
            return s.charAt(pos);
        }

        int position() {
            return pos;
        }

        void seek(int p) {
            pos = p;
            skipBlanks();
        }

        String line() {
            return s;
        }

        /** The next field, or "" at the end. */
        String word() {
            int start = pos;
            while (pos < s.length() && !isBlank(s.charAt(pos))) {
                pos++;
            }
            String w = s.substring(start, pos);
            skipBlanks();
            return w;
        }

        /** The rest of the line, trimmed of blanks at the end. */
        String rest() {
            int end = s.length();
            while (end > pos && (isBlank(s.charAt(end - 1)) || s.charAt(end - 1) == '\r')) {
                end--;
            }
            String r = s.substring(Math.min(pos, end), end);
            pos = s.length();
            return r;
        }
    }
}
