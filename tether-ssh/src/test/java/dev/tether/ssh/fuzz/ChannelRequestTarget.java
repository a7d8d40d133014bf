package dev.tether.ssh.fuzz;

import dev.tether.ssh.FuzzHooks;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.PtyRequest;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.connection.ConnectionHandlers;
import dev.tether.ssh.connection.ConnectionService;
import dev.tether.ssh.forward.AgentForwarding;
import dev.tether.ssh.forward.RemoteForwards;
import dev.tether.ssh.forward.X11Forwarding;
import dev.tether.ssh.policy.ChannelOpenResult;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.session.SessionChannels;
import dev.tether.ssh.transport.TransportEngine;
import dev.tether.ssh.wire.ChannelMessages;
import dev.tether.ssh.wire.GlobalRequests;
import dev.tether.ssh.wire.MessageNumbers;
import dev.tether.ssh.wire.TerminalModes;

import java.io.IOException;

/**
 * Connection protocol requests as the library's connection layer parses them: the real
 * {@link ConnectionService} with the handlers the server installs ({@code ServiceStack}:
 * sessions with pty-req and its terminal modes, env, exec, shell, subsystem, window-change,
 * signal; x11-req; auth-agent-req@openssh.com; direct-tcpip, direct-streamlocal@openssh.com;
 * tcpip-forward, streamlocal-forward@openssh.com and their cancels; keepalive and
 * no-more-sessions; everything else to the policy), or the client's (exit-status, exit-signal,
 * the x11, auth-agent@openssh.com, forwarded-tcpip and forwarded-streamlocal@openssh.com channel
 * types), on a recording transport. The policy refuses everything but a session channel, so
 * nothing listens, connects or runs; it checks what reaches it.
 *
 * <p>Input: byte 0 bit 0 picks the side (clear: server, set: client). A session channel (our id
 * 0) is open first. The rest is one whole connection protocol message, number first
 * (GLOBAL_REQUEST, CHANNEL_OPEN, CHANNEL_REQUEST to channel 0, ...). Only {@link IOException} (an
 * {@link SshException} ending the connection) is expected; a want-reply channel request that did
 * not end the connection is answered exactly once, and so is a want-reply global request whose
 * handler answers at once (not tcpip-forward or streamlocal-forward@openssh.com, which bind on a
 * thread of their own); a global request without want-reply gets no reply.
 */
public final class ChannelRequestTarget {
    private ChannelRequestTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length < 2) {
            return;
        }
        boolean client = (data[0] & 1) != 0;
        FuzzTransport t = new FuzzTransport(client, UserAuthRequestTarget.HOST_KEY);
        ConnectionService cs = client ? clientConnection(t) : FuzzHooks.serverConnection(t, new Policy());
        try {
            byte[] open = new ChannelMessages.Open("session", 7, 1 << 20, 32768).encode();
            cs.handle(open[0] & 0xff, new SshReader(open, 1, open.length - 1));
            if (t.sent.size() != 1 || t.sent.get(0)[0] != MessageNumbers.CHANNEL_OPEN_CONFIRMATION) {
                throw new IllegalStateException("the session channel did not open");
            }
            t.sent.clear();
            int m = data[1] & 0xff;
            boolean handled;
            try {
                handled = cs.handle(m, new SshReader(data, 2, data.length - 2));
            } catch (IOException e) {
                t.rethrowUnexpected();
                return; // malformed: the connection ends with the reason
            }
            t.rethrowUnexpected();
            if (handled && m == MessageNumbers.CHANNEL_REQUEST && wantsReply(data)) {
                long replies = t.sent.stream().filter(p -> p[0] == MessageNumbers.CHANNEL_SUCCESS
                        || p[0] == MessageNumbers.CHANNEL_FAILURE).count();
                if (replies != 1) {
                    throw new IllegalStateException("a want-reply channel request got " + replies + " replies");
                }
            }
            if (handled && m == MessageNumbers.GLOBAL_REQUEST) {
                checkGlobalReply(t, data);
            }
        } catch (IOException e) {
            throw new IllegalStateException("opening the session channel failed", e);
        } finally {
            cs.closed(new SshException("fuzz input done"));
        }
    }

    /**
     * A want-reply global request is answered once, at once unless its handler binds on a thread
     * of its own (tcpip-forward, streamlocal-forward@openssh.com); one without want-reply is not.
     */
    private static void checkGlobalReply(FuzzTransport t, byte[] data) {
        GlobalRequests.GlobalRequest req;
        try {
            req = GlobalRequests.GlobalRequest.decode(new SshReader(data, 2, data.length - 2));
        } catch (SshException e) {
            throw new IllegalStateException("a global request was handled that does not decode", e);
        }
        if (req.wantReply() && (req.name().equals("tcpip-forward") || req.name().equals("streamlocal-forward@openssh.com"))) {
            return;
        }
        long replies;
        synchronized (t) {
            replies = t.sent.stream().filter(p -> p[0] == MessageNumbers.REQUEST_SUCCESS
                    || p[0] == MessageNumbers.REQUEST_FAILURE).count();
        }
        if (replies != (req.wantReply() ? 1 : 0)) {
            throw new IllegalStateException("global request " + req.name() + " (want reply " + req.wantReply() + ") got "
                    + replies + " replies");
        }
    }

    /** The want-reply flag of a CHANNEL_REQUEST that decoded (number, recipient, type, flag). */
    private static boolean wantsReply(byte[] data) {
        try {
            SshReader r = new SshReader(data, 2, data.length - 2);
            ChannelMessages.Request req = ChannelMessages.Request.decode(r);
            return req.wantReply();
        } catch (SshException e) {
            return false;
        }
    }

    /**
     * The client's connection service as {@code ServiceStack.clientConnection} builds it (no
     * forward requested, so their channel types refuse), plus a {@code session} channel type so
     * that the target can open the channel the server's requests go to.
     */
    private static ConnectionService clientConnection(FuzzTransport t) {
        ConnectionHandlers.Builder h = ConnectionHandlers.builder();
        SessionChannels.installClient(h);
        new AgentForwarding.Client((TransportEngine) null).install(h);
        new X11Forwarding.Client().install(h);
        new RemoteForwards().installClient(h);
        h.channelType("session", open -> ChannelOpenResult.SUCCEEDED);
        return new ConnectionService(t, h.build());
    }

    /** Refuses every request after checking the values that reached it; opens sessions only. */
    private static final class Policy implements ServerInterface {
        @Override
        public ChannelOpenResult checkChannelRequest(String kind, int chanid) {
            return kind.equals("session") ? ChannelOpenResult.SUCCEEDED : ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
        }

        @Override
        public boolean checkChannelPtyRequest(Channel channel, PtyRequest pty) {
            if (pty.term() == null || pty.modes() == null) {
                throw new IllegalStateException("pty-req decoded with nulls: " + pty);
            }
            byte[] enc = TerminalModes.encode(pty.modes());
            try {
                if (!TerminalModes.decode(enc).equals(pty.modes())) {
                    throw new IllegalStateException("terminal modes change when encoded and decoded again: " + pty.modes());
                }
            } catch (SshException e) {
                throw new IllegalStateException("encoded terminal modes do not decode", e);
            }
            return false;
        }

        @Override
        public boolean checkChannelEnvRequest(Channel channel, String name, String value) {
            if (name == null || value == null) {
                throw new IllegalStateException("env decoded with nulls");
            }
            return false;
        }
    }


}
