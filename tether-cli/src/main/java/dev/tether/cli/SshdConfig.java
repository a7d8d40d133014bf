package dev.tether.cli;

import dev.tether.ssh.config.ConfigFiles;

import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.keys.HostPatterns;
import dev.tether.ssh.keys.SignatureAlgorithms;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads the subset of sshd_config(5) that {@code tether server --config FILE} understands into a
 * {@link ServerSettings}, parsed as sshd parses it: keywords case-insensitive; {@code #} starts a
 * comment (at the start of a word); {@code Keyword value} or {@code Keyword=value}; arguments in
 * double quotes may hold spaces; for single-valued keywords the first value wins (later ones are
 * still checked); list-valued keywords accumulate.
 *
 * <p>{@code Match User|Address|Host|All} blocks ({@link SshdMatch}) hold the keywords that may
 * differ per login ({@link #PER_LOGIN}: ChrootDirectory, ForceCommand, the forwarding keywords,
 * PasswordAuthentication, PubkeyAuthentication); {@link ServerSettings#forLogin} resolves them.
 * Other keywords in a Match block are warned about and ignored: those sshd allows there but
 * Tether does not apply per login, and those sshd does not allow there at all.
 *
 * <p>Unknown or unsupported keywords give a warning naming {@code FILE:LINE}. A bad value throws
 * {@link ConfigException} naming {@code FILE:LINE}. Relative {@code HostKey} and {@code Banner}
 * paths are taken from the file's directory; {@code AuthorizedKeysFile} from the home directory,
 * as in sshd.
 */
final class SshdConfig {
    /** The keywords understood, lower-cased. */
    static final Set<String> KEYWORDS = Set.of("port", "listenaddress", "hostkey", "authorizedkeysfile",
            "passwordauthentication", "pubkeyauthentication", "kbdinteractiveauthentication",
            "challengeresponseauthentication", "permitemptypasswords", "maxauthtries", "maxsessions", "maxstartups",
            "logingracetime", "allowusers", "denyusers", "ciphers", "macs", "kexalgorithms", "hostkeyalgorithms",
            "banner", "clientaliveinterval", "clientalivecountmax", "allowtcpforwarding", "acceptenv", "subsystem",
            "persourcemaxstartups", "persourcenetblocksize", "persourcepenalties", "persourcepenaltyexemptlist",
            "unusedconnectiontimeout", "channeltimeout", "chrootdirectory", "forcecommand", "allowstreamlocalforwarding",
            "allowagentforwarding", "gatewayports", "permitopen", "permitlisten", "disableforwarding",
            "x11forwarding", "x11displayoffset", "x11uselocalhost");

    /**
     * The keywords that may differ per login: a Match block sets them for the logins it matches;
     * in the global section they are the values of every other login.
     */
    static final Set<String> PER_LOGIN = Set.of("chrootdirectory", "forcecommand", "allowtcpforwarding",
            "allowstreamlocalforwarding", "allowagentforwarding", "gatewayports", "permitopen", "permitlisten",
            "disableforwarding", "passwordauthentication", "pubkeyauthentication",
            "x11forwarding");

    /** The keywords sshd_config(5) (OpenSSH 9.2) allows after {@code Match}, lower-cased. */
    static final Set<String> MATCH_ALLOWED = Set.of("acceptenv", "allowagentforwarding", "allowgroups",
            "allowstreamlocalforwarding", "allowtcpforwarding", "allowusers", "authenticationmethods",
            "authorizedkeyscommand", "authorizedkeyscommanduser", "authorizedkeysfile", "authorizedprincipalscommand",
            "authorizedprincipalscommanduser", "authorizedprincipalsfile", "banner", "casignaturealgorithms",
            "challengeresponseauthentication", "channeltimeout", "chrootdirectory", "clientalivecountmax",
            "clientaliveinterval", "denygroups", "denyusers", "disableforwarding", "exposeauthinfo", "forcecommand",
            "gatewayports", "gssapiauthentication", "hostbasedacceptedalgorithms", "hostbasedauthentication",
            "hostbasedusesnamefrompacketonly", "ignorerhosts", "include", "ipqos", "kbdinteractiveauthentication",
            "kerberosauthentication", "loglevel", "maxauthtries", "maxsessions", "passwordauthentication",
            "permitemptypasswords", "permitlisten", "permitopen", "permitrootlogin", "permittty", "permittunnel",
            "permituserrc", "pubkeyacceptedalgorithms", "pubkeyauthentication", "pubkeyauthoptions", "rekeylimit",
            "revokedkeys", "setenv", "streamlocalbindmask", "streamlocalbindunlink", "trustedusercakeys",
            "unusedconnectiontimeout", "x11displayoffset", "x11forwarding", "x11uselocalhost");

    /** A bad value: the message starts with {@code FILE:LINE:}. */
    static final class ConfigException extends Exception {
        ConfigException(String message) {
            super(message);
        }
    }

    private final Path file;
    private final ServerSettings settings;
    private final PrintStream warnings;
    private final Set<String> seen = new HashSet<>();
    private int line;

    private SshdConfig(Path file, ServerSettings settings, PrintStream warnings) {
        this.file = file;
        this.settings = settings;
        this.warnings = warnings;
    }

    /** Reads {@code file} into {@code settings}; warnings go to {@code warnings}. */
    static void read(Path file, ServerSettings settings, PrintStream warnings) throws ConfigException {
        List<String> lines;
        try {
            lines = ConfigFiles.readLines(file, true);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        } catch (ConfigFiles.BadFile e) {
            throw new ConfigException(file + (e.line > 0 ? ":" + e.line : "") + ": " + e.getMessage());
        }
        new SshdConfig(file, settings, warnings).parse(lines);
    }

    private void parse(List<String> lines) throws ConfigException {
        SshdMatch block = null;
        for (int i = 0; i < lines.size(); i++) {
            line = i + 1;
            List<String> words = split(lines.get(i));
            if (words.isEmpty()) {
                continue;
            }
            String keyword = words.get(0).toLowerCase(Locale.ROOT);
            List<String> args = words.subList(1, words.size());
            if (keyword.equals("match")) {
                try {
                    block = SshdMatch.parse(args);
                } catch (IllegalArgumentException e) {
                    throw error(words.get(0) + ": " + e.getMessage());
                }
                settings.matches.add(block);
                continue;
            }
            if (!KEYWORDS.contains(keyword)) {
                warn("unsupported keyword " + words.get(0) + ", ignored");
                continue;
            }
            if (args.isEmpty()) {
                throw error(words.get(0) + ": missing argument");
            }
            if (block == null) {
                apply(keyword, words.get(0), args);
            } else if (PER_LOGIN.contains(keyword)) {
                block.set(keyword, perLoginValue(keyword, words.get(0), args));
            } else if (MATCH_ALLOWED.contains(keyword)) {
                warn(words.get(0) + " in a Match block is not supported, ignored");
            } else {
                warn(words.get(0) + " is not allowed in a Match block, ignored");
            }
        }
    }

    private void warn(String message) {
        warnings.println("tether: " + file + ":" + line + ": " + message);
        warnings.flush();
    }

    private ConfigException error(String message) {
        return new ConfigException(file + ":" + line + ": " + message);
    }

    /** True the first time a single-valued keyword is seen: sshd keeps the first value. */
    private boolean first(String keyword) {
        return seen.add(keyword);
    }

    private void apply(String keyword, String name, List<String> args) throws ConfigException {
        ServerSettings s = settings;
        if (PER_LOGIN.contains(keyword)) {
            Object value = perLoginValue(keyword, name, args);
            if (first(keyword)) {
                setGlobal(keyword, value);
            }
            return;
        }
        switch (keyword) {
            case "port" -> s.ports.add(port(name, single(name, args)));
            case "listenaddress" -> {
                // "ListenAddress host [rdomain NAME]": routing domains are not supported
                if (args.size() > 1) {
                    throw error(name + ": only one address per line is supported");
                }
                s.listenAddresses.add(listenAddress(name, args.get(0)));
            }
            case "hostkey" -> s.hostKeys.add(relativeToFile(single(name, args)));
            case "authorizedkeysfile" -> {
                if (first(keyword)) {
                    s.authorizedKeysFiles = args.size() == 1 && args.get(0).equalsIgnoreCase("none") ? List.of() : List.copyOf(args);
                }
            }
            // ChallengeResponseAuthentication is the deprecated alias sshd still accepts
            case "kbdinteractiveauthentication", "challengeresponseauthentication" ->
                    setOnce("kbdinteractiveauthentication", yesNo(name, args), v -> s.kbdInteractiveAuthentication = v);
            case "permitemptypasswords" -> setOnce(keyword, yesNo(name, args), v -> s.permitEmptyPasswords = v);
            case "maxauthtries" -> setOnce(keyword, number(name, single(name, args), 1), v -> s.maxAuthTries = v);
            case "maxsessions" -> setOnce(keyword, number(name, single(name, args), 0), v -> s.maxSessions = v);
            case "clientalivecountmax" -> setOnce(keyword, number(name, single(name, args), 0), v -> s.clientAliveCountMax = v);
            case "maxstartups" -> setOnce(keyword, checked(name, single(name, args), ServerSettings::parseMaxStartups),
                    v -> s.maxStartups = v);
            case "logingracetime" -> setOnce(keyword, checked(name, single(name, args), SshdConfig::time), v -> s.loginGraceTime = v);
            case "clientaliveinterval" -> setOnce(keyword, checked(name, single(name, args), SshdConfig::time),
                    v -> s.clientAliveInterval = v);
            case "allowusers" -> s.allowUsers.addAll(args);
            case "denyusers" -> s.denyUsers.addAll(args);
            case "acceptenv" -> {
                if (s.acceptEnv == null) {
                    s.acceptEnv = new ArrayList<>();
                }
                s.acceptEnv.addAll(args);
            }
            case "ciphers" -> setOnce(keyword, algorithms(name, single(name, args), TransportConfig.defaults().ciphers(),
                    TransportConfig.supportedCiphers(), (b, l) -> b.ciphers(l)), v -> s.ciphers = v);
            case "macs" -> setOnce(keyword, algorithms(name, single(name, args), TransportConfig.defaults().macs(),
                    TransportConfig.supportedMacs(), (b, l) -> b.macs(l)), v -> s.macs = v);
            case "kexalgorithms" -> setOnce(keyword, algorithms(name, single(name, args), TransportConfig.defaults().kexAlgorithms(),
                    TransportConfig.supportedKexAlgorithms(), (b, l) -> b.kexAlgorithms(l)), v -> s.kexAlgorithms = v);
            case "hostkeyalgorithms" -> {
                List<String> known = new ArrayList<>(SignatureAlgorithms.SUPPORTED);
                known.addAll(SignatureAlgorithms.CERTIFICATE_ALGORITHMS);
                setOnce(keyword, algorithms(name, single(name, args), TransportConfig.defaults().hostKeyAlgorithms(), known,
                        (b, l) -> b.hostKeyAlgorithms(l)), v -> s.hostKeyAlgorithms = v);
            }
            case "banner" -> {
                String arg = single(name, args);
                String text = null;
                if (!arg.equalsIgnoreCase("none")) {
                    Path p = relativeToFile(arg);
                    try {
                        text = Files.readString(p, StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw error(name + ": cannot read " + p + ": " + e.getMessage());
                    }
                }
                String banner = text;
                if (first(keyword)) {
                    s.banner = banner == null ? "" : banner;
                }
            }
            case "subsystem" -> {
                if (args.size() < 2) {
                    throw error(name + ": needs a name and a command");
                }
                String sub = args.get(0);
                if (s.subsystems.containsKey(sub)) {
                    throw error(name + ": subsystem '" + sub + "' already defined");
                }
                // the command line as written, its words joined; internal-sftp is Tether's own SFTP server,
                // whose sftp-server flags are read now
                if (args.get(1).equals(ServerSettings.INTERNAL_SFTP)) {
                    s.internalSftp.put(sub, sftpFlags(name, args.subList(2, args.size())));
                }
                s.subsystems.put(sub, String.join(" ", args.subList(1, args.size())));
            }
            case "persourcemaxstartups" -> setOnce(keyword, args.get(0).equalsIgnoreCase("none") ? 0
                    : number(name, single(name, args), 1), v -> s.perSourceMaxStartups = v);
            case "persourcenetblocksize" -> setOnce(keyword, netBlockSize(name, single(name, args)), v -> s.netBlockSize = v);
            case "persourcepenalties" -> setOnce(keyword, penalties(name, args), v -> s.penalties = v);
            case "persourcepenaltyexemptlist" -> setOnce(keyword, cidrList(name, single(name, args)), v -> s.penaltyExempt = v);
            case "unusedconnectiontimeout" -> setOnce(keyword, args.get(0).equalsIgnoreCase("none") ? java.time.Duration.ZERO
                    : checked(name, single(name, args), SshdConfig::time), v -> s.unusedConnectionTimeout = v);
            case "channeltimeout" -> setOnce(keyword, channelTimeouts(name, args), v -> s.channelTimeouts = v);
            case "x11displayoffset" -> setOnce(keyword, number(name, single(name, args), 0), v -> s.x11DisplayOffset = v);
            case "x11uselocalhost" -> {
                if (!yesNo(name, args)) {
                    warn(name + " no is not supported: forwarded displays listen on 127.0.0.1 only");
                }
            }
            default -> throw new IllegalStateException(keyword);
        }
    }

    /** Parses the value of a {@link #PER_LOGIN} keyword, for the global section or a Match block. */
    private Object perLoginValue(String keyword, String name, List<String> args) throws ConfigException {
        return switch (keyword) {
            case "chrootdirectory" -> chrootDirectory(name, single(name, args));
            case "forcecommand" -> forceCommand(name, args);
            case "allowtcpforwarding", "allowstreamlocalforwarding" ->
                    checked(name, single(name, args), ServerSettings.Forwarding::parse);
            case "allowagentforwarding", "disableforwarding", "passwordauthentication", "pubkeyauthentication" ->
                    yesNo(name, args);
            case "gatewayports" -> gatewayPorts(name, single(name, args));
            case "x11forwarding" -> yesNo(name, args);
            case "permitopen" -> permits(name, args, true);
            case "permitlisten" -> permits(name, args, false);
            default -> throw new IllegalStateException(keyword);
        };
    }

    /** Stores the global section's value of a {@link #PER_LOGIN} keyword. */
    @SuppressWarnings("unchecked")
    private void setGlobal(String keyword, Object v) {
        ServerSettings s = settings;
        switch (keyword) {
            case "chrootdirectory" -> s.chrootDirectory = (String) v;
            case "forcecommand" -> s.forceCommand = (java.util.Optional<SftpServerCommand.Flags>) v;
            case "allowtcpforwarding" -> s.forwarding = (ServerSettings.Forwarding) v;
            case "allowstreamlocalforwarding" -> s.streamLocalForwarding = (ServerSettings.Forwarding) v;
            case "allowagentforwarding" -> s.agentForwarding = (Boolean) v;
            case "disableforwarding" -> s.disableForwarding = (Boolean) v;
            case "x11forwarding" -> s.x11Forwarding = (Boolean) v;
            case "passwordauthentication" -> s.passwordAuthentication = (Boolean) v;
            case "pubkeyauthentication" -> s.pubkeyAuthentication = (Boolean) v;
            case "gatewayports" -> s.gatewayPorts = (String) v;
            case "permitopen" -> s.permitOpen = (List<String>) v;
            case "permitlisten" -> s.permitListen = (List<String>) v;
            default -> throw new IllegalStateException(keyword);
        }
    }

    /**
     * {@code ChrootDirectory none} or a path with the tokens {@code %h} (home directory),
     * {@code %u} (user name) and {@code %%}, absolute once expanded ({@code ~} is the home
     * directory); kept as written, expanded per login.
     */
    private String chrootDirectory(String name, String value) throws ConfigException {
        if (value.equalsIgnoreCase("none")) {
            return "none";
        }
        try {
            if (!LoginPolicy.chrootPath(value, Path.of("/home/user"), "user").isAbsolute()) {
                throw error(name + ": not an absolute path: '" + value + "'");
            }
        } catch (IllegalArgumentException e) {
            throw error(name + ": " + e.getMessage());
        }
        return value;
    }

    /**
     * {@code ForceCommand internal-sftp [sftp-server flags]} (the user gets Tether's SFTP server and
     * nothing else) or {@code none}: empty for none. Tether cannot force an OS command yet.
     */
    private java.util.Optional<SftpServerCommand.Flags> forceCommand(String name, List<String> args) throws ConfigException {
        if (args.size() == 1 && args.get(0).equalsIgnoreCase("none")) {
            return java.util.Optional.empty();
        }
        if (!args.get(0).equals(ServerSettings.INTERNAL_SFTP)) {
            throw error(name + ": only 'internal-sftp' (with sftp-server flags) and 'none' are supported, not '"
                    + String.join(" ", args) + "': tether server cannot force an OS command");
        }
        return java.util.Optional.of(sftpFlags(name, args.subList(1, args.size())));
    }

    /** The sftp-server flags after {@code internal-sftp}, read as {@code tether sftp-server} reads its own. */
    private SftpServerCommand.Flags sftpFlags(String name, List<String> flags) throws ConfigException {
        try {
            return SftpServerCommand.parseFlags(flags);
        } catch (IllegalArgumentException e) {
            throw error(name + ": internal-sftp: " + e.getMessage());
        }
    }

    /** {@code GatewayPorts no|yes|clientspecified}. */
    private String gatewayPorts(String name, String value) throws ConfigException {
        String v = value.toLowerCase(Locale.ROOT);
        if (!v.equals("no") && !v.equals("yes") && !v.equals("clientspecified")) {
            throw error(name + ": expected no, yes or clientspecified, not '" + value + "'");
        }
        return v;
    }

    /**
     * {@code PermitOpen host:port ...} and {@code PermitListen [host:]port ...}: {@code any} or
     * {@code none} alone, or entries whose port is a number or {@code *}; hosts may be
     * {@code *} or a bracketed IPv6 address.
     */
    private List<String> permits(String name, List<String> args, boolean hostRequired) throws ConfigException {
        if (args.size() == 1 && (args.get(0).equalsIgnoreCase("any") || args.get(0).equalsIgnoreCase("none"))) {
            return List.of(args.get(0).toLowerCase(Locale.ROOT));
        }
        for (String a : args) {
            if (a.equalsIgnoreCase("any") || a.equalsIgnoreCase("none")) {
                throw error(name + ": '" + a + "' must appear alone");
            }
            int colon = a.startsWith("[") ? a.indexOf(':', Math.max(a.indexOf(']'), 0)) : a.lastIndexOf(':');
            if (colon < 0 && hostRequired || colon == 0) {
                throw error(name + ": expected " + (hostRequired ? "host:port" : "[host:]port") + ", not '" + a + "'");
            }
            String p = colon < 0 ? a : a.substring(colon + 1);
            if (!p.equals("*")) {
                port(name, p);
            }
        }
        return List.copyOf(args);
    }

    private interface Setter<T> {
        void set(T value);
    }

    private <T> void setOnce(String keyword, T value, Setter<T> setter) {
        if (first(keyword)) {
            setter.set(value);
        }
    }

    private String single(String name, List<String> args) throws ConfigException {
        if (args.size() != 1) {
            throw error(name + ": expected one argument, got " + args.size());
        }
        return args.get(0);
    }

    private <T> T checked(String name, String value, Function<String, T> parse) throws ConfigException {
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw error(name + ": " + e.getMessage());
        }
    }

    private boolean yesNo(String name, List<String> args) throws ConfigException {
        String v = single(name, args).toLowerCase(Locale.ROOT);
        return switch (v) {
            case "yes" -> true;
            case "no" -> false;
            default -> throw error(name + ": expected yes or no, not '" + v + "'");
        };
    }

    private int number(String name, String value, int min) throws ConfigException {
        try {
            int n = Integer.parseInt(value);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw error(name + ": expected a number of at least " + min + ", not '" + value + "'");
    }

    /** {@code PerSourceNetBlockSize V4[:V6]}: prefix lengths, 0-32 and 0-128 (default 32:128). */
    private int[] netBlockSize(String name, String value) throws ConfigException {
        String[] f = value.split(":", -1);
        if (f.length > 2) {
            throw error(name + ": expected V4 or V4:V6, not '" + value + "'");
        }
        int v4 = number(name, f[0], 0);
        int v6 = f.length == 2 ? number(name, f[1], 0) : 128;
        if (v4 > 32 || v6 > 128) {
            throw error(name + ": prefix lengths are at most 32 and 128, not '" + value + "'");
        }
        return new int[]{v4, v6};
    }

    /**
     * {@code PerSourcePenalties yes|no} or OpenSSH's {@code key:value} list: {@code crash},
     * {@code authfail}, {@code noauth}, {@code grace-exceeded}, {@code max}, {@code min} (times),
     * {@code max-sources4}, {@code max-sources6} (counts), {@code overflow}
     * ({@code permissive}|{@code deny-all}). A list turns penalties on, from OpenSSH's defaults.
     */
    private dev.tether.ssh.policy.PerSourcePenalties penalties(String name, List<String> args) throws ConfigException {
        if (args.size() == 1 && args.get(0).equalsIgnoreCase("no")) {
            return dev.tether.ssh.policy.PerSourcePenalties.off();
        }
        dev.tether.ssh.policy.PerSourcePenalties.Builder b = dev.tether.ssh.policy.PerSourcePenalties.builder();
        if (args.size() == 1 && args.get(0).equalsIgnoreCase("yes")) {
            return b.build();
        }
        int v4 = 65536;
        int v6 = 65536;
        for (String a : args) {
            int colon = a.indexOf(':');
            if (colon <= 0) {
                throw error(name + ": expected yes, no or KEY:VALUE words, not '" + a + "'");
            }
            String key = a.substring(0, colon).toLowerCase(Locale.ROOT);
            String value = a.substring(colon + 1);
            switch (key) {
                case "crash" -> b.crash(checked(name, value, SshdConfig::time));
                case "authfail" -> b.authFail(checked(name, value, SshdConfig::time));
                case "noauth" -> b.noAuth(checked(name, value, SshdConfig::time));
                case "grace-exceeded" -> b.graceExceeded(checked(name, value, SshdConfig::time));
                case "max" -> b.max(checked(name, value, SshdConfig::time));
                case "min" -> b.min(checked(name, value, SshdConfig::time));
                case "max-sources4" -> v4 = number(name, value, 1);
                case "max-sources6" -> v6 = number(name, value, 1);
                case "overflow" -> b.overflow(switch (value.toLowerCase(Locale.ROOT)) {
                    case "permissive" -> dev.tether.ssh.policy.PerSourcePenalties.Overflow.PERMISSIVE;
                    case "deny-all" -> dev.tether.ssh.policy.PerSourcePenalties.Overflow.DENY_ALL;
                    default -> throw error(name + ": overflow is permissive or deny-all, not '" + value + "'");
                });
                case "overflow6", "invaliduser", "refuseconnection" ->
                        warn(name + ": " + key + " is not supported, ignored");
                default -> throw error(name + ": unknown penalty '" + key + "'");
            }
        }
        return buildPenalties(name, b.maxSources(v4, v6));
    }

    private dev.tether.ssh.policy.PerSourcePenalties buildPenalties(String name, dev.tether.ssh.policy.PerSourcePenalties.Builder b)
            throws ConfigException {
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw error(name + ": " + e.getMessage());
        }
    }

    /** A comma-separated list of addresses or CIDRs. */
    private List<String> cidrList(String name, String value) throws ConfigException {
        List<String> out = new java.util.ArrayList<>();
        for (String c : value.split(",")) {
            if (!dev.tether.ssh.keys.HostPatterns.isValidCidrList(c)) {
                throw error(name + ": not an address or CIDR: '" + c + "'");
            }
            out.add(c);
        }
        return out;
    }

    /**
     * {@code ChannelTimeout TYPE=INTERVAL ...} ({@code session}, {@code direct-tcpip},
     * patterns with {@code *}), or {@code none}; the first matching pattern wins.
     */
    private java.util.LinkedHashMap<String, java.time.Duration> channelTimeouts(String name, List<String> args)
            throws ConfigException {
        java.util.LinkedHashMap<String, java.time.Duration> out = new java.util.LinkedHashMap<>();
        if (args.size() == 1 && args.get(0).equalsIgnoreCase("none")) {
            return out;
        }
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw error(name + ": expected TYPE=INTERVAL, not '" + a + "'");
            }
            out.putIfAbsent(a.substring(0, eq), checked(name, a.substring(eq + 1), SshdConfig::time));
        }
        return out;
    }

    private int port(String name, String value) throws ConfigException {
        try {
            int n = Integer.parseInt(value);
            if (n >= 0 && n <= 65535) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw error(name + ": bad port number '" + value + "'");
    }

    /** {@code host}, {@code host:port}, {@code [v6]:port} or a bare IPv6 address. */
    private ServerSettings.Listen listenAddress(String name, String value) throws ConfigException {
        String host = value;
        Integer port = null;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0) {
                throw error(name + ": bad address '" + value + "'");
            }
            host = value.substring(1, close);
            String rest = value.substring(close + 1);
            if (rest.startsWith(":")) {
                port = port(name, rest.substring(1));
            } else if (!rest.isEmpty()) {
                throw error(name + ": bad address '" + value + "'");
            }
        } else if (value.indexOf(':') >= 0 && value.indexOf(':') == value.lastIndexOf(':')) {
            host = value.substring(0, value.indexOf(':'));
            port = port(name, value.substring(value.indexOf(':') + 1));
        }
        if (host.isEmpty()) {
            throw error(name + ": bad address '" + value + "'");
        }
        return new ServerSettings.Listen(host, port);
    }

    private Path relativeToFile(String value) {
        Path p = Path.of(Cli.expandTilde(value));
        Path dir = file.toAbsolutePath().getParent();
        return p.isAbsolute() || dir == null ? p : dir.resolve(p);
    }

    /**
     * An algorithm list as sshd_config writes it: a comma-separated list replaces the default;
     * {@code +list} appends to it, {@code -list} removes from it, {@code ^list} puts in front of
     * it. Names may be wildcard patterns ({@code *}, {@code ?}), expanded against what is
     * supported. The result is checked by the builder method that will use it.
     */
    private List<String> algorithms(String name, String value, List<String> defaults, List<String> supported,
                                    java.util.function.BiConsumer<TransportConfig.Builder, List<String>> check)
            throws ConfigException {
        char op = value.charAt(0);
        String list = op == '+' || op == '-' || op == '^' ? value.substring(1) : value;
        List<String> named = new ArrayList<>();
        for (String item : list.split(",", -1)) {
            if (item.isEmpty()) {
                throw error(name + ": empty name in '" + value + "'");
            }
            boolean pattern = item.indexOf('*') >= 0 || item.indexOf('?') >= 0;
            List<String> matches = supported.stream().filter(a -> pattern ? HostPatterns.wildcardMatch(a, item) : a.equals(item)).toList();
            if (matches.isEmpty() && op != '-') {
                throw error(name + ": unsupported algorithm '" + item + "'; supported: " + String.join(",", supported));
            }
            named.addAll(matches);
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        switch (op) {
            case '+' -> {
                out.addAll(defaults);
                out.addAll(named);
            }
            case '-' -> {
                out.addAll(defaults);
                named.forEach(out::remove);
            }
            case '^' -> {
                out.addAll(named);
                out.addAll(defaults);
            }
            default -> out.addAll(named);
        }
        List<String> result = List.copyOf(out);
        try {
            check.accept(TransportConfig.builder(), result);
        } catch (IllegalArgumentException e) {
            throw error(name + ": " + e.getMessage());
        }
        return result;
    }

    /**
     * sshd's time format: a number of seconds, or a sequence of {@code NUMBER[smhdw]}, e.g.
     * {@code 90}, {@code 2m}, {@code 1h30m}.
     */
    static Duration time(String value) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException("empty time");
        }
        long total = 0;
        int i = 0;
        while (i < value.length()) {
            int start = i;
            while (i < value.length() && Character.isDigit(value.charAt(i))) {
                i++;
            }
            if (start == i || i - start > 9) {
                throw new IllegalArgumentException("bad time '" + value + "'");
            }
            long n = Long.parseLong(value.substring(start, i));
            long unit = 1;
            if (i < value.length()) {
                unit = switch (Character.toLowerCase(value.charAt(i))) {
                    case 's' -> 1;
                    case 'm' -> 60;
                    case 'h' -> 3600;
                    case 'd' -> 86400;
                    case 'w' -> 604800;
                    default -> throw new IllegalArgumentException("bad time '" + value + "'");
                };
                i++;
            }
            total += n * unit;
            if (total > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("time too large '" + value + "'");
            }
        }
        return Duration.ofSeconds(total);
    }

    /**
     * Splits a line into words as sshd does: whitespace separates, the keyword may be followed by
     * one {@code =}, double quotes group (a backslash escapes a quote or backslash inside them),
     * and a word starting with {@code #} ends the line.
     */
    List<String> split(String text) throws ConfigException {
        List<String> words = new ArrayList<>();
        int n = text.length();
        int i = skipSpace(text, 0);
        if (i >= n || text.charAt(i) == '#') {
            return words;
        }
        int k = i;
        while (i < n && !Character.isWhitespace(text.charAt(i)) && text.charAt(i) != '=') {
            i++;
        }
        words.add(text.substring(k, i));
        i = skipSpace(text, i);
        if (i < n && text.charAt(i) == '=') {
            i = skipSpace(text, i + 1);
        }
        while (i < n && text.charAt(i) != '#') {
            StringBuilder w = new StringBuilder();
            boolean quoted = false;
            while (i < n && (quoted || !Character.isWhitespace(text.charAt(i)))) {
                char c = text.charAt(i++);
                if (!quoted && c == '"') {
                    quoted = true;
                } else if (quoted && c == '"') {
                    quoted = false;
                } else if (quoted && c == '\\' && i < n && (text.charAt(i) == '"' || text.charAt(i) == '\\')) {
                    w.append(text.charAt(i++));
                } else {
                    w.append(c);
                }
            }
            if (quoted) {
                throw error("unterminated quote");
            }
            words.add(w.toString());
            i = skipSpace(text, i);
        }
        return words;
    }

    private static int skipSpace(String text, int i) {
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }
}
