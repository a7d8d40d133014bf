package dev.tether.cli;

import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.keys.HostKeyVerifier;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * How {@code tether ssh} (and sftp and scp through it) reaches a host that is not dialled
 * directly: {@code ProxyJump} / {@code -J} (each hop a connection of its own, resolved from its
 * own ssh_config Host blocks with the same {@code -F} file and none of the {@code -i}/{@code -o}
 * flags, as ssh passes only {@code -l}, {@code -p}, {@code -F}, {@code -v} and {@code -J} to the
 * jump's {@code ssh -W}; the last hop opens {@code direct-tcpip} to the target and the target's
 * connection runs over that channel, {@code Transport.connect(channel, ...)}), or
 * {@code ProxyCommand} (run with /bin/sh, {@code %h %p %r %n %%} expanded; the connection runs
 * over its stdin and stdout; its stderr is ours). Whichever of the two the configuration names
 * first wins ({@link SshConfig}); {@code none} turns them off.
 *
 * <p>Threading: runs on the caller's thread; a jump's connection is closed when the connection
 * through it closes, a proxy command's process is destroyed then.
 */
final class SshProxy {
    /** Hops beyond this are a loop in the configuration (ProxyJump naming itself). */
    private static final int MAX_DEPTH = 16;
    private static final ThreadLocal<Integer> DEPTH = ThreadLocal.withInitial(() -> 0);

    private final SshSettings s;
    private final String jump;
    private final String command;
    private final PrintStream err;

    private SshProxy(SshSettings s, String jump, String command, PrintStream err) {
        this.s = s;
        this.jump = jump;
        this.command = command;
        this.err = err;
    }

    /** The proxy the settings name, or null to connect directly. */
    static SshProxy of(SshSettings s, PrintStream err) {
        String jump = s.config().get("proxyjump");
        String command = s.config().get("proxycommand");
        if (jump != null && !jump.equalsIgnoreCase("none")) {
            return new SshProxy(s, jump, null, err);
        }
        if (command != null && !command.equalsIgnoreCase("none")) {
            return new SshProxy(s, null, command, err);
        }
        return null;
    }

    /** Connects and runs the handshake through the proxy; null when it failed and was reported. */
    Transport connect(TransportConfig config, HostKeyVerifier verifier) throws IOException {
        return jump != null ? jump(config, verifier) : command(config, verifier);
    }

    private Transport jump(TransportConfig config, HostKeyVerifier verifier) throws IOException {
        List<String> hops = List.of(jump.split(","));
        String last = hops.get(hops.size() - 1).strip();
        String rest = String.join(",", hops.subList(0, hops.size() - 1));
        int depth = DEPTH.get();
        if (depth >= MAX_DEPTH) {
            err.println("ssh: too many jump hosts (a ProxyJump loop?) at " + last);
            return null;
        }
        Transport via;
        DEPTH.set(depth + 1);
        try {
            SshCommand c = new SshCommand();
            c.configFile = s.config().configFileOption();
            String dest = hop(c, last);
            if (!rest.isBlank()) {
                c.options.add("ProxyJump=" + rest);
            }
            SshSettings hs;
            try {
                hs = c.settings(dest, null, s.verbosity());
            } catch (SshConfig.ConfigException e) {
                err.println(e.getMessage());
                return null;
            }
            via = new SshSession(hs, null, true, true, Set.of(), err).open();
        } finally {
            DEPTH.set(depth);
        }
        if (via == null) {
            return null;
        }
        Channel ch;
        try {
            ch = via.openDirectTcpip(s.hostName(), s.port(), "127.0.0.1", 65535);
        } catch (IOException e) {
            err.println("channel 0: open failed: " + SshSession.describe(e));
            err.println("stdio forwarding failed");
            via.close();
            return null;
        }
        s.debug(err, "jump host " + last + ": channel open to " + s.hostName() + ":" + s.port());
        Transport t;
        try {
            t = Transport.connect(ch, s.hostName(), s.port(), config, verifier);
        } catch (IOException | RuntimeException e) {
            via.close();
            throw e;
        }
        t.closeFuture().whenComplete((v, e) -> via.close());
        return t;
    }

    /** A hop {@code [user@]host[:port]} or {@code ssh://[user@]host[:port]}: sets -l and -p on {@code c}; the host. */
    static String hop(SshCommand c, String spec) {
        String h = spec;
        if (h.regionMatches(true, 0, "ssh://", 0, 6)) {
            h = h.substring(6);
            if (h.endsWith("/")) {
                h = h.substring(0, h.length() - 1);
            }
        }
        String[] uhp = SshCommand.userHostPort(h);
        if (uhp[0] != null) {
            c.user = uhp[0];
        }
        if (uhp[2] != null) {
            c.port = uhp[2];
        }
        return uhp[1];
    }

    private Transport command(TransportConfig config, HostKeyVerifier verifier) throws IOException {
        String line;
        try {
            line = Cli.expandTokens(command, t -> switch (t) {
                case 'h' -> s.hostName();
                case 'p' -> Integer.toString(s.port());
                case 'r' -> s.user();
                case 'n' -> s.originalHost();
                default -> null;
            }, "%h, %p, %r, %n and %%");
        } catch (IllegalArgumentException e) {
            err.println("ssh: ProxyCommand: " + e.getMessage());
            return null;
        }
        s.debug(err, "Executing proxy command: exec " + line);
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "exec " + line));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().remove(SshFork.ENV); // a tether ssh proxy must not report our -f readiness
        Process p = pb.start();
        Transport t;
        try {
            t = Transport.startClient(p.getInputStream(), p.getOutputStream(), s.hostName(), s.port(), config, verifier);
        } catch (IOException | RuntimeException e) {
            p.destroy();
            throw e;
        }
        t.closeFuture().whenComplete((v, e) -> p.destroy());
        return t;
    }
}
