package dev.tether.ssh.session;

import dev.tether.ssh.common.PtyRequest;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.connection.ChannelImpl;
import dev.tether.ssh.connection.ChannelOpenHandler;
import dev.tether.ssh.connection.ConnectionHandlers;
import dev.tether.ssh.policy.ChannelOpenResult;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.wire.Disconnect;
import dev.tether.ssh.wire.TerminalModes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * The {@code session} channel type (RFC 4254 §6) as the connection service's handlers. Server:
 * opening a session (MaxSessions, OpenSSH's {@code no-more-sessions@openssh.com}, then the policy's
 * {@link ServerInterface#checkChannelRequest}) and the session requests, decoded and handed to
 * the policy: {@code pty-req}, {@code shell}, {@code exec}, {@code subsystem}, {@code env},
 * {@code window-change}, {@code signal} (§6.2–6.9). Client: the server's {@code exit-status} and
 * {@code exit-signal} (§6.10). What the policy then runs (processes, ptys, in-process commands) is
 * the rest of this package.
 *
 * <p>One instance per connection; its methods run on the connection's reader thread, so the
 * {@code no-more-sessions} flag needs no lock.
 */
public final class SessionChannels {
    private static final Logger log = LoggerFactory.getLogger("dev.tether.ssh.connection.ConnectionService");

    private final ServerInterface policy;
    /** The client sent no-more-sessions@openssh.com: later session opens are refused. */
    private volatile boolean noMoreSessions;

    private SessionChannels(ServerInterface policy) {
        this.policy = policy;
    }

    /** Server: registers the session channel type, its requests and {@code no-more-sessions@openssh.com}. */
    public static void installServer(ConnectionHandlers.Builder handlers, ServerInterface policy) {
        SessionChannels s = new SessionChannels(policy);
        handlers.channelType("session", s::open)
                .globalRequest("no-more-sessions@openssh.com", (name, data) -> {
                    s.noMoreSessions = true;
                    return null; // refused, as sshd does; the flag is what counts
                })
                .channelRequest("pty-req", s::ptyRequest)
                .channelRequest("shell", (ch, name, r) -> policy.checkChannelShellRequest(ch))
                .channelRequest("exec", (ch, name, r) -> policy.checkChannelExecRequest(ch, r.utf8()))
                .channelRequest("subsystem", (ch, name, r) -> policy.checkChannelSubsystemRequest(ch, r.utf8()))
                .channelRequest("env", (ch, name, r) -> policy.checkChannelEnvRequest(ch, r.utf8(), r.utf8()))
                .channelRequest("window-change", (ch, name, r) ->
                        policy.checkChannelWindowChangeRequest(ch, r.uint32(), r.uint32(), r.uint32(), r.uint32()))
                .channelRequest("signal", (ch, name, r) -> policy.checkChannelSignalRequest(ch, r.ascii()));
    }

    /** Client: registers the server's {@code exit-status} and {@code exit-signal} (RFC 4254 §6.10). */
    public static void installClient(ConnectionHandlers.Builder handlers) {
        handlers.channelRequest("exit-status", (ch, name, r) -> {
            ch.onExitStatus(r.uint32());
            return true;
        }).channelRequest("exit-signal", (ch, name, r) -> {
            ch.onExitSignal(Disconnect.sanitize(r.ascii()));
            return true;
        });
    }

    private ChannelOpenResult open(ChannelOpenHandler.IncomingOpen open) {
        if (noMoreSessions) {
            return ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
        }
        int max = open.connection().transport().settings().maxSessions();
        if (open.connection().openChannelCount("session") >= max) {
            // as sshd: CONNECT_FAILED, "open failed" (ssh prints "open failed: connect failed: open failed")
            open.refusalDescription("open failed");
            log.info("{} refused a session: MaxSessions ({}) reached", open.connection().transport(), max);
            return ChannelOpenResult.CONNECT_FAILED;
        }
        return policy.checkChannelRequest(open.type(), open.channelId());
    }

    private boolean ptyRequest(ChannelImpl ch, String name, SshReader r) throws IOException {
        String term = r.utf8();
        int cols = r.uint32();
        int rows = r.uint32();
        int w = r.uint32();
        int h = r.uint32();
        byte[] modes = r.string();
        return policy.checkChannelPtyRequest(ch, new PtyRequest(term, cols, rows, w, h, TerminalModes.decode(modes)));
    }
}
