package dev.tether.cli;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code tether ssh}'s command line and the ssh_config files settle on for one destination:
 * {@link #resolve} reads the files into a configuration that already holds the command-line
 * values (first value wins) and turns it into typed settings; {@link #print} is {@code -G}.
 */
record SshSettings(String originalHost, String hostName, int port, String user, List<Path> identityFiles,
                   boolean identitiesOnly, String identityAgent, List<Path> knownHosts,
                   List<Path> globalKnownHosts, HostKeyCheck.Policy strict, Duration connectTimeout,
                   Duration serverAliveInterval, boolean batchMode, List<String> preferred, boolean pubkey,
                   boolean password, boolean kbdInteractive, int passwordPrompts, String requestTty,
                   String remoteCommand, String hostKeyAlias, boolean hashKnownHosts, int verbosity, boolean quiet,
                   Character escapeChar, List<String> setEnv, List<String> sendEnv, SshConfig config) {
    private static final List<String> DEFAULT_PREFERRED = List.of("publickey", "keyboard-interactive", "password");

    /**
     * Reads the configuration files ({@code cfgFile}, {@code none} for none, or null for
     * ~/.ssh/config then /etc/ssh/ssh_config) into {@code cfg}, which holds the command-line
     * values already, and resolves the settings.
     */
    static SshSettings resolve(SshConfig cfg, String cfgFile, String localUser, int verbosity)
            throws java.io.IOException, SshConfig.ConfigException {
        Path sshDir = Cli.home().resolve(".ssh");
        cfg.configFileOption(cfgFile);
        if (cfgFile != null) {
            if (!cfgFile.equalsIgnoreCase("none")) {
                cfg.readFile(Path.of(Cli.expandTilde(cfgFile)), true, sshDir);
            }
        } else {
            cfg.readFile(sshDir.resolve("config"), false, sshDir);
            cfg.readFile(Path.of("/etc/ssh/ssh_config"), false, Path.of("/etc/ssh"));
        }

        String hostName = cfg.get("hostname") != null ? cfg.expandHostName(cfg.get("hostname")) : cfg.originalHost();
        int p = parsePort(cfg.get("port") != null ? cfg.get("port") : "22", cfg.where("port", 0));
        String u = cfg.get("user") != null ? cfg.get("user") : localUser;
        Tokens tokens = new Tokens(hostName, cfg.originalHost(), p, u, localUser);

        List<Path> ids = new ArrayList<>();
        for (String f : cfg.getAll("identityfile")) {
            if (!f.equalsIgnoreCase("none")) {
                ids.add(Path.of(tokens.expandPath(f)));
            }
        }
        if (ids.isEmpty()) {
            for (String name : List.of("id_rsa", "id_ecdsa", "id_ed25519")) {
                ids.add(sshDir.resolve(name));
            }
        }
        List<Path> known = new ArrayList<>();
        List<String> khValues = cfg.getAll("userknownhostsfile");
        if (khValues.isEmpty()) {
            khValues = List.of("~/.ssh/known_hosts", "~/.ssh/known_hosts2");
        }
        for (String f : khValues) {
            known.add(Path.of(f.equalsIgnoreCase("none") ? "/dev/null" : tokens.expandPath(f)));
        }
        List<Path> global = new ArrayList<>();
        List<String> gValues = cfg.getAll("globalknownhostsfile");
        if (gValues.isEmpty()) {
            gValues = List.of("/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2");
        }
        for (String f : gValues) {
            if (!f.equalsIgnoreCase("none")) {
                global.add(Path.of(tokens.expandPath(f)));
            }
        }
        String strictValue = cfg.get("stricthostkeychecking") != null ? cfg.get("stricthostkeychecking") : "ask";
        HostKeyCheck.Policy strict = HostKeyCheck.Policy.parse(strictValue);
        if (strict == null) {
            throw new SshConfig.ConfigException(cfg.where("stricthostkeychecking", 0) + "unsupported option \"stricthostkeychecking\" value \"" + strictValue + "\"");
        }
        List<String> preferred = new ArrayList<>();
        String pref = cfg.get("preferredauthentications");
        for (String m : (pref != null ? List.of(pref.split(",")) : DEFAULT_PREFERRED)) {
            if (!m.isBlank()) {
                preferred.add(m.strip());
            }
        }
        String logLevel = cfg.get("loglevel");
        boolean q = logLevel != null && (logLevel.equalsIgnoreCase("quiet") || logLevel.equalsIgnoreCase("fatal")
                || logLevel.equalsIgnoreCase("error"));
        int v = verbosity;
        if (v == 0 && logLevel != null && logLevel.toLowerCase(Locale.ROOT).startsWith("debug")) {
            v = 1;
            Cli.configureLogging(v);
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
                throw new SshConfig.ConfigException(cfg.where("escapechar", 0) + "Bad escape character '" + esc + "'.");
            }
        }
        String agent = cfg.get("identityagent");
        if (agent == null) {
            agent = "SSH_AUTH_SOCK";
        } else if (!agent.equalsIgnoreCase("none") && !agent.equals("SSH_AUTH_SOCK")) {
            agent = agent.startsWith("$") ? agent : tokens.expandPath(agent);
        }
        String requestTty = cfg.get("requesttty") != null ? cfg.get("requesttty").toLowerCase(Locale.ROOT) : "auto";
        return new SshSettings(cfg.originalHost(), hostName, p, u, ids, yes(cfg, "identitiesonly", false), agent,
                known, global, strict, seconds(cfg, "connecttimeout", null),
                seconds(cfg, "serveraliveinterval", Duration.ZERO), yes(cfg, "batchmode", false), preferred,
                yes(cfg, "pubkeyauthentication", true), yes(cfg, "passwordauthentication", true),
                yes(cfg, "kbdinteractiveauthentication", yes(cfg, "challengeresponseauthentication", true)),
                number(cfg, "numberofpasswordprompts", 3), requestTty, cfg.get("remotecommand"),
                cfg.get("hostkeyalias"), yes(cfg, "hashknownhosts", false), v, q, escape, cfg.getAll("setenv"),
                cfg.getAll("sendenv"), cfg);
    }

    /** {@code -G}: the configuration that applies, as ssh(1) prints it (a subset of its keywords). */
    void print(PrintStream out, String command) {
        out.println("host " + originalHost());
        out.println("user " + user());
        out.println("hostname " + hostName());
        out.println("port " + port());
        out.println("batchmode " + yesNo(batchMode()));
        out.println("identitiesonly " + yesNo(identitiesOnly()));
        out.println("pubkeyauthentication " + yesNo(pubkey()));
        out.println("passwordauthentication " + yesNo(password()));
        out.println("kbdinteractiveauthentication " + yesNo(kbdInteractive()));
        out.println("hashknownhosts " + yesNo(hashKnownHosts()));
        out.println("stricthostkeychecking " + switch (strict()) {
            case YES -> "true";
            case NO -> "false";
            case ASK -> "ask";
            case ACCEPT_NEW -> "accept-new";
        });
        out.println("connecttimeout " + (connectTimeout() == null ? "none" : connectTimeout().toSeconds()));
        out.println("serveraliveinterval " + serverAliveInterval().toSeconds());
        out.println("numberofpasswordprompts " + passwordPrompts());
        out.println("requesttty " + requestTty());
        if (hostKeyAlias() != null) {
            out.println("hostkeyalias " + hostKeyAlias());
        }
        out.println("preferredauthentications " + String.join(",", preferred()));
        out.println("identityagent " + identityAgent());
        for (Path p : identityFiles()) {
            out.println("identityfile " + p);
        }
        out.println("userknownhostsfile " + String.join(" ", knownHosts().stream().map(Path::toString).toList()));
        out.println("globalknownhostsfile " + String.join(" ", globalKnownHosts().stream().map(Path::toString).toList()));
        if (command != null || remoteCommand() != null) {
            out.println("remotecommand " + (command != null ? command : remoteCommand()));
        }
        out.flush();
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }

    /** A debug1 line on {@code err} when verbose. */
    void debug(PrintStream err, String message) {
        if (verbosity > 0) {
            err.println("debug1: " + message);
        }
    }

    static boolean yes(SshConfig cfg, String key, boolean def) throws SshConfig.ConfigException {
        String v = cfg.get(key);
        if (v == null) {
            return def;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "yes", "true" -> true;
            case "no", "false" -> false;
            default -> throw new SshConfig.ConfigException(cfg.where(key, 0) + "unsupported option \"" + key + "\" value \"" + v + "\"");
        };
    }

    private static int parsePort(String s, String where) throws SshConfig.ConfigException {
        try {
            int p = Integer.parseInt(s.strip());
            if (p > 0 && p < 65536) {
                return p;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new SshConfig.ConfigException(where + "Bad port '" + s + "'.");
    }

    private static Duration seconds(SshConfig cfg, String key, Duration none) throws SshConfig.ConfigException {
        String s = cfg.get(key);
        if (s == null || s.equalsIgnoreCase("none")) {
            return none;
        }
        try {
            long n = Long.parseLong(s.strip());
            return n <= 0 ? none : Duration.ofSeconds(n);
        } catch (NumberFormatException e) {
            throw new SshConfig.ConfigException(cfg.where(key, 0) + "invalid time value \"" + s + "\".");
        }
    }

    private static int number(SshConfig cfg, String key, int def) throws SshConfig.ConfigException {
        String s = cfg.get(key);
        if (s == null) {
            return def;
        }
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new SshConfig.ConfigException(cfg.where(key, 0) + "invalid number \"" + s + "\".");
        }
    }

    /** ssh_config's % tokens for paths, and {@code ~}. */
    record Tokens(String hostName, String originalHost, int port, String user, String localUser) {
        String expandPath(String s) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c != '%' || i + 1 >= s.length()) {
                    b.append(c);
                    continue;
                }
                char t = s.charAt(++i);
                switch (t) {
                    case '%' -> b.append('%');
                    case 'h' -> b.append(hostName);
                    case 'n' -> b.append(originalHost);
                    case 'p' -> b.append(port);
                    case 'r' -> b.append(user);
                    case 'u' -> b.append(localUser);
                    case 'd' -> b.append(Cli.home());
                    case 'l', 'L' -> b.append(localHostName(t == 'L'));
                    default -> b.append('%').append(t);
                }
            }
            return Cli.expandTilde(b.toString());
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
