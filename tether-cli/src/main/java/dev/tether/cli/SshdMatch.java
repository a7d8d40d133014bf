package dev.tether.cli;

import dev.tether.ssh.keys.HostPatterns;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One {@code Match} block of an sshd_config file: its criteria and the values of the keywords
 * that follow it, up to the next {@code Match} or the end of the file. As sshd_config(5): every
 * criterion of the line must match; {@code All} matches every login; the patterns are
 * comma-separated lists with {@code *}, {@code ?} and negation {@code !} (a login matching a
 * negated pattern does not match the criterion); {@code Address} entries may be CIDR networks.
 *
 * <p>Criteria: {@code User} (the login's user name, case-sensitive), {@code Address} (the
 * client's address), {@code Host} (matched against the address, as sshd does with
 * {@code UseDNS no}). {@code Group}, {@code LocalAddress}, {@code LocalPort} and {@code RDomain}
 * are refused at parse time rather than ignored, since a block that silently never matched would
 * leave out its restrictions.
 *
 * <p>For a login, a keyword takes its value from the first matching block that sets it, else
 * from the file's global section ({@link #resolve}), as sshd applies Match blocks over the
 * global settings. A block's own repeated keyword keeps its first value. Immutable once parsed
 * (the parser fills {@link #set}), and then safe to share between connections.
 */
final class SshdMatch {
    /** One {@code CRITERION PATTERNS} pair of a Match line, the criterion lower-cased. */
    record Criterion(String kind, String patterns) {
    }

    private final List<Criterion> criteria;
    private final Map<String, Object> values = new LinkedHashMap<>();

    private SshdMatch(List<Criterion> criteria) {
        this.criteria = List.copyOf(criteria);
    }

    /**
     * Reads the arguments of a {@code Match} line.
     *
     * @throws IllegalArgumentException what is wrong, for a FILE:LINE error
     */
    static SshdMatch parse(List<String> args) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("missing criteria (User, Address, Host or All)");
        }
        if (args.get(0).equalsIgnoreCase("all")) {
            if (args.size() > 1) {
                throw new IllegalArgumentException("'All' cannot be combined with other criteria");
            }
            return new SshdMatch(List.of());
        }
        List<Criterion> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i += 2) {
            String kind = args.get(i).toLowerCase(Locale.ROOT);
            switch (kind) {
                case "user", "address", "host" -> {
                    // known below
                }
                case "all" -> throw new IllegalArgumentException("'All' cannot be combined with other criteria");
                case "group", "localaddress", "localport", "rdomain" -> throw new IllegalArgumentException(
                        "Match " + args.get(i) + " is not supported (User, Address, Host and All are)");
                default -> throw new IllegalArgumentException("unknown criterion '" + args.get(i)
                        + "' (User, Address, Host and All are supported)");
            }
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException("missing patterns after " + args.get(i));
            }
            String patterns = args.get(i + 1);
            if (kind.equals("address") && HostPatterns.matchAddressList("0.0.0.0", patterns) == HostPatterns.Outcome.ERROR) {
                throw new IllegalArgumentException("bad address list '" + patterns + "'");
            }
            out.add(new Criterion(kind, patterns));
        }
        return new SshdMatch(out);
    }

    /** The block's criteria; empty for {@code All}. */
    List<Criterion> criteria() {
        return criteria;
    }

    /** Whether a login of {@code user} from {@code address} meets every criterion. */
    boolean matches(String user, String address) {
        for (Criterion c : criteria) {
            boolean ok = switch (c.kind()) {
                case "user" -> user != null && HostPatterns.matchList(user, c.patterns(), false) == HostPatterns.Outcome.MATCH;
                case "address" -> address != null
                        && HostPatterns.matchAddressList(address, c.patterns()) == HostPatterns.Outcome.MATCH;
                case "host" -> address != null && HostPatterns.matchList(address, c.patterns(), true) == HostPatterns.Outcome.MATCH;
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Records a keyword's value in this block; the block's first value of a keyword wins. */
    void set(String keyword, Object value) {
        values.putIfAbsent(keyword, value);
    }

    /** Whether this block sets the keyword (lower-case). */
    boolean sets(String keyword) {
        return values.containsKey(keyword);
    }

    /** The keyword (lower-case) to value map of this block. */
    Map<String, Object> values() {
        return Collections.unmodifiableMap(values);
    }

    /** Whether any of the blocks sets any of the keywords. */
    static boolean anySets(List<SshdMatch> blocks, Set<String> keywords) {
        return blocks.stream().anyMatch(b -> keywords.stream().anyMatch(b::sets));
    }

    /** The values of the blocks a login matches, the first block setting a keyword winning. */
    static Values resolve(List<SshdMatch> blocks, String user, String address) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (SshdMatch b : blocks) {
            if (b.matches(user, address)) {
                b.values.forEach(out::putIfAbsent);
            }
        }
        return new Values(out);
    }

    /** What the Match blocks say for one login. */
    record Values(Map<String, Object> map) {
        /** The value a matching block gave {@code keyword}, else {@code global} (the file's global value, or null). */
        @SuppressWarnings("unchecked")
        <T> T get(String keyword, T global) {
            return map.containsKey(keyword) ? (T) map.get(keyword) : global;
        }
    }
}
