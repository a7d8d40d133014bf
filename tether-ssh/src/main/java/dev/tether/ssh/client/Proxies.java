package dev.tether.ssh.client;

import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.keys.HostKeyVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;

/**
 * How a host that is not dialled directly is reached: {@code ProxyJump} (each hop a connection
 * of its own, an {@link SshClient} resolved from its own ssh_config Host blocks with the same
 * configuration files and none of the caller's identities or options, as ssh(1) passes only
 * {@code -l}, {@code -p}, {@code -F} and {@code -J} to the jump's {@code ssh -W}; the last hop
 * opens {@code direct-tcpip} to the target and the target's connection runs over that channel),
 * or {@code ProxyCommand} (run with /bin/sh, {@code %h %p %r %n %%} expanded; the connection runs
 * over its stdin and stdout, in the builder's environment; its stderr is the caller's). {@link SshConfig} keeps whichever of
 * the two comes first.
 *
 * <p>Threading: runs on the connecting thread; a jump's connection is closed when the connection
 * through it closes, a proxy command's process is destroyed then.
 */
final class Proxies {
    private static final Logger log = LoggerFactory.getLogger(Proxies.class);
    /** Hops beyond this are a loop in the configuration (ProxyJump naming itself). */
    private static final int MAX_DEPTH = 16;
    private static final ThreadLocal<Integer> DEPTH = ThreadLocal.withInitial(() -> 0);

    private Proxies() {
    }

    /** Whether the settings name a proxy. */
    static boolean any(ClientSettings s) {
        return s.proxyJump() != null || s.proxyCommand() != null;
    }

    /** Connects and runs the handshake through the proxy the settings name. */
    static Transport connect(ClientSettings s, SshClient.Builder parent, TransportConfig config,
                             HostKeyVerifier verifier) throws IOException {
        return s.proxyJump() != null ? jump(s, parent, config, verifier) : command(s, parent.environment(), config, verifier);
    }

    private static Transport jump(ClientSettings s, SshClient.Builder parent, TransportConfig config,
                                  HostKeyVerifier verifier) throws IOException {
        List<String> hops = List.of(s.proxyJump().split(","));
        String last = hops.get(hops.size() - 1).strip();
        String rest = String.join(",", hops.subList(0, hops.size() - 1));
        int depth = DEPTH.get();
        if (depth >= MAX_DEPTH) {
            throw new ConfigException("too many jump hosts (a ProxyJump loop?) at " + last);
        }
        SshClient via;
        DEPTH.set(depth + 1);
        try {
            Destination hop;
            try {
                hop = Destination.parseHop(last);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("ProxyJump: " + e.getMessage());
            }
            SshClient.Builder b = parent.forHop(hop);
            if (!rest.isBlank()) {
                b.option("ProxyJump=" + rest);
            }
            via = b.connect();
        } finally {
            DEPTH.set(depth);
        }
        Channel ch;
        try {
            ch = via.transport().openDirectTcpip(s.hostName(), s.port(), "127.0.0.1", 65535);
        } catch (IOException e) {
            via.close();
            throw new IOException("jump host " + last + ": channel open to " + s.hostName() + ":" + s.port()
                    + " failed: " + e.getMessage(), e);
        }
        log.debug("jump host {}: channel open to {}:{}", last, s.hostName(), s.port());
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

    private static Transport command(ClientSettings s, java.util.Map<String, String> env, TransportConfig config,
                                     HostKeyVerifier verifier) throws IOException {
        String line = expandTokens(s.proxyCommand(), s);
        log.debug("Executing proxy command: exec {}", line);
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", "exec " + line).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().clear();
        pb.environment().putAll(env); // the client's environment (SshClient.Builder.environment)
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

    /** ProxyCommand's tokens: {@code %h %p %r %n %%}; any other is an error, as in ssh(1). */
    static String expandTokens(String command, ClientSettings s) throws ConfigException {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (c != '%') {
                b.append(c);
                continue;
            }
            char t = i + 1 < command.length() ? command.charAt(++i) : '\0';
            switch (t) {
                case '%' -> b.append('%');
                case 'h' -> b.append(s.hostName());
                case 'p' -> b.append(s.port());
                case 'r' -> b.append(s.user());
                case 'n' -> b.append(s.originalHost());
                default -> throw new ConfigException(s.config().where("proxycommand", 0) + "ProxyCommand: unknown token %"
                        + (t == '\0' ? "" : String.valueOf(t)) + " in \"" + command + "\" (%h, %p, %r, %n and %% are known)");
            }
        }
        return b.toString();
    }
}
