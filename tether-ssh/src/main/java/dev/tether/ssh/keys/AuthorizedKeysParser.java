package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;

import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses authorized_keys lines and their options as sshd(8) does (auth-options.c semantics):
 * options are applied left to right, option names are case-insensitive, values are double-quoted
 * with {@code \"} as the only escape, and an unknown or malformed option invalidates the line.
 */
final class AuthorizedKeysParser {
    private AuthorizedKeysParser() {
    }

    /** Longest host name in permitopen / permitlisten, as OpenSSH's NI_MAXHOST. */
    private static final int MAX_HOST = 1024;
    /** OpenSSH's SSH_TUNID_MAX. */
    private static final long MAX_TUNNEL = 0x7fffffffL - 2;

    /** One key line; null for a blank or comment line. */
    static AuthorizedKeys.AuthorizedKey parseLine(Path file, String source, int lineNo, String line, ZoneId zone)
            throws SshException {
        KnownHostsLines.Fields f = new KnownHostsLines.Fields(line);
        if (f.atEnd() || f.peek() == '#') {
            return null;
        }
        int start = f.position();
        String first = f.word();
        AuthorizedKeys.KeyOptions options = AuthorizedKeys.KeyOptions.NONE;
        String type;
        if (KnownHostsEntry.OPENSSH_KEY_TYPES.contains(first)) {
            type = first;
        } else {
            int[] end = new int[1];
            options = parseOptions(line, start, end, zone);
            f.seek(end[0]);
            type = f.word();
            if (type.isEmpty()) {
                throw new SshException("missing key type after the options");
            }
            if (!KnownHostsEntry.OPENSSH_KEY_TYPES.contains(type)) {
                throw new SshException("unknown key type " + SignatureAlgorithms.quote(type));
            }
        }
        String base64 = f.word();
        if (base64.isEmpty()) {
            throw new SshException("missing key after the key type " + type);
        }
        byte[] blob = KnownHostsEntry.decodeKey(type, base64);
        return new AuthorizedKeys.AuthorizedKey(file, source, lineNo, type, blob, f.rest(), options);
    }

    /** Parses a whole options string (as it appears before the key type). */
    static AuthorizedKeys.KeyOptions parseOptions(String s, ZoneId zone) throws SshException {
        int[] end = new int[1];
        AuthorizedKeys.KeyOptions o = parseOptions(s, 0, end, zone);
        if (end[0] != s.length()) {
            throw new SshException("unexpected text after the options: " + SignatureAlgorithms.quote(s.substring(end[0])));
        }
        return o;
    }

    /** Parses options starting at {@code pos}; {@code end[0]} receives the index after them. */
    static AuthorizedKeys.KeyOptions parseOptions(String s, int pos, int[] end, ZoneId zone) throws SshException {
        AuthorizedKeys.KeyOptions.Builder b = new AuthorizedKeys.KeyOptions.Builder();
        int i = pos;
        while (true) {
            int nameStart = i;
            while (i < s.length() && "=, \t".indexOf(s.charAt(i)) < 0) {
                i++;
            }
            String name = s.substring(nameStart, i);
            String lname = name.toLowerCase(Locale.ROOT);
            String value = null;
            if (i < s.length() && s.charAt(i) == '=') {
                i++;
                if (i >= s.length() || s.charAt(i) != '"') {
                    throw new SshException("option " + SignatureAlgorithms.quote(name) + ": missing start quote");
                }
                StringBuilder v = new StringBuilder();
                i++;
                while (i < s.length() && s.charAt(i) != '"') {
                    if (s.charAt(i) == '\\' && i + 1 < s.length() && s.charAt(i + 1) == '"') {
                        i++;
                    }
                    v.append(s.charAt(i++));
                }
                if (i >= s.length()) {
                    throw new SshException("option " + SignatureAlgorithms.quote(name) + ": missing end quote");
                }
                i++;
                value = v.toString();
            }
            if (name.isEmpty()) {
                throw new SshException("empty option");
            }
            apply(b, name, lname, value, zone);
            if (i >= s.length() || KnownHostsLines.isBlank(s.charAt(i))) {
                break;
            }
            if (s.charAt(i) != ',') {
                throw new SshException("unknown key option near " + SignatureAlgorithms.quote(s.substring(nameStart)));
            }
            i++;
            if (i >= s.length() || KnownHostsLines.isBlank(s.charAt(i))) {
                throw new SshException("unexpected end of options after a comma");
            }
        }
        end[0] = i;
        return b.build();
    }

    private static void apply(AuthorizedKeys.KeyOptions.Builder b, String name, String lname, String value, ZoneId zone)
            throws SshException {
        boolean flag = true;
        switch (lname) {
            case "restrict" -> b.restrict();
            case "cert-authority" -> b.certAuthority = true;
            case "pty" -> b.pty = true;
            case "no-pty" -> b.pty = false;
            case "port-forwarding" -> b.portForwarding = true;
            case "no-port-forwarding" -> b.portForwarding = false;
            case "agent-forwarding" -> b.agentForwarding = true;
            case "no-agent-forwarding" -> b.agentForwarding = false;
            case "x11-forwarding" -> b.x11 = true;
            case "no-x11-forwarding" -> b.x11 = false;
            case "user-rc" -> b.userRc = true;
            case "no-user-rc" -> b.userRc = false;
            case "touch-required" -> b.noTouchRequired = false;
            case "no-touch-required" -> b.noTouchRequired = true;
            case "verify-required" -> b.verifyRequired = true;
            default -> flag = false;
        }
        if (flag) {
            if (value != null) {
                throw new SshException("option " + SignatureAlgorithms.quote(name) + " takes no value");
            }
            return;
        }
        switch (lname) {
            case "command", "principals", "from", "expiry-time", "environment", "permitopen", "permitlisten", "tunnel" -> {
                if (value == null) {
                    throw new SshException("option " + SignatureAlgorithms.quote(name) + " needs a quoted value");
                }
            }
            default -> throw new SshException("unknown key option " + SignatureAlgorithms.quote(name));
        }
        switch (lname) {
            case "command" -> {
                if (b.command != null) {
                    throw new SshException("multiple \"command\" clauses");
                }
                b.command = value;
            }
            case "principals" -> {
                if (b.principals != null) {
                    throw new SshException("multiple \"principals\" clauses");
                }
                b.principals = List.of(value.split(",", -1));
            }
            case "from" -> {
                if (b.from != null) {
                    throw new SshException("multiple \"from\" clauses");
                }
                b.from = value;
            }
            case "expiry-time" -> {
                Instant t = parseExpiry(value, zone);
                if (b.expiry == null || t.isBefore(b.expiry)) {
                    b.expiry = t;
                }
            }
            case "environment" -> {
                int eq = value.indexOf('=');
                if (eq <= 0 || !value.substring(0, eq).chars().allMatch(AuthorizedKeysParser::isEnvNameChar)) {
                    throw new SshException("invalid environment string " + SignatureAlgorithms.quote(value));
                }
                // the first value of a name wins, as in sshd
                b.environment.putIfAbsent(value.substring(0, eq), value.substring(eq + 1));
            }
            case "permitopen" -> b.permitOpen.add(parsePermission(value, false));
            case "permitlisten" -> b.permitListen.add(parsePermission(value, true));
            case "tunnel" -> b.tunnel = parseTunnel(value);
            default -> throw new AssertionError(lname);
        }
    }

    private static boolean isEnvNameChar(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    }

    /**
     * {@code YYYYMMDD[Z]}, {@code YYYYMMDDHHMM[Z]} or {@code YYYYMMDDHHMMSS[Z]} (a trailing
     * {@code UTC} is accepted like {@code Z}); without the suffix the time is local to {@code zone}.
     */
    static Instant parseExpiry(String v, ZoneId zone) throws SshException {
        String s = v;
        boolean utc = false;
        if (s.length() > 1 && (s.endsWith("Z") || s.endsWith("z"))) {
            utc = true;
            s = s.substring(0, s.length() - 1);
        } else if (s.length() > 3 && s.regionMatches(true, s.length() - 3, "UTC", 0, 3)) {
            utc = true;
            s = s.substring(0, s.length() - 3);
        }
        if (!(s.length() == 8 || s.length() == 12 || s.length() == 14) || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new SshException("invalid expiry-time " + SignatureAlgorithms.quote(v)
                    + ": expected YYYYMMDD[Z], YYYYMMDDHHMM[Z] or YYYYMMDDHHMMSS[Z]");
        }
        try {
            LocalDateTime t = LocalDateTime.of(
                    Integer.parseInt(s.substring(0, 4)), Integer.parseInt(s.substring(4, 6)), Integer.parseInt(s.substring(6, 8)),
                    s.length() >= 12 ? Integer.parseInt(s.substring(8, 10)) : 0,
                    s.length() >= 12 ? Integer.parseInt(s.substring(10, 12)) : 0,
                    s.length() == 14 ? Integer.parseInt(s.substring(12, 14)) : 0);
            return t.atZone(utc ? ZoneOffset.UTC : zone).toInstant();
        } catch (DateTimeException e) {
            throw new SshException("invalid expiry-time " + SignatureAlgorithms.quote(v) + ": " + e.getMessage());
        }
    }

    /**
     * {@code host:port} or {@code [v6]:port} (permitlisten also takes a bare port, meaning any
     * host); the port may be {@code *}.
     */
    static AuthorizedKeys.HostPort parsePermission(String v, boolean listen) throws SshException {
        String what = listen ? "permitlisten" : "permitopen";
        String s = v;
        if (listen && s.indexOf(':') < 0 && s.indexOf('/') < 0) {
            s = "*:" + s;
        }
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || (s.charAt(close + 1) != ':' && s.charAt(close + 1) != '/')) {
                throw new SshException("invalid " + what + " " + SignatureAlgorithms.quote(v) + ": expected [address]:port");
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
        } else {
            int d = indexOfAny(s, ":/");
            if (d < 0) {
                throw new SshException("invalid " + what + " " + SignatureAlgorithms.quote(v) + ": expected host:port");
            }
            host = s.substring(0, d);
            port = s.substring(d + 1);
        }
        if (host.isEmpty() || host.length() > MAX_HOST) {
            throw new SshException("invalid " + what + " host name in " + SignatureAlgorithms.quote(v));
        }
        int p;
        if (port.equals("*")) {
            p = AuthorizedKeys.HostPort.ANY_PORT;
        } else {
            p = parsePort(port);
            if (p <= 0) {
                throw new SshException("invalid " + what + " port in " + SignatureAlgorithms.quote(v));
            }
        }
        return new AuthorizedKeys.HostPort(host, p);
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static int parsePort(String s) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        int p = Integer.parseInt(s);
        return p > 65535 ? -1 : p;
    }

    private static String parseTunnel(String v) throws SshException {
        if (v.equalsIgnoreCase("any")) {
            return "any";
        }
        if (!v.isEmpty() && v.length() <= 10 && v.chars().allMatch(c -> c >= '0' && c <= '9')
                && Long.parseLong(v) <= MAX_TUNNEL) {
            return Long.toString(Long.parseLong(v));
        }
        throw new SshException("invalid tunnel device " + SignatureAlgorithms.quote(v));
    }

    /** An ordered, first-wins environment map builder. */
    static Map<String, String> newEnvironment() {
        return new LinkedHashMap<>();
    }

    static <T> List<T> newList() {
        return new ArrayList<>();
    }
}
