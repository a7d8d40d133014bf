package dev.tether.cli;

import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.NegotiationException;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.HostPatterns;
import dev.tether.ssh.keys.SignatureAlgorithms;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * One {@code tether ssh} run: connect (every address of the host in turn, ConnectTimeout), the
 * handshake with the host key checked against known_hosts and the algorithms of ssh_config,
 * authentication ({@link SshAuth}), then the remote command or shell ({@link SshRemoteCommand}),
 * or with {@code -N} just the connection until it ends. Failures are reported in ssh(1)'s words.
 */
final class SshSession {
    private final SshSettings s;
    private final String command;
    private final boolean noCommand;
    private final boolean devNullStdin;
    private final boolean canPrompt;
    /** The -i files, which are warned about when missing (config IdentityFile lines are not). */
    private final Set<Path> cliIdentities;
    private final PrintStream err;
    private Transport transport;
    /** tether ssh's forwardings (null for sftp and scp, which forward nothing). */
    private SshForwarding forwarding;

    SshSession(SshSettings s, String command, boolean noCommand, boolean devNullStdin, Set<Path> cliIdentities, PrintStream err) {
        this.s = s;
        this.command = command;
        this.noCommand = noCommand;
        this.devNullStdin = devNullStdin;
        this.cliIdentities = cliIdentities;
        this.err = err;
        this.canPrompt = !s.batchMode() && Tty.canPrompt();
    }

    /** Sets the forwardings this run sets up once authenticated. */
    SshSession forwarding(SshForwarding f) {
        this.forwarding = f;
        return this;
    }

    int run() {
        try {
            transport = open();
            if (transport == null) {
                return SshCommand.FAILURE;
            }
            // forwarding (-L -R -D -W and the config's), set up before the session as ssh(1) does
            if (forwarding != null && forwarding.any()) {
                SshTunnels tunnels = new SshTunnels(transport, forwarding, s, err);
                if (!tunnels.start()) {
                    return SshCommand.FAILURE;
                }
                if (forwarding.stdio() != null) {
                    return tunnels.stdio();
                }
            }
            SshFork.ready(); // -f: the parent exits now, this process goes on in the background
            if (noCommand) {
                transport.closeFuture().handle((v, t) -> null).join();
                return SshCommand.FAILURE;
            }
            return new SshRemoteCommand(transport, s, command, devNullStdin, err).run();
        } catch (IOException e) {
            err.println("ssh: " + describe(e));
            return SshCommand.FAILURE;
        } finally {
            if (transport != null) {
                transport.close();
            }
        }
    }

    /**
     * Connects, checks the host key and authenticates, as {@code tether ssh} does; shared by
     * {@code tether sftp} and {@code tether scp}. Returns null, the failure reported on stderr in
     * ssh(1)'s words, when any step fails.
     */
    Transport open() throws IOException {
        SshProxy proxy = SshProxy.of(s, err); // ProxyJump / ProxyCommand, or null to dial directly
        Socket socket = proxy != null ? null : connect();
        if (proxy == null && socket == null) {
            return null;
        }
        HostKeyCheck check = new HostKeyCheck(s.knownHosts(), s.globalKnownHosts(), s.strict(), canPrompt,
                s.hashKnownHosts(), s.hostKeyAlias(), s.quiet(), err);
        TransportConfig config = transportConfig(check);
        Transport t;
        try {
            t = proxy != null ? proxy.connect(config, check) : Transport.startClient(socket, s.hostName(), s.port(), config, check);
        } catch (IOException | RuntimeException e) {
            if (socket != null) {
                socket.close();
            }
            reportHandshakeFailure(e);
            return null;
        }
        if (t == null) {
            return null; // the proxy said why
        }
        if (!new SshAuth(t, s, canPrompt, cliIdentities, err).authenticate()) {
            t.close();
            return null;
        }
        if (!s.serverAliveInterval().isZero()) {
            t.setKeepalive(s.serverAliveInterval());
        }
        return t;
    }

