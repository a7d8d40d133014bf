package dev.tether.ssh.client;

import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.keys.HostPatterns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * What ssh(1) settles on for one destination, typed: {@link #of} turns an {@link SshConfig}
 * (command-line values and the files read) into these settings, with OpenSSH's defaults for what
 * is not set and its {@code %} tokens and {@code ~} expanded in paths. {@link SshClient} connects
 * with them and {@code tether ssh -G} prints them, so the library and the CLI cannot disagree.
 *
 * @param originalHost        the host as given ({@code %n})
 * @param hostName            {@code HostName} ({@code %h}), or the original host; lower-cased
 * @param port                {@code Port} (22)
 * @param user                {@code User}, or the local user
 * @param identityFiles       {@code IdentityFile}s, expanded; OpenSSH's default list when none is set
 * @param certificateFiles    {@code CertificateFile}s, expanded
 * @param identitiesOnly      {@code IdentitiesOnly}: offer only the agent keys that are also identity files
 * @param identityAgent       {@code IdentityAgent}: a socket path, {@code SSH_AUTH_SOCK} (the default),
 *                            {@code $VARIABLE}, or {@code none}
 * @param knownHosts          {@code UserKnownHostsFile}s: new keys are written to the first
 * @param globalKnownHosts    {@code GlobalKnownHostsFile}s, read only
 * @param strictHostKeyChecking {@code StrictHostKeyChecking} ({@code ask})
 * @param hashKnownHosts      {@code HashKnownHosts}: hash the names of keys added
 * @param hostKeyAlias        {@code HostKeyAlias}, or null
 * @param connectTimeout      {@code ConnectTimeout}, or null when unset ({@link SshClient.Builder#timeout} applies then)
 * @param serverAliveInterval {@code ServerAliveInterval} (zero: off)
 * @param serverAliveCountMax {@code ServerAliveCountMax} (3)
 * @param batchMode           {@code BatchMode}: never ask a person
 * @param preferredAuthentications {@code PreferredAuthentications}, in order
 * @param pubkeyAuthentication {@code PubkeyAuthentication}
 * @param passwordAuthentication {@code PasswordAuthentication}
 * @param kbdInteractiveAuthentication {@code KbdInteractiveAuthentication}
 * @param numberOfPasswordPrompts {@code NumberOfPasswordPrompts} (3)
 * @param ciphers             {@code Ciphers} applied to Tether's defaults ({@code +}, {@code -}, {@code ^} or a list)
 * @param macs                {@code MACs}, likewise
 * @param kexAlgorithms       {@code KexAlgorithms}, likewise
 * @param hostKeyAlgorithms   {@code HostKeyAlgorithms}, likewise; null when not set (the client
 *                            then prefers the types known for the host, as ssh(1) does)
 * @param compression         {@code Compression}
 * @param proxyJump           {@code ProxyJump}, or null ({@code none} is null)
 * @param proxyCommand        {@code ProxyCommand}, or null ({@code none} is null)
 * @param logLevel            {@code LogLevel}, upper case ({@code INFO})
 * @param requestTty          {@code RequestTTY}, lower case ({@code auto})
 * @param remoteCommand       {@code RemoteCommand}, or null
 * @param escapeChar          {@code EscapeChar}, or null for none
 * @param setEnv              {@code SetEnv} assignments
 * @param sendEnv             {@code SendEnv} patterns
 * @param config              the configuration these came from, for keywords not typed here
 */
public record ClientSettings(String originalHost, String hostName, int port, String user, List<Path> identityFiles,
                             List<Path> certificateFiles, boolean identitiesOnly, String identityAgent,
                             List<Path> knownHosts, List<Path> globalKnownHosts,
                             StrictHostKeyChecking strictHostKeyChecking, boolean hashKnownHosts, String hostKeyAlias,
                             Duration connectTimeout, Duration serverAliveInterval, int serverAliveCountMax,
                             boolean batchMode, List<String> preferredAuthentications, boolean pubkeyAuthentication,
                             boolean passwordAuthentication, boolean kbdInteractiveAuthentication,
                             int numberOfPasswordPrompts, List<String> ciphers, List<String> macs,
                             List<String> kexAlgorithms, List<String> hostKeyAlgorithms, boolean compression,
                             String proxyJump, String proxyCommand, String logLevel, String requestTty,
                             String remoteCommand, Character escapeChar, List<String> setEnv, List<String> sendEnv,
                             SshConfig config) {
    private static final List<String> DEFAULT_PREFERRED = List.of("publickey", "keyboard-interactive", "password");
    /** OpenSSH's default identity files, in its order; the types Tether cannot load are skipped when offered. */
    static final List<String> DEFAULT_IDENTITIES = List.of("id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519",
            "id_ed25519_sk", "id_xmss", "id_dsa");

    /**
     * Settings with these values, as they are: nothing is checked, defaulted or expanded here
     * ({@link #of} does that). The lists are copied, so that the settings are immutable; every
     * list but {@code hostKeyAlgorithms} must be non-null and hold no null.
     *
     * @param originalHost             the host as given ({@code %n})
     * @param hostName                 the host name to connect to ({@code HostName}, {@code %h})
     * @param port                     the port to connect to
     * @param user                     the user to log in as
     * @param identityFiles            the identity files to offer, in order
     * @param certificateFiles         the certificate files to offer with them
     * @param identitiesOnly           whether to offer only the agent keys that are also identity files
     * @param identityAgent            the agent socket: a path, {@code SSH_AUTH_SOCK}, {@code $VARIABLE} or
     *                                 {@code none}
     * @param knownHosts               the UserKnownHostsFiles; new keys are written to the first
     * @param globalKnownHosts         the GlobalKnownHostsFiles, read only
     * @param strictHostKeyChecking    what to do with unknown and changed host keys
     * @param hashKnownHosts           whether to hash the names of keys added to known_hosts
     * @param hostKeyAlias             the name host keys are looked up and stored under, or null for the host's
     * @param connectTimeout           the deadline for reaching the host and the handshake, or null for the
     *                                 builder's
     * @param serverAliveInterval      the keepalive interval; zero for none
     * @param serverAliveCountMax      {@code ServerAliveCountMax}: keepalives unanswered before {@link SshClient} gives up on the server
     * @param batchMode                whether never to ask a person anything
     * @param preferredAuthentications the authentication methods to try, in order
     * @param pubkeyAuthentication     whether {@code publickey} authentication may be used
     * @param passwordAuthentication   whether {@code password} authentication may be used
     * @param kbdInteractiveAuthentication whether {@code keyboard-interactive} authentication may be used
     * @param numberOfPasswordPrompts  how many times a password or keyboard-interactive answers are asked for
     * @param ciphers                  the ciphers to offer, in order
     * @param macs                     the MACs to offer, in order
     * @param kexAlgorithms            the key exchange algorithms to offer, in order
     * @param hostKeyAlgorithms        the host key algorithms to offer, in order, or null for Tether's defaults
     *                                 with the types known for the host first
     * @param compression              whether to prefer compression ({@code zlib@openssh.com}) to none
     * @param proxyJump                the {@code ProxyJump} hops, comma-separated, or null
     * @param proxyCommand             the {@code ProxyCommand}, or null
     * @param logLevel                 the {@code LogLevel}, upper case
     * @param requestTty               the {@code RequestTTY} value, lower case
     * @param remoteCommand            the {@code RemoteCommand}, or null
     * @param escapeChar               the escape character, or null for none
     * @param setEnv                   the {@code SetEnv} assignments ({@code NAME=value})
     * @param sendEnv                  the {@code SendEnv} patterns
     * @param config                   the configuration these came from
     * @throws NullPointerException if a list other than {@code hostKeyAlgorithms} is null or holds a null
     */
    public ClientSettings {
        identityFiles = List.copyOf(identityFiles);
        certificateFiles = List.copyOf(certificateFiles);
        knownHosts = List.copyOf(knownHosts);
        globalKnownHosts = List.copyOf(globalKnownHosts);
        preferredAuthentications = List.copyOf(preferredAuthentications);
        ciphers = List.copyOf(ciphers);
        macs = List.copyOf(macs);
        kexAlgorithms = List.copyOf(kexAlgorithms);
        hostKeyAlgorithms = hostKeyAlgorithms == null ? null : List.copyOf(hostKeyAlgorithms);
        setEnv = List.copyOf(setEnv);
        sendEnv = List.copyOf(sendEnv);
    }

    /**
     * The settings of a configuration whose files have been read ({@link SshConfig#readFiles}):
     * each keyword's value, or OpenSSH's default when it has none, with the {@code %} tokens and
     * a leading {@code ~} expanded in the paths (identity, certificate and known_hosts files, and
     * {@code IdentityAgent}).
     *
     * @param cfg the configuration, with the command-line values set and the files read
     * @return the typed settings, which keep {@code cfg} as {@link #config()}
     * @throws ConfigException if a value is malformed (a port, a boolean, a number, a time, a log
     *                         level, an escape character or a {@code StrictHostKeyChecking} value;
     *                         the message then names where the value came from), or a path has a
     *                         {@code %} token ssh_config does not define
     */
    public static ClientSettings of(SshConfig cfg) throws ConfigException {
        // ssh(1) lower-cases the host name after HostName's %h is expanded with the host as given
        String hostName = (cfg.get("hostname") != null ? cfg.expandHostName(cfg.get("hostname")) : cfg.originalHost())
                .toLowerCase(Locale.ROOT);
        int p = parsePort(cfg.get("port") != null ? cfg.get("port") : "22", cfg.where("port", 0));
        String u = cfg.get("user") != null ? cfg.get("user") : cfg.localUser();
        String jump = noneIsNull(cfg.get("proxyjump"));
        String alias = cfg.get("hostkeyalias");
        Tokens tokens = new Tokens(hostName, cfg.originalHost(), p, u, cfg.localUser(), cfg.home(),
                alias != null ? alias : hostName, jump == null ? "" : jump);

        List<Path> ids = paths(cfg, tokens, "identityfile", List.of(), false);
        if (ids.isEmpty()) {
            for (String name : DEFAULT_IDENTITIES) {
                ids.add(cfg.home().resolve(".ssh").resolve(name));
            }
        }
        List<Path> certs = paths(cfg, tokens, "certificatefile", List.of(), false);
        List<Path> known = paths(cfg, tokens, "userknownhostsfile", List.of("~/.ssh/known_hosts", "~/.ssh/known_hosts2"), true);
        List<Path> global = paths(cfg, tokens, "globalknownhostsfile",
                List.of("/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"), false);
        String strictValue = cfg.get("stricthostkeychecking") != null ? cfg.get("stricthostkeychecking") : "ask";
        StrictHostKeyChecking strict = StrictHostKeyChecking.parse(strictValue);
        if (strict == null) {
            throw new ConfigException(cfg.where("stricthostkeychecking", 0) + "unsupported option \"stricthostkeychecking\" value \"" + strictValue + "\"");
        }
        List<String> preferred = new ArrayList<>();
        String pref = cfg.get("preferredauthentications");
        for (String m : (pref != null ? List.of(pref.split(",")) : DEFAULT_PREFERRED)) {
            if (!m.isBlank()) {
                preferred.add(m.strip());
            }
        }
        String logLevel = cfg.get("loglevel") != null ? cfg.get("loglevel").toUpperCase(Locale.ROOT) : "INFO";
        if (!List.of("QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG1", "DEBUG2", "DEBUG3").contains(logLevel)) {
            throw new ConfigException(cfg.where("loglevel", 0) + "unsupported log level '" + cfg.get("loglevel") + "'");
        }
        String esc = cfg.get("escapechar");
        Character escape = '~';
        if (esc != null) {
            if (esc.equalsIgnoreCase("none")) {
                escape = null;
            } else if (esc.length() == 2 && esc.charAt(0) == '^') {
                escape = (char) (esc.charAt(1) & 0x1f);
            } else if (esc.length() == 1) {
                escape = esc.charAt(0);
            } else {
                throw new ConfigException(cfg.where("escapechar", 0) + "Bad escape character '" + esc + "'.");
            }
        }
        String agent = cfg.get("identityagent");
        if (agent == null) {
            agent = "SSH_AUTH_SOCK";
        } else if (!agent.equalsIgnoreCase("none") && !agent.equals("SSH_AUTH_SOCK")) {
            agent = agent.startsWith("$") ? agent : tokens.expand(agent, cfg, "identityagent", 0);
        }
        String requestTty = cfg.get("requesttty") != null ? cfg.get("requesttty").toLowerCase(Locale.ROOT) : "auto";
        TransportConfig defaults = TransportConfig.defaults();
        List<String> hostKeyAlgorithms = cfg.get("hostkeyalgorithms") == null ? null
                : algorithms(cfg, "hostkeyalgorithms", defaults.hostKeyAlgorithms());
        return new ClientSettings(cfg.originalHost(), hostName, p, u, ids, certs, yes(cfg, "identitiesonly", false),
                agent, known, global, strict, yes(cfg, "hashknownhosts", false), alias,
                seconds(cfg, "connecttimeout", null), seconds(cfg, "serveraliveinterval", Duration.ZERO),
                number(cfg, "serveralivecountmax", 3), yes(cfg, "batchmode", false), preferred,
                yes(cfg, "pubkeyauthentication", true), yes(cfg, "passwordauthentication", true),
                yes(cfg, "kbdinteractiveauthentication", yes(cfg, "challengeresponseauthentication", true)),
                number(cfg, "numberofpasswordprompts", 3), algorithms(cfg, "ciphers", defaults.ciphers()),
                algorithms(cfg, "macs", defaults.macs()), algorithms(cfg, "kexalgorithms", defaults.kexAlgorithms()),
                hostKeyAlgorithms, yes(cfg, "compression", false), jump, noneIsNull(cfg.get("proxycommand")),
                logLevel, requestTty, cfg.get("remotecommand"), escape, cfg.getAll("setenv"), cfg.getAll("sendenv"), cfg);
    }

    /**
     * Whether {@code LogLevel} is {@code QUIET}, {@code FATAL} or {@code ERROR}: no warnings.
     *
     * @return true if warnings (and the server's banner) are not to be shown
     */
    public boolean quiet() {
        return logLevel.equals("QUIET") || logLevel.equals("FATAL") || logLevel.equals("ERROR");
    }

    /**
     * Whether {@code LogLevel} is one of the {@code DEBUG} levels.
     *
     * @return true for {@code DEBUG}, {@code DEBUG1}, {@code DEBUG2} and {@code DEBUG3}
     */
    public boolean debug() {
        return logLevel.startsWith("DEBUG");
    }

    /**
     * A boolean keyword's value: {@code yes} or {@code true}, {@code no} or {@code false} (any
     * case), or {@code def} when the keyword is not set.
     *
     * @param cfg the configuration to read
     * @param key the keyword, lower case
     * @param def the value when the keyword is not set
     * @return the keyword's value as a boolean
     * @throws ConfigException for any other value, naming where it came from
     */
    public static boolean yes(SshConfig cfg, String key, boolean def) throws ConfigException {
        String v = cfg.get(key);
        if (v == null) {
            return def;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "yes", "true" -> true;
            case "no", "false" -> false;
            default -> throw new ConfigException(cfg.where(key, 0) + "unsupported option \"" + key + "\" value \"" + v + "\"");
        };
    }

    /**
     * A path keyword's values ({@code defaults} when it has none), tokens and {@code ~} expanded;
     * {@code none} is left out, or is /dev/null when {@code noneIsDevNull}.
     */
    private static List<Path> paths(SshConfig cfg, Tokens tokens, String key, List<String> defaults, boolean noneIsDevNull)
            throws ConfigException {
        List<String> values = cfg.getAll(key);
        if (values.isEmpty()) {
            values = defaults;
        }
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            String f = values.get(i);
            if (!f.equalsIgnoreCase("none")) {
                out.add(Path.of(tokens.expand(f, cfg, key, i)));
            } else if (noneIsDevNull) {
                out.add(Path.of("/dev/null"));
            }
        }
        return out;
    }

    private static String noneIsNull(String v) {
        return v == null || v.equalsIgnoreCase("none") ? null : v;
    }

    private static int parsePort(String s, String where) throws ConfigException {
        try {
            int p = Integer.parseInt(s.strip());
            if (p > 0 && p < 65536) {
                return p;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ConfigException(where + "Bad port '" + s + "'.");
    }

    private static Duration seconds(SshConfig cfg, String key, Duration none) throws ConfigException {
        String s = cfg.get(key);
        if (s == null || s.equalsIgnoreCase("none")) {
            return none;
        }
        try {
            long n = Long.parseLong(s.strip());
            return n <= 0 ? none : Duration.ofSeconds(n);
        } catch (NumberFormatException e) {
            throw new ConfigException(cfg.where(key, 0) + "invalid time value \"" + s + "\".");
        }
    }

    private static int number(SshConfig cfg, String key, int def) throws ConfigException {
        String s = cfg.get(key);
        if (s == null) {
            return def;
        }
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(cfg.where(key, 0) + "invalid number \"" + s + "\".");
        }
    }

    private static List<String> algorithms(SshConfig cfg, String key, List<String> defaults) throws ConfigException {
        try {
            return algorithms(cfg.get(key), defaults);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(cfg.where(key, 0) + e.getMessage());
        }
    }

    /**
     * An algorithm list option as ssh_config(5) defines it: a comma-separated replacement list,
     * or {@code +} (append the names not already there), {@code -} (remove the names that match,
     * wildcards {@code *} and {@code ?} allowed) or {@code ^} (put the names first) applied to
     * {@code defaults}. The names are not checked against the algorithms Tether knows.
     *
     * @param spec     the option's value, or null
     * @param defaults the list the operators apply to
     * @return the resulting list; {@code defaults} itself when {@code spec} is null or empty
     */
    public static List<String> algorithms(String spec, List<String> defaults) {
        if (spec == null || spec.isEmpty()) {
            return defaults;
        }
        char op = spec.charAt(0);
        List<String> names = new ArrayList<>();
        for (String n : (op == '+' || op == '-' || op == '^' ? spec.substring(1) : spec).split(",")) {
            if (!n.isBlank()) {
                names.add(n.strip());
            }
        }
        List<String> out = new ArrayList<>();
        switch (op) {
            case '+' -> {
                out.addAll(defaults);
                names.stream().filter(n -> !out.contains(n)).forEach(out::add);
            }
            case '-' -> defaults.stream()
                    .filter(d -> names.stream().noneMatch(n -> HostPatterns.wildcardMatch(d, n))).forEach(out::add);
            case '^' -> {
                out.addAll(names);
                defaults.stream().filter(d -> !names.contains(d)).forEach(out::add);
            }
            default -> out.addAll(names);
        }
        return out;
    }

    /**
     * ssh_config's {@code %} tokens for paths (ssh_config(5) TOKENS): {@code %%}, {@code %C},
     * {@code %d}, {@code %h}, {@code %i}, {@code %j}, {@code %k}, {@code %L}, {@code %l},
     * {@code %n}, {@code %p}, {@code %r}, {@code %u}; then a leading {@code ~}.
     */
    record Tokens(String hostName, String originalHost, int port, String user, String localUser, Path home,
                  String hostKeyAlias, String proxyJump) {
        /** {@code s} expanded; an unknown token is an error naming where {@code key}'s value {@code index} came from. */
        String expand(String s, SshConfig cfg, String key, int index) throws ConfigException {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c != '%') {
                    b.append(c);
                    continue;
                }
                if (i + 1 >= s.length()) {
                    throw new ConfigException(cfg.where(key, index) + "invalid format string \"" + s + "\": a % at the end");
                }
                char t = s.charAt(++i);
                switch (t) {
                    case '%' -> b.append('%');
                    case 'h' -> b.append(hostName);
                    case 'n' -> b.append(originalHost);
                    case 'p' -> b.append(port);
                    case 'r' -> b.append(user);
                    case 'u' -> b.append(localUser);
                    case 'd' -> b.append(home);
                    case 'k' -> b.append(hostKeyAlias);
                    case 'j' -> b.append(proxyJump);
                    case 'i' -> b.append(uid());
                    case 'C' -> b.append(connectionHash());
                    case 'l', 'L' -> b.append(localHostName(t == 'L'));
                    default -> throw new ConfigException(cfg.where(key, index) + "unknown key %" + t + " in \"" + s + "\"");
                }
            }
            return cfg.expandTilde(b.toString());
        }

        /** {@code %C}: the SHA-1 hash of {@code %l%h%p%r%j}, as ssh(1) makes it for ControlPath. */
        private String connectionHash() {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-1");
                byte[] h = md.digest((localHostName(false) + hostName + port + user + proxyJump).getBytes(StandardCharsets.UTF_8));
                return HexFormat.of().formatHex(h);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private static String uid() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("Uid:")) {
                        return line.substring(4).strip().split("\\s+")[0];
                    }
                }
            } catch (IOException | RuntimeException e) {
                // below
            }
            return "-1";
        }

        private static String localHostName(boolean shortName) {
            String h;
            try {
                h = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                h = "localhost";
            }
            return shortName && h.contains(".") ? h.substring(0, h.indexOf('.')) : h;
        }
    }
}
