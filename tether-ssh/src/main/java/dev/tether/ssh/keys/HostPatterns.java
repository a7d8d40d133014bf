package dev.tether.ssh.keys;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * OpenSSH's pattern and address-list matching, as ssh_config(5) PATTERNS describes it and as
 * known_hosts, {@code from=} in authorized_keys, and the {@code source-address} certificate
 * option use it.
 *
 * <ul>
 *   <li>A <em>pattern</em> is a string where {@code *} matches zero or more characters and
 *       {@code ?} exactly one.</li>
 *   <li>A <em>pattern list</em> is a comma-separated list of patterns, each optionally negated
 *       with a leading {@code !}. A string matching a negated pattern makes the whole list fail,
 *       whatever else matches; a negated pattern never produces a match by itself. Host names
 *       are compared case-insensitively (ASCII only, as OpenSSH's {@code tolower}).</li>
 *   <li>An <em>address list</em> is a pattern list whose entries are preferably parsed as an IP
 *       address or CIDR network ({@code 192.168.0.0/16}, {@code 2001:db8::/32}); entries that are
 *       not addresses are matched as wildcard patterns against the address text. A network with
 *       bits set outside its mask, a mask longer than the address, or an empty entry is an error
 *       and makes the list fail closed.</li>
 * </ul>
 *
 * <p>Nothing here resolves names: address parsing only accepts numeric literals.
 */
public final class HostPatterns {
    private HostPatterns() {
    }

    /** The result of matching against a pattern list. */
    public enum Outcome {
        /** A positive pattern matched and no negated one did. */
        MATCH,
        /** Nothing matched. */
        NO_MATCH,
        /** A negated pattern matched: the list rejects the string. */
        NEGATED,
        /** The list is malformed (address lists only): treated as a failure. */
        ERROR
    }

    // ------------------------------------------------------------------ wildcard patterns

    /**
     * Whether {@code s} matches the single wildcard pattern {@code pattern} ({@code *} and
     * {@code ?}), case-sensitively. Runs in O(|s|·|pattern|) at worst.
     *
     * @param s       the string to match
     * @param pattern the pattern
     * @return whether the whole string matches
     */
    public static boolean wildcardMatch(String s, String pattern) {
        int si = 0;
        int pi = 0;
        int starP = -1;
        int starS = 0;
        while (si < s.length()) {
            if (pi < pattern.length() && pattern.charAt(pi) == '*') {
                starP = pi++;
                starS = si;
            } else if (pi < pattern.length() && (pattern.charAt(pi) == '?' || pattern.charAt(pi) == s.charAt(si))) {
                pi++;
                si++;
            } else if (starP >= 0) {
                pi = starP + 1;
                si = ++starS;
            } else {
                return false;
            }
        }
        while (pi < pattern.length() && pattern.charAt(pi) == '*') {
            pi++;
        }
        return pi == pattern.length();
    }

    /**
     * Matches {@code s} against a comma-separated pattern list (OpenSSH's match_pattern_list).
     *
     * @param ignoreCase lower-case (ASCII) both the string and the patterns before comparing
     * @param s           the string to match
     * @param patternList the patterns, comma-separated; a leading {@code !} negates one
     * @return the outcome: a negated match wins over a positive one
     */
    public static Outcome matchList(String s, String patternList, boolean ignoreCase) {
        String str = ignoreCase ? asciiLower(s) : s;
        boolean positive = false;
        int start = 0;
        while (start <= patternList.length()) {
            int comma = patternList.indexOf(',', start);
            int end = comma < 0 ? patternList.length() : comma;
            String sub = patternList.substring(start, end);
            boolean negated = sub.startsWith("!");
            if (negated) {
                sub = sub.substring(1);
            }
            if (ignoreCase) {
                sub = asciiLower(sub);
            }
            if (wildcardMatch(str, sub)) {
                if (negated) {
                    return Outcome.NEGATED;
                }
                positive = true;
            }
            if (comma < 0) {
                break;
            }
            start = comma + 1;
        }
        return positive ? Outcome.MATCH : Outcome.NO_MATCH;
    }

    /**
     * Whether a host name matches a pattern list, case-insensitively (OpenSSH's match_hostname).
     *
     * @param host        the host name
     * @param patternList the patterns, comma-separated; a leading {@code !} negates one
     * @return true if a positive pattern matches and no negated one does
     */
    public static boolean matchesHost(String host, String patternList) {
        return matchList(host, patternList, true) == Outcome.MATCH;
    }

    // ------------------------------------------------------------------ address lists

    /**
     * Matches an address against an address list (OpenSSH's addr_match_list): entries that parse
     * as an address or CIDR network are compared numerically, the others as wildcard patterns
     * against {@code address}'s text as {@link #format} writes it.
     *
     * @param address a numeric IPv4 or IPv6 literal; anything else never matches
     * @param list    the entries, comma-separated; a leading {@code !} negates one
     * @return the outcome; {@link Outcome#ERROR} for a malformed CIDR entry
     */
    public static Outcome matchAddressList(String address, String list) {
        byte[] addr = parseAddress(address);
        if (addr == null) {
            return Outcome.NO_MATCH;
        }
        String text = format(addr);
        Outcome result = Outcome.NO_MATCH;
        for (String entry : list.split(",", -1)) {
            boolean negated = entry.startsWith("!");
            String e = negated ? entry.substring(1) : entry;
            if (e.isEmpty()) {
                return Outcome.ERROR;
            }
            boolean found;
            Cidr net;
            try {
                net = Cidr.parse(e);
            } catch (IllegalArgumentException inconsistent) {
                return Outcome.ERROR;
            }
            if (net != null) {
                found = net.contains(addr);
            } else {
                found = wildcardMatch(text, e) || (!text.equals(address) && wildcardMatch(address, e));
            }
            if (found) {
                if (negated) {
                    return Outcome.NEGATED;
                }
                result = Outcome.MATCH;
            }
        }
        return result;
    }

    /**
     * Whether an address is inside a strict CIDR list, as OpenSSH checks a certificate's
     * {@code source-address} (addr_match_cidr_list): every entry must be an address or network
     * (no wildcards, no negation, no names); a malformed entry makes the whole list fail.
     *
     * @param address the address; null never matches
     * @param list    the addresses and networks, comma-separated; null never matches
     * @return true if the address is inside one entry and every entry is well-formed
     */
    public static boolean matchCidrList(InetAddress address, String list) {
        if (address == null || list == null) {
            return false;
        }
        byte[] addr = normalise(address.getAddress());
        boolean found = false;
        for (String entry : list.split(",", -1)) {
            if (entry.isEmpty() || entry.length() > 46 + 3 || !entry.chars().allMatch(HostPatterns::isCidrChar)) {
                return false;
            }
            Cidr net;
            try {
                net = Cidr.parse(entry);
            } catch (IllegalArgumentException inconsistent) {
                return false;
            }
            if (net == null) {
                return false;
            }
            found |= net.contains(addr);
        }
        return found;
    }

    /**
     * Whether {@code list} is a well-formed strict CIDR list (see {@link #matchCidrList}).
     *
     * @param list the list, or null
     * @return true if every comma-separated entry is an address or network with a consistent mask
     */
    public static boolean isValidCidrList(String list) {
        if (list == null) {
            return false;
        }
        for (String entry : list.split(",", -1)) {
            if (entry.isEmpty() || !entry.chars().allMatch(HostPatterns::isCidrChar)) {
                return false;
            }
            try {
                if (Cidr.parse(entry) == null) {
                    return false;
                }
            } catch (IllegalArgumentException inconsistent) {
                return false;
            }
        }
        return true;
    }

    /**
     * OpenSSH's match_host_and_ip, used for {@code from=}: the client is allowed if its canonical
     * host name or its address matches the list and neither matches a negated entry.
     *
     * @param host    the client's canonical host name, or null to use the address text (as sshd
     *                does with {@code UseDNS no})
     * @param address the client's address
     * @param patternList the {@code from=} patterns, comma-separated; a leading {@code !} negates one
     * @return whether the client is allowed
     */
    public static boolean matchHostAndAddress(String host, InetAddress address, String patternList) {
        if (address == null || patternList == null) {
            return false;
        }
        String ip = format(normalise(address.getAddress()));
        Outcome ipMatch = matchAddressList(ip, patternList);
        if (ipMatch == Outcome.ERROR || ipMatch == Outcome.NEGATED) {
            return false;
        }
        Outcome hostMatch = matchList(host == null ? ip : host, patternList, true);
        if (hostMatch == Outcome.NEGATED) {
            return false;
        }
        return hostMatch == Outcome.MATCH || ipMatch == Outcome.MATCH;
    }

    // ------------------------------------------------------------------ addresses

    /**
     * Parses a numeric IPv4 (dotted quad) or IPv6 literal into 4 or 16 bytes, without any name
     * lookup; IPv4-mapped IPv6 addresses become 4 bytes. Returns null if {@code s} is not one.
     *
     * @param s the text, or null
     * @return the address bytes, or null
     */
    public static byte[] parseAddress(String s) {
        if (s == null || s.isEmpty() || s.length() > 45) {
            return null;
        }
        if (s.indexOf(':') < 0) {
            return parseIpv4(s);
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                return null;
            }
        }
        if (s.charAt(0) != ':' && Character.digit(s.charAt(0), 16) < 0) {
            return null;
        }
        try {
            // only hex digits, colons and dots reach here, starting with a hex digit or a colon:
            // the JDK parses such a string as a literal and never looks it up
            InetAddress a = InetAddress.getByName(s);
            if (!(a instanceof Inet6Address) && !(a instanceof Inet4Address)) {
                return null;
            }
            return normalise(a.getAddress());
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static byte[] parseIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    /** IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}) to 4 bytes, as sshd normalises client addresses. */
    static byte[] normalise(byte[] a) {
        if (a.length == 16) {
            for (int i = 0; i < 10; i++) {
                if (a[i] != 0) {
                    return a;
                }
            }
            if (a[10] == (byte) 0xff && a[11] == (byte) 0xff) {
                return Arrays.copyOfRange(a, 12, 16);
            }
        }
        return a;
    }

    /**
     * The address text OpenSSH prints: dotted quad, or RFC 5952 compressed lower-case IPv6.
     *
     * @param address the address
     * @return the text
     */
    public static String format(InetAddress address) {
        return format(normalise(address.getAddress()));
    }

    static String format(byte[] a) {
        if (a.length == 4) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) {
            w[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (w[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && w[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) {
            bestStart = -1;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(w[i]));
        }
        return sb.toString();
    }

    private static boolean isCidrChar(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' || c == ':' || c == '/';
    }

    /** ASCII-only lower case, as C's tolower in the C locale. */
    static String asciiLower(String s) {
        char[] c = null;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch >= 'A' && ch <= 'Z') {
                if (c == null) {
                    c = s.toCharArray();
                }
                c[i] = (char) (ch + ('a' - 'A'));
            }
        }
        return c == null ? s : new String(c);
    }

    /**
     * An address with a prefix length; a plain address is a /32 or /128.
     *
     * @param network    the network address, 4 or 16 bytes
     * @param maskLength the prefix length, 0 to 32 or 0 to 128
     */
    public record Cidr(byte[] network, int maskLength) {
        /**
         * Copies the address in.
         *
         * @param network    the network address, 4 or 16 bytes
         * @param maskLength the prefix length
         */
        public Cidr {
            network = network.clone();
        }

        /**
         * The network address bytes (a copy).
         *
         * @return a copy of the bytes
         */
        @Override
        public byte[] network() {
            return network.clone();
        }

        /**
         * Parses {@code address[/len]}. Returns null if it is not an address at all (so it may be
         * a wildcard pattern instead).
         *
         * @param s the text, e.g. {@code 10.0.0.0/8}, {@code ::1} or {@code 192.0.2.7}
         * @return the network, or null if {@code s} is not an address
         * @throws IllegalArgumentException if it is an address but the mask is too long for its
         *                                  family or bits are set outside the mask (OpenSSH's
         *                                  "inconsistent mask length")
         */
        public static Cidr parse(String s) {
            String addrPart = s;
            int len = -1;
            int slash = s.indexOf('/');
            if (slash >= 0) {
                addrPart = s.substring(0, slash);
                String m = s.substring(slash + 1);
                if (m.isEmpty() || m.length() > 3 || !m.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    return null;
                }
                len = Integer.parseInt(m);
                if (len > 128) {
                    return null;
                }
            }
            byte[] a = parseAddress(addrPart);
            if (a == null) {
                return null;
            }
            int max = a.length * 8;
            if (len < 0) {
                len = max;
            }
            if (len > max) {
                throw new IllegalArgumentException("mask length " + len + " is too long for " + addrPart);
            }
            for (int bit = len; bit < max; bit++) {
                if ((a[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                    throw new IllegalArgumentException(s + " has bits set outside its /" + len + " mask");
                }
            }
            return new Cidr(a, len);
        }

        /**
         * Whether the address (4 or 16 bytes) lies inside this network; families never mix.
         *
         * @param address the address bytes; an IPv4-mapped IPv6 address counts as IPv4
         * @return whether it is inside the network
         */
        public boolean contains(byte[] address) {
            byte[] a = normalise(address);
            if (a.length != network.length) {
                return false;
            }
            int full = maskLength / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = maskLength % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (a[full] & mask) == (network[full] & mask);
        }

        /**
         * Whether the address lies inside this network; families never mix.
         *
         * @param address the address
         * @return whether it is inside the network
         */
        public boolean contains(InetAddress address) {
            return contains(address.getAddress());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Cidr c && c.maskLength == maskLength && Arrays.equals(c.network, network);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(network) * 31 + maskLength;
        }

        @Override
        public String toString() {
            return format(network) + "/" + maskLength;
        }
    }
}