    private Socket connect() throws IOException {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(s.hostName());
        } catch (UnknownHostException e) {
            err.println("ssh: Could not resolve hostname " + s.hostName() + ": Name or service not known");
            return null;
        }
        int timeout = s.connectTimeout() == null ? 0 : (int) Math.min(Integer.MAX_VALUE, s.connectTimeout().toMillis());
        IOException last = null;
        for (InetAddress a : addresses) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(a, s.port()), timeout);
                debug("Connection established to " + a.getHostAddress() + " port " + s.port());
                return socket;
            } catch (IOException e) {
                socket.close();
                last = e;
                debug("connect to address " + a.getHostAddress() + " port " + s.port() + ": " + e.getMessage());
            }
        }
        String reason;
        if (last instanceof SocketTimeoutException) {
            reason = "Connection timed out";
        } else if (last instanceof NoRouteToHostException) {
            reason = "No route to host";
        } else if (last instanceof ConnectException && last.getMessage() != null && last.getMessage().startsWith("Connection refused")) {
            reason = "Connection refused";
        } else {
            reason = last == null ? "no address" : last.getMessage();
        }
        err.println("ssh: connect to host " + s.hostName() + " port " + s.port() + ": " + reason);
        return null;
    }

    private TransportConfig transportConfig(HostKeyCheck check) throws IOException {
        SshConfig cfg = s.config();
        TransportConfig defaults = TransportConfig.defaults();
        TransportConfig.Builder b = TransportConfig.builder();
        if (s.connectTimeout() != null) {
            b.handshakeTimeout(s.connectTimeout());
        }
        try {
            List<String> hostKeyAlgs = algorithms(cfg.get("hostkeyalgorithms"), defaults.hostKeyAlgorithms());
            if (cfg.get("hostkeyalgorithms") == null) {
                hostKeyAlgs = preferKnown(hostKeyAlgs, check.knownKeyTypes(s.hostName(), s.port()));
            }
            b.hostKeyAlgorithms(hostKeyAlgs);
            b.ciphers(algorithms(cfg.get("ciphers"), defaults.ciphers()));
            b.macs(algorithms(cfg.get("macs"), defaults.macs()));
            b.kexAlgorithms(algorithms(cfg.get("kexalgorithms"), defaults.kexAlgorithms()));
            String compression = cfg.get("compression");
            if (compression != null && (compression.equalsIgnoreCase("yes") || compression.equalsIgnoreCase("true"))) {
                List<String> c = new ArrayList<>(defaults.compression());
                c.remove("none");
                c.add("none");
                b.compression(c);
            }
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        return b.build();
    }

    private void reportHandshakeFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SshException se && se.reason() == DisconnectReason.HOST_KEY_NOT_VERIFIABLE) {
                err.println(stripReason(se.getMessage()));
                return;
            }
            if (t instanceof NegotiationException) {
                err.println("Unable to negotiate with " + s.hostName() + " port " + s.port() + ": " + t.getMessage());
                return;
            }
        }
        err.println("ssh: connection to " + s.hostName() + " port " + s.port() + " failed: " + describe(e));
    }

    private void debug(String message) {
        s.debug(err, message);
    }

    /** Puts the host key algorithms of keys already known for the host first, as ssh(1) does. */
    static List<String> preferKnown(List<String> algorithms, Set<String> knownKeyTypes) {
        if (knownKeyTypes.isEmpty()) {
            return algorithms;
        }
        List<String> first = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        for (String a : algorithms) {
            String plain = SignatureAlgorithms.underlyingAlgorithm(a);
            String type;
            try {
                type = SignatureAlgorithms.keyType(plain);
            } catch (IllegalArgumentException e) {
                type = plain;
            }
            (knownKeyTypes.contains(type) ? first : rest).add(a);
        }
        first.addAll(rest);
        return first;
    }

    /** An algorithm list option: a replacement list, or {@code +} (append), {@code -} (remove), {@code ^} (prepend) to the defaults. */
    static List<String> algorithms(String spec, List<String> defaults) {
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

    private static String stripReason(String message) {
        return message == null ? "Host key verification failed." : message;
    }

    static String describe(Throwable e) {
        Throwable t = e;
        while (t instanceof ExecutionException || t instanceof java.util.concurrent.CompletionException) {
            t = t.getCause();
        }
        if (t instanceof TimeoutException) {
            return "timed out";
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
