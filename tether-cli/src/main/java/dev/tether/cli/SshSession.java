package dev.tether.cli;

import dev.tether.ssh.client.ClientSettings;
import dev.tether.ssh.client.ConfigException;

import dev.tether.ssh.Transport;
import dev.tether.ssh.client.HostKeyException;
import dev.tether.ssh.client.SshClient;
import dev.tether.ssh.common.AuthenticationException;
import dev.tether.ssh.common.NegotiationException;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * One {@code tether ssh} run: the library's {@link SshClient} connects (directly or through
 * ProxyJump / ProxyCommand), checks the host key against known_hosts and authenticates, asking
 * at the terminal through {@link TtyPrompts}; then the remote command or shell
 * ({@link SshRemoteCommand}), or with {@code -N} just the connection until it ends. Failures are
 * reported in ssh(1)'s words.
 */
final class SshSession {
    private final ClientSettings s;
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

    SshSession(ClientSettings s, String command, boolean noCommand, boolean devNullStdin, Set<Path> cliIdentities, PrintStream err) {
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
     * Connects, checks the host key and authenticates, as {@code tether ssh} does, through the
     * library's {@link SshClient} (so that the CLI and the library cannot disagree); shared by
     * {@code tether sftp} and {@code tether scp}. Returns null, the failure reported on stderr in
     * ssh(1)'s words, when any step fails.
     */
    Transport open() throws IOException {
        SshClient.Builder b = SshClient.builder(s).prompts(new TtyPrompts(canPrompt && !s.batchMode(), err))
                .environment(environment());
        cliIdentities.forEach(b::identity);
        try {
            return b.connect().transport();
        } catch (ConfigException | HostKeyException | AuthenticationException e) {
            err.println(e.getMessage());
        } catch (NegotiationException e) {
            err.println("Unable to negotiate with " + s.hostName() + " port " + s.port() + ": " + e.getMessage());
        } catch (UnknownHostException | ConnectException | NoRouteToHostException | SocketTimeoutException e) {
            err.println("ssh: " + e.getMessage());
        } catch (IOException e) {
            err.println("ssh: connection to " + s.hostName() + " port " + s.port() + " failed: " + describe(e));
        }
        return null;
    }

    /** This process's environment, less the variable by which a {@code -f} child reports readiness (not for a ProxyCommand). */
    private static Map<String, String> environment() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.remove(SshFork.ENV);
        return env;
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
