package dev.tether.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * One forwarding as OpenSSH's {@code parse_forward} (readconf.c) reads it from {@code -L},
 * {@code -R}, {@code -D}, {@code -W} and the {@code LocalForward}, {@code RemoteForward} and
 * {@code DynamicForward} lines (whose two arguments are joined with a colon first, as ssh does):
 * up to four colon-separated fields, each optionally in square brackets (IPv6 addresses), a
 * backslash escaping the next character, and a field with a {@code /} in it a Unix socket path.
 * Forms: {@code [bind:]port:host:hostport}, {@code [bind:]port:/remote/socket},
 * {@code /local/socket:host:hostport}, {@code /local/socket:/remote/socket}, and for dynamic
 * forwarding (-D, -R without a target, -W) {@code [bind:]port} or a path.
 *
 * @param listenHost  the bind address as given (null: none given; "" or "*": all addresses)
 * @param listenPort  the port, or -1 with a {@code listenPath}
 * @param connectHost the target host, or null for a path target or dynamic forwarding
 * @param connectPort the target port, or -1
 * @param dynamic     no target: SOCKS (for -D and -R) or the host of -W in {@code listenHost}
 */
record ForwardSpec(String listenHost, int listenPort, String listenPath, String connectHost, int connectPort,
                   String connectPath, boolean dynamic) {

    /** Parses a spec; null when it is not a valid one (the caller prints ssh's message for the flag). */
    static ForwardSpec parse(String spec, boolean dynamic, boolean remote) {
        List<String> args = new ArrayList<>();
        List<Boolean> paths = new ArrayList<>();
        String cp = spec.stripLeading();
        int i = 0;
        while (args.size() < 4 && i < cp.length()) {
            int[] next = new int[1];
            Object[] field = field(cp, i, next);
            if (field == null) {
                return null;
            }
            args.add((String) field[0]);
            paths.add((Boolean) field[1]);
            i = next[0];
        }
        if (i < cp.length()) {
            return null; // trailing garbage
        }
        int n = args.size();
        String lh = null;
        String lpath = null;
        String ch = null;
        String cpath = null;
        int lp = -1;
        int cport = -1;
        switch (n) {
            case 1 -> {
                if (paths.get(0)) {
                    lpath = args.get(0);
                } else {
                    lp = port(args.get(0));
                }
            }
            case 2 -> {
                if (paths.get(0) && paths.get(1)) {
                    lpath = args.get(0);
                    cpath = args.get(1);
                } else if (paths.get(1)) {
                    lp = port(args.get(0));
                    cpath = args.get(1);
                } else {
                    lh = args.get(0);
                    lp = port(args.get(1));
                }
            }
            case 3 -> {
                if (paths.get(0)) {
                    lpath = args.get(0);
                    ch = args.get(1);
                    cport = port(args.get(2));
                } else if (paths.get(2)) {
                    lh = args.get(0);
                    lp = port(args.get(1));
                    cpath = args.get(2);
                } else {
                    lp = port(args.get(0));
                    ch = args.get(1);
                    cport = port(args.get(2));
                }
            }
            case 4 -> {
                lh = args.get(0);
                lp = port(args.get(1));
                ch = args.get(2);
                cport = port(args.get(3));
            }
            default -> {
                return null;
            }
        }
        if (dynamic) {
            if (n != 1 && n != 2) {
                return null;
            }
            // "host:port" of -W, or [bind:]port
            if (n == 2 && cpath != null) {
                return null;
            }
            ch = null;
            cport = -1;
        } else {
            if (n != 3 && n != 4 && cpath == null && lpath == null) {
                return null;
            }
            if (cport <= 0 && cpath == null) {
                return null;
            }
        }
        if ((lp < 0 && lpath == null) || (!remote && lp == 0 && lpath == null && !dynamic)) {
            return null;
        }
        if (!remote && dynamic && lp == 0) {
            return null;
        }
        return new ForwardSpec(lh, lpath != null ? -1 : lp, lpath, ch, cpath != null ? -1 : cport, cpath, dynamic);
    }

    /** One field from {@code at}: {text, isPath}, {@code next[0]} set past its colon; null when malformed. */
    private static Object[] field(String s, int at, int[] next) {
        boolean path = false;
        if (s.charAt(at) == '[') {
            int end = at + 1;
            while (end < s.length() && s.charAt(end) != ']') {
                path |= s.charAt(end) == '/';
                end++;
            }
            if (end >= s.length() || (end + 1 < s.length() && s.charAt(end + 1) != ':')) {
                return null;
            }
            next[0] = end + 1 < s.length() ? end + 2 : end + 1;
            return new Object[]{s.substring(at + 1, end), path};
        }
        StringBuilder b = new StringBuilder();
        int i = at;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\') {
                if (i + 1 >= s.length()) {
                    return null;
                }
                b.append(s.charAt(i + 1));
                i += 2;
                continue;
            }
            if (c == '/') {
                path = true;
            }
            if (c == ':') {
                i++;
                break;
            }
            b.append(c);
            i++;
        }
        next[0] = i;
        return new Object[]{b.toString(), path};
    }

    /** a2port: 0..65535, else -1. */
    private static int port(String s) {
        if (s.isEmpty() || s.length() > 5) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return -1;
            }
        }
        int p = Integer.parseInt(s);
        return p <= 65535 ? p : -1;
    }

    /** -R: a forward with a target, else remote dynamic forwarding. */
    static ForwardSpec parseRemote(String spec) {
        ForwardSpec f = parse(spec, false, true);
        return f != null ? f : parse(spec, true, true);
    }

    /** The target as ssh's messages print it: {@code host:port} or the path. */
    String target() {
        return connectPath != null ? connectPath : dynamic ? "socks" : connectHost + ":" + connectPort;
    }

    /** The listening side as ssh's messages print it. */
    String listen() {
        return listenPath != null ? listenPath : (listenHost != null ? listenHost + ":" : "") + listenPort;
    }
}
