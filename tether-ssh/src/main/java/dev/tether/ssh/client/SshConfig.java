package dev.tether.ssh.client;

import dev.tether.ssh.config.ConfigFiles;
import dev.tether.ssh.keys.HostPatterns;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * ssh_config(5) as OpenSSH's client reads it: {@code Keyword value} or {@code Keyword=value}
 * lines, keywords case-insensitive, arguments split on white space with double quotes; for each
 * keyword the first value obtained wins (so command-line {@code -o} options, applied first, win
 * over the files), except the keywords that accumulate, such as {@code IdentityFile}.
 * {@code Host} blocks apply when a pattern matches the host name given on the command line
 * ({@code *}, {@code ?}, {@code !} negation); {@code Match} supports {@code all}, {@code host},
 * {@code originalhost}, {@code user} and {@code localuser} (others never match);
 * {@code Include} reads files (globs, relative to {@code ~/.ssh}).
 *
 * <p>Values set before the files are read ({@link #setIfAbsent}, {@link #add},
 * {@link #applyOption}) act as ssh(1)'s command line: they win over the files.
 * {@link ClientSettings#of} turns the result into typed settings.
 *
 * <p>Threading: not thread-safe; one instance is built and read by one thread.
 */
public final class SshConfig {
    /** Keywords whose every occurrence adds values; the others keep their first value. */
    private static final Set<String> MULTI = Set.of("identityfile", "certificatefile", "localforward", "remoteforward",
            "dynamicforward", "sendenv", "setenv");

    /** Every keyword OpenSSH 9's client knows; the ones Tether ignores are accepted silently, as OpenSSH's own unsupported ones are. */
    private static final Set<String> KNOWN = Set.copyOf(List.of("host", "match", "include", "hostname", "port", "user",
            "identityfile", "identitiesonly", "identityagent", "userknownhostsfile", "globalknownhostsfile",
            "stricthostkeychecking", "connecttimeout", "serveraliveinterval", "serveralivecountmax", "batchmode",
            "preferredauthentications", "hostkeyalias", "loglevel", "numberofpasswordprompts", "requesttty",
            "remotecommand", "hashknownhosts", "pubkeyauthentication", "passwordauthentication",
            "kbdinteractiveauthentication", "challengeresponseauthentication", "ciphers", "macs", "kexalgorithms",
            "hostkeyalgorithms", "pubkeyacceptedalgorithms", "pubkeyacceptedkeytypes", "compression", "escapechar",
            "certificatefile", "sendenv", "setenv", "localforward", "remoteforward", "dynamicforward", "proxycommand",
            "proxyjump", "controlmaster", "controlpath", "controlpersist", "forwardagent", "forwardx11",
            "forwardx11trusted", "forwardx11timeout", "gssapiauthentication", "gssapidelegatecredentials",
            "gssapikeyexchange", "gssapiclientidentity", "gssapiserveridentity", "gssapirenewalforcesrekey",
            "gssapitrustdns", "gssapikexalgorithms",
            "hostbasedauthentication", "hostbasedacceptedalgorithms", "hostbasedkeytypes", "enablesshkeysign",
            "addkeystoagent", "addressfamily", "bindaddress", "bindinterface", "canonicaldomains",
            "canonicalizefallbacklocal", "canonicalizehostname", "canonicalizemaxdots", "canonicalizepermittedcnames",
            "casignaturealgorithms", "checkhostip", "clearallforwardings", "exitonforwardfailure", "fingerprinthash",
            "forkafterauthentication", "gatewayports", "ipqos", "kbdinteractivedevices", "knownhostscommand",
            "localcommand", "nohostauthenticationforlocalhost", "permitlocalcommand", "permitremoteopen",
            "pkcs11provider", "protocol", "proxyusefdpass", "rekeylimit", "requiredrsasize", "securitykeyprovider",
            "sessiontype", "stdinnull", "streamlocalbindmask", "streamlocalbindunlink", "syslogfacility",
            "tcpkeepalive", "tunnel", "tunneldevice", "updatehostkeys", "usekeychain", "verifyhostkeydns",
            "visualhostkey", "xauthlocation", "ignoreunknown", "logverbose", "enableescapecommandline",
            "channeltimeout", "obscurekeystroketiming", "tag", "useroaming", "rsaauthentication",
            "rhostsrsaauthentication", "compressionlevel", "cipher", "usedns", "serveralivecountmax",
            "connectionattempts", "hostkeyalgorithms", "revokedhostkeys", "usekeychain", "usepriviledgedport",
            "useprivilegedport", "pubkeyauthentication", "smartcarddevice", "permitremoteopen"));

    private static final int MAX_INCLUDE_DEPTH = 16;
    /** The most files Includes may read in all: a few files including each other twice would otherwise take 2^16 reads. */
    private static final int MAX_INCLUDES = 256;

    private final String originalHost;
    private final String localUser;
    private final Path home;
    private final Map<String, List<Value>> values = new LinkedHashMap<>();

    /** One value of a keyword and where it came from ({@code FILE line N}, or {@code command line}). */
    private record Value(String text, String origin) {
    }
    private final List<String> notes = new ArrayList<>();
    private String ignoreUnknown;
    /** The real paths of the files being read, outermost first: an Include of one of them is a loop. */
    private final java.util.Set<Path> reading = new java.util.HashSet<>();
    private int includes;
    /** The -F argument this configuration was read with (null: the default files), for jump hosts. */
    private String configFileOption;

    /**
     * A configuration for one destination, with nothing read yet.
     *
     * @param originalHost the host as given on the command line: {@code Host} patterns and {@code %n} see it as
     *                     given; the host name ({@code %h}, {@code Match host}) is lower-cased, as ssh(1) does
     * @param localUser    the local user name ({@code %u}, {@code Match localuser}, the default {@code User})
     * @param home         the local user's home directory ({@code ~}, {@code %d}, {@code ~/.ssh/config})
     */
    public SshConfig(String originalHost, String localUser, Path home) {
        this.originalHost = originalHost;
        this.localUser = localUser;
        this.home = home;
    }

    /**
     * The local user's home directory: what {@code ~} and {@code %d} expand to, and where
     * {@code ~/.ssh/config} is read from.
     *
     * @return the home directory given to the constructor
     */
    public Path home() {
        return home;
    }

    /**
     * The local user name: {@code %u}, what {@code Match localuser} matches, and the
     * {@code User} when none is set.
     *
     * @return the local user name given to the constructor
     */
    public String localUser() {
        return localUser;
    }

    /**
     * Reads the files ssh(1) reads: {@code configFile} (ssh's {@code -F}; {@code "none"} reads
     * no file at all), or when it is null {@code ~/.ssh/config} and then
     * {@code /etc/ssh/ssh_config}. Remembers the choice for jump hosts
     * ({@link #configFileOption()}). A missing {@code ~/.ssh/config} or
     * {@code /etc/ssh/ssh_config} is no error. Relative {@code Include} paths are resolved
     * against {@code ~/.ssh} ({@code /etc/ssh} for the system file).
     *
     * @param configFile the {@code -F} argument ({@code ~} expanded), {@code "none"}, or null for the
     *                   default files
     * @throws ConfigException if a file has a bad line, or {@code configFile} does not exist
     * @throws IOException     if a file that exists cannot be read
     */
    public void readFiles(String configFile) throws IOException {
        Path sshDir = home.resolve(".ssh");
        configFileOption(configFile);
        if (configFile != null) {
            if (!configFile.equalsIgnoreCase("none")) {
                readFile(Path.of(expandTilde(configFile)), true, sshDir);
            }
        } else {
            readFile(sshDir.resolve("config"), false, sshDir);
            readFile(SYSTEM_CONFIG, false, SYSTEM_CONFIG.getParent());
        }
    }

    /** The system-wide client configuration, read after the user's. */
    public static final Path SYSTEM_CONFIG = Path.of("/etc/ssh/ssh_config");

    /**
     * Expands a leading {@code ~} to {@link #home()}: the path {@code ~} alone or one starting
     * with {@code ~/}; other paths (including {@code ~user}) are returned as they are.
     *
     * @param path the path as written
     * @return the path with {@code ~} expanded
     */
    public String expandTilde(String path) {
        if (path.equals("~")) {
            return home.toString();
        }
        if (path.startsWith("~/")) {
            return home.resolve(path.substring(2)).toString();
        }
        return path;
    }

    /**
     * The host as given on the command line ({@code %n}), not lower-cased: what {@code Host}
     * patterns and {@code Match originalhost} are matched against.
     *
     * @return the host given to the constructor
     */
    public String originalHost() {
        return originalHost;
    }

    /**
     * The {@code -F} argument the files were read with; a jump host's configuration is read
     * from the same.
     *
     * @return the argument as given ({@code "none"} for no file), or null for the default files
     */
    public String configFileOption() {
        return configFileOption;
    }

    /**
     * Sets what {@link #configFileOption()} returns, without reading anything;
     * {@link #readFiles} sets it itself.
     *
     * @param file the {@code -F} argument, {@code "none"}, or null for the default files
     */
    public void configFileOption(String file) {
        this.configFileOption = file;
    }

    /**
     * Things worth saying with {@code -v}: unsupported {@code Match} criteria, unknown keywords
     * in files (those {@code IgnoreUnknown} does not cover).
     *
     * @return the notes, in the order found; this configuration's own list, not a copy
     */
    public List<String> notes() {
        return notes;
    }

    /**
     * The first value of a keyword: the first argument of the line that won, or for an
     * accumulating keyword the first value added.
     *
     * @param keyword the keyword, in any case
     * @return the value, or null if the keyword has none
     */
    public String get(String keyword) {
        List<Value> v = values.get(keyword.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? null : v.get(0).text();
    }

    /**
     * All arguments of a keyword: every argument of the line that won, or, for accumulating
     * keywords, of every line, in the order read.
     *
     * @param keyword the keyword, in any case
     * @return the arguments; empty if the keyword has none
     */
    public List<String> getAll(String keyword) {
        List<Value> v = values.get(keyword.toLowerCase(Locale.ROOT));
        return v == null ? List.of() : v.stream().map(Value::text).toList();
    }

    /**
     * Whether the keyword has a value from any source.
     *
     * @param keyword the keyword, in any case
     * @return true if it has been set on the command line or in a file
     */
    public boolean has(String keyword) {
        return values.containsKey(keyword.toLowerCase(Locale.ROOT));
    }

    /**
     * Sets a value from a command-line flag ({@code -l}, {@code -p}); nothing happens if the
     * keyword already has a value, as the first value wins for any source. Its origin is
     * {@code command line}.
     *
     * @param keyword the keyword, in any case
     * @param value   its value
     */
    public void setIfAbsent(String keyword, String value) {
        set(keyword.toLowerCase(Locale.ROOT), List.of(value), COMMAND_LINE);
    }

    /**
     * Adds a value from a command-line flag ({@code -i}) to an accumulating keyword, after the
     * values it already has. Its origin is {@code command line}.
     *
     * @param keyword the keyword, in any case
     * @param value   the value to add
     */
    public void add(String keyword, String value) {
        add(keyword.toLowerCase(Locale.ROOT), value, COMMAND_LINE);
    }

    private static final String COMMAND_LINE = "command line";

    private void set(String key, List<String> args, String origin) {
        if (!values.containsKey(key)) {
            values.put(key, new ArrayList<>(args.stream().map(a -> new Value(a, origin)).toList()));
        }
    }

    private void add(String key, String value, String origin) {
        values.computeIfAbsent(key, k -> new ArrayList<>()).add(new Value(value, origin));
    }

    /**
     * Where a keyword's value came from, as the start of an error message about it:
     * {@code "FILE line N: "} or {@code "command line: "}; {@code index} picks the value of an
     * accumulating keyword (0 for the others).
     *
     * @param keyword the keyword, in any case
     * @param index   which value of the keyword
     * @return the origin followed by {@code ": "}; {@code "command line: "} if the keyword has no
     *         such value
     */
    public String where(String keyword, int index) {
        List<Value> v = values.get(keyword.toLowerCase(Locale.ROOT));
        return (v == null || index >= v.size() ? COMMAND_LINE : v.get(index).origin()) + ": ";
    }

    /**
     * A {@code -o} option: one configuration line, in effect whatever the host (outside any
     * {@code Host} block); applied before the files are read, it wins over them. A blank option
     * or a comment is ignored. Keywords OpenSSH knows but Tether does not implement are accepted
     * and stored.
     *
     * @param option the line, {@code "Keyword value"} or {@code "Keyword=value"}
     * @throws ConfigException if the option has a NUL character, is {@code Host}, {@code Match}
     *                         or {@code Include}, names a keyword OpenSSH does not know, lacks
     *                         its argument, or has unbalanced quotes
     */
    public void applyOption(String option) throws ConfigException {
        if (option.indexOf('\0') >= 0) {
            throw new ConfigException("command-line line 0: NUL character in option");
        }
        String[] kv = splitKeyword(option.strip());
        if (kv == null) {
            return;
        }
        String key = kv[0].toLowerCase(Locale.ROOT);
        if (key.equals("host") || key.equals("match") || key.equals("include")) {
            throw new ConfigException("command-line line 0: " + kv[0] + " directive not supported as a command-line option");
        }
        if (!KNOWN.contains(key)) {
            throw new ConfigException("command-line: line 0: Bad configuration option: " + key);
        }
        store(key, arguments(key, kv[1], "command-line", 0), "command-line", 0);
    }

    /**
     * Reads a configuration file; a missing file is no error unless {@code required} (as for
     * {@code -F}). A keyword that already has a value keeps it; an accumulating keyword gets the
     * file's values after those it has.
     *
     * @param file        the file
     * @param required    whether a missing file is an error
     * @param includeBase the directory relative Include paths are resolved against
     * @throws ConfigException if the file (or a file it includes) has a bad line or a NUL
     *                         character or is larger than 1 MiB; if an {@code Include} names a
     *                         device, FIFO or socket, includes a file being read, nests more
     *                         than 16 deep or reads more than 256 files in all; or if
     *                         {@code file} is required and missing
     * @throws IOException     if a file that exists cannot be read
     */
    public void readFile(Path file, boolean required, Path includeBase) throws IOException {
        Path real = null;
        try {
            real = file.toRealPath();
            reading.add(real);
        } catch (IOException e) {
            // a missing file: readFile says so
        }
        try {
            readFile(file, required, includeBase, 0);
        } finally {
            if (real != null) {
                reading.remove(real);
            }
        }
    }

    private void readFile(Path file, boolean required, Path includeBase, int depth) throws IOException, ConfigException {
        List<String> lines;
        try {
            lines = ConfigFiles.readLines(file, false);
        } catch (NoSuchFileException e) {
            if (required) {
                throw new ConfigException("Can't open user config file " + file + ": No such file or directory");
            }
            return;
        } catch (ConfigFiles.BadFile e) {
            throw new ConfigException(file + (e.line > 0 ? " line " + e.line : "") + ": " + e.getMessage());
        }
        boolean active = true;
        int lineNo = 0;
        for (String raw : lines) {
            lineNo++;
            String[] kv = splitKeyword(raw.strip());
            if (kv == null) {
                continue;
            }
            String key = kv[0].toLowerCase(Locale.ROOT);
            List<String> args = arguments(key, kv[1], file.toString(), lineNo);
            switch (key) {
                case "host" -> {
                    if (args.isEmpty()) {
                        throw new ConfigException(file + " line " + lineNo + ": Missing argument.");
                    }
                    active = hostMatches(args);
                }
                case "match" -> active = matchMatches(args, file, lineNo);
                case "include" -> {
                    if (args.isEmpty()) {
                        throw new ConfigException(file + " line " + lineNo + ": Include missing filename argument");
                    }
                    if (active) {
                        for (String pattern : args) {
                            List<Path> found;
                            try {
                                found = glob(pattern, includeBase);
                            } catch (IllegalArgumentException e) {
                                // InvalidPathException, PatternSyntaxException
                                throw new ConfigException(file + " line " + lineNo + ": bad Include pattern \"" + pattern + "\": " + e.getMessage());
                            }
                            for (Path inc : found) {
                                include(inc, file, lineNo, includeBase, depth + 1);
                            }
                        }
                    }
                }
                default -> {
                    if (!KNOWN.contains(key)) {
                        if (ignoreUnknown != null && HostPatterns.matchList(key, ignoreUnknown, true) == HostPatterns.Outcome.MATCH) {
                            continue;
                        }
                        notes.add(file + ": line " + lineNo + ": Unsupported option \"" + kv[0] + "\"");
                        continue;
                    }
                    if (active) {
                        if (key.equals("ignoreunknown") && ignoreUnknown == null && !args.isEmpty()) {
                            ignoreUnknown = String.join(",", args);
                        }
                        store(key, args, file.toString(), lineNo);
                    }
                }
            }
        }
    }

    /**
     * An Include'd file: a regular file of at most {@link ConfigFiles#MAX_FILE} bytes; a missing file or a
     * directory (a glob's match) has no lines; a device, FIFO or socket is refused, never opened
     * ({@code Include /dev/zero} would never end, a FIFO would block).
     */
    private void include(Path inc, Path file, int lineNo, Path includeBase, int depth) throws IOException, ConfigException {
        if (depth > MAX_INCLUDE_DEPTH) {
            throw new ConfigException(file + " line " + lineNo + ": Include nested too deeply (more than " + MAX_INCLUDE_DEPTH + " levels)");
        }
        if (!Files.exists(inc) || Files.isDirectory(inc)) {
            return;
        }
        if (!Files.isRegularFile(inc)) {
            throw new ConfigException(file + " line " + lineNo + ": Include " + inc + ": not a regular file");
        }
        Path real = inc.toRealPath();
        if (reading.contains(real)) {
            throw new ConfigException(file + " line " + lineNo + ": Include " + inc + ": includes itself");
        }
        if (++includes > MAX_INCLUDES) {
            throw new ConfigException(file + " line " + lineNo + ": more than " + MAX_INCLUDES + " files included");
        }
        reading.add(real);
        try {
            readFile(inc, false, includeBase, depth);
        } finally {
            reading.remove(real);
        }
    }

    private void store(String key, List<String> args, String source, int lineNo) throws ConfigException {
        if (args.isEmpty()) {
            throw new ConfigException(source + " line " + lineNo + ": Missing argument.");
        }
        // forwarding: one spec per line, the two arguments joined with a colon as ssh does
        // (RemoteForward with one argument is remote dynamic forwarding); ProxyJump and
        // ProxyCommand compete: whichever comes first wins
        if (key.equals("localforward") || key.equals("remoteforward")) {
            if (args.size() < 2 && key.equals("localforward")) {
                throw new ConfigException(source + " line " + lineNo + ": Missing target argument.");
            }
            add(key, args.size() < 2 ? args.get(0) : args.get(0) + ":" + args.get(1), origin(source, lineNo));
            return;
        }
        if ((key.equals("proxyjump") && has("proxycommand")) || (key.equals("proxycommand") && has("proxyjump"))) {
            return;
        }
        if (MULTI.contains(key)) {
            for (String a : args) {
                add(key, a, origin(source, lineNo));
            }
        } else {
            set(key, args, origin(source, lineNo));
        }
    }

    private static String origin(String source, int lineNo) {
        return lineNo == 0 ? source : source + " line " + lineNo;
    }

    /** A {@code Host} line: any positive pattern matches and no negated one does. */
    private boolean hostMatches(List<String> patterns) {
        boolean positive = false;
        for (String p : patterns) {
            boolean negated = p.startsWith("!");
            String pat = negated ? p.substring(1) : p;
            // as OpenSSH's match_pattern_list with dolower: the pattern is lower-cased, the host is not
            if (HostPatterns.matchList(originalHost, pat.toLowerCase(Locale.ROOT), false) == HostPatterns.Outcome.MATCH) {
                if (negated) {
                    return false;
                }
                positive = true;
            }
        }
        return positive;
    }

    private boolean matchMatches(List<String> args, Path file, int lineNo) throws ConfigException {
        if (args.isEmpty()) {
            throw new ConfigException(file + " line " + lineNo + ": Missing Match criteria");
        }
        boolean result = true;
        for (int i = 0; i < args.size(); i++) {
            String crit = args.get(i);
            boolean negate = crit.startsWith("!");
            String c = (negate ? crit.substring(1) : crit).toLowerCase(Locale.ROOT);
            if (c.equals("all") || c.equals("canonical") || c.equals("final")) {
                boolean m = c.equals("all");
                if (c.equals("final")) {
                    m = true; // Tether reads the files once: the only pass is the final one
                }
                result &= negate != m;
                continue;
            }
            if (i + 1 >= args.size()) {
                throw new ConfigException(file + " line " + lineNo + ": Missing Match criteria for " + c);
            }
            String list = args.get(++i);
            boolean m;
            switch (c) {
                case "host" -> {
                    String h = get("hostname");
                    String name = (h != null ? expandHostName(h) : originalHost).toLowerCase(Locale.ROOT);
                    m = HostPatterns.matchList(name, list, true) == HostPatterns.Outcome.MATCH;
                }
                case "originalhost" -> m = HostPatterns.matchList(originalHost, list.toLowerCase(Locale.ROOT), false)
                        == HostPatterns.Outcome.MATCH;
                case "user" -> {
                    String u = get("user");
                    m = HostPatterns.matchList(u != null ? u : localUser, list, false) == HostPatterns.Outcome.MATCH;
                }
                case "localuser" -> m = HostPatterns.matchList(localUser, list, false) == HostPatterns.Outcome.MATCH;
                default -> {
                    notes.add(file + " line " + lineNo + ": Match " + c + " is not supported by tether; the block is skipped");
                    m = negate; // never matches, negated or not
                }
            }
            result &= negate != m;
        }
        return result;
    }

    /**
     * Expands HostName's tokens: {@code %h} is the host given on the command line, {@code %%}
     * a percent sign; any other {@code %} sequence is left as it is.
     *
     * @param hostName the {@code HostName} value
     * @return the value with its tokens expanded, not lower-cased
     */
    public String expandHostName(String hostName) {
        return hostName.replace("%%", "\u0000").replace("%h", originalHost).replace("\u0000", "%");
    }

    private List<Path> glob(String pattern, Path base) throws IOException {
        String expanded = expandTilde(pattern);
        Path p = Path.of(expanded);
        if (!p.isAbsolute()) {
            p = base.resolve(p);
        }
        if (!expanded.contains("*") && !expanded.contains("?") && !expanded.contains("[")) {
            return List.of(p);
        }
        Path dir = p.getParent();
        List<Path> out = new ArrayList<>();
        if (dir == null || !Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p.getFileName().toString())) {
            ds.forEach(out::add);
        }
        out.sort(null);
        return out;
    }

    /** A line's arguments: ProxyCommand's is the rest of the line as written, the others' are tokenized. */
    private static List<String> arguments(String key, String rest, String source, int lineNo) throws ConfigException {
        if (key.equals("proxycommand")) {
            return rest.isBlank() ? List.of() : List.of(rest.strip());
        }
        return tokenize(rest, source, lineNo);
    }

    /** {keyword, rest} of a line, or null for a blank line or a comment. */
    private static String[] splitKeyword(String line) {
        if (line.isEmpty() || line.startsWith("#")) {
            return null;
        }
        int i = 0;
        while (i < line.length() && !Character.isWhitespace(line.charAt(i)) && line.charAt(i) != '=') {
            i++;
        }
        String key = line.substring(0, i);
        String rest = line.substring(i).stripLeading();
        if (rest.startsWith("=")) {
            rest = rest.substring(1).stripLeading();
        }
        return new String[]{key, rest};
    }

    /**
     * Splits a line's arguments on white space, as OpenSSH does: double quotes group (and are
     * removed), a backslash escapes a double quote or a backslash, and an unquoted {@code #} at
     * the start of an argument starts a comment that runs to the end of the line.
     *
     * @param s      the arguments (the line after its keyword)
     * @param source where the line came from, for the error message
     * @param lineNo the line's number, for the error message
     * @return the arguments; empty for a blank line
     * @throws ConfigException if a double quote is not closed
     */
    public static List<String> tokenize(String s, String source, int lineNo) throws ConfigException {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c == '#') {
                break;
            }
            StringBuilder tok = new StringBuilder();
            boolean quoted = false;
            while (i < s.length() && (quoted || !Character.isWhitespace(s.charAt(i)))) {
                char ch = s.charAt(i);
                if (ch == '"') {
                    quoted = !quoted;
                } else if (ch == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == '"' || s.charAt(i + 1) == '\\')) {
                    tok.append(s.charAt(++i));
                } else {
                    tok.append(ch);
                }
                i++;
            }
            if (quoted) {
                throw new ConfigException(source + " line " + lineNo + ": invalid quotes");
            }
            out.add(tok.toString());
        }
        return out;
    }
}
