package dev.tether.ssh.forward;

import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.connection.ChannelImpl;
import dev.tether.ssh.connection.ConnectionHandlers;
import dev.tether.ssh.policy.ChannelOpenResult;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.session.SessionEnvironment;
import dev.tether.ssh.transport.EventLog;
import dev.tether.ssh.transport.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * X11 forwarding (RFC 4254 §6.3), both roles.
 *
 * <p><b>Server.</b> A session's {@code x11-req}, once the policy allows it
 * ({@link ServerInterface#checkChannelX11Request}), gets the next free display from
 * {@link ServerInterface#x11DisplayOffset} (sshd's X11DisplayOffset, 10): a listener on
 * 127.0.0.1:6000+N, {@code DISPLAY=localhost:N.SCREEN} as sshd sets it with X11UseLocalhost yes,
 * and {@code XAUTHORITY} naming a file in the session's private directory that holds the client's
 * cookie for that display (written here in libXau's format, {@link XAuthority}, so no
 * {@code xauth} program is needed and the user's own ~/.Xauthority is left alone). Each connection
 * becomes an {@code x11} channel to the client (originator address and port, §6.3.2), relayed both
 * ways; with single-connection, the listener closes after the first. The display is given up when
 * the session ends.
 *
 * <p><b>Client.</b> {@link Client#request} sends {@code x11-req} for a local display with a fake
 * cookie, as OpenSSH does; an incoming {@code x11} channel must start with an X11 connection setup
 * that carries exactly that fake cookie, which is replaced by the real one (from the local
 * Xauthority file) before the setup reaches the local X server. Setups with another protocol or
 * cookie are refused by closing the channel. {@code x11} channels are refused until a request.
 *
 * <p><b>Threads.</b> Request handlers run on the reader thread and only bind a socket. Server: one
 * thread per forwarded session blocks in {@code accept} until the session ends; each connection
 * gets one short-lived thread to open its channel, then {@link StreamRelay}'s two. Client:
 * one short-lived thread per channel reads the setup and connects to the display, then the relay's
 * two. All from {@link Threads}; none outlives its channel or session.
 */
public final class X11Forwarding {
    private static final Logger log = LoggerFactory.getLogger(X11Forwarding.class);
    static final int X11_BASE_PORT = 6000;
    /** As sshd's MAX_DISPLAYS: how many displays past the offset are tried. */
    static final int MAX_DISPLAYS = 1000;

    private X11Forwarding() {
    }

    // ------------------------------------------------------------------ server

    /** Server: registers {@code x11-req}. */
    public static void installServer(ConnectionHandlers.Builder handlers, ServerInterface policy) {
        handlers.channelRequest("x11-req", (ch, name, r) -> serverRequest(ch, policy, r));
    }

    private static boolean serverRequest(ChannelImpl ch, ServerInterface policy, SshReader r) throws IOException {
        boolean single = r.bool();
        String protocol = r.utf8();
        String cookieHex = r.utf8();
        int screen = r.uint32();
        if (!ch.type().equals("session")) {
            return false;
        }
        SessionEnvironment env = SessionEnvironment.of(ch);
        if (env.has("DISPLAY")) {
            EventLog.sessionRefused(ch.transport(), ch, "x11 forwarding", "already forwarded on this session");
            return false;
        }
        if (!policy.checkChannelX11Request(ch, single, protocol, cookieHex, screen)) {
            return false; // the policy logs why
        }
        byte[] cookie;
        try {
            cookie = HexFormat.of().parseHex(cookieHex);
        } catch (IllegalArgumentException e) {
            cookie = new byte[0];
        }
        if (cookie.length == 0 || cookie.length > 256 || protocol.isEmpty() || protocol.length() > 64 || screen < 0) {
            EventLog.sessionRefused(ch.transport(), ch, "x11 forwarding", "malformed authentication data");
            return false;
        }
        int offset = Math.max(0, policy.x11DisplayOffset());
        ServerSocketChannel listener = null;
        try {
            int display = -1;
            InetAddress loopback = InetAddress.getByAddress("localhost", new byte[]{127, 0, 0, 1});
            for (int n = offset; n < offset + MAX_DISPLAYS && X11_BASE_PORT + n <= 65535; n++) {
                ServerSocketChannel l = ServerSocketChannel.open();
                try {
                    l.bind(new InetSocketAddress(loopback, X11_BASE_PORT + n));
                    listener = l;
                    display = n;
                    break;
                } catch (BindException e) {
                    l.close();
                }
            }
            if (listener == null) {
                EventLog.sessionRefused(ch.transport(), ch, "x11 forwarding", "no free display from " + offset);
                return false;
            }
            env.closeAtEnd(listener);
            Path xauthority = env.privateDirectory().resolve("Xauthority");
            XAuthority.writeCookieFile(xauthority, display, protocol, cookie);
            env.put("DISPLAY", "localhost:" + display + "." + screen);
            env.put("XAUTHORITY", xauthority.toString());
            ServerSocketChannel l = listener;
            ch.afterReply(() -> Threads.newThread("tether-x11-listen-" + ch.localId(), () -> acceptLoop(ch, l, single)).start());
            log.debug("{} x11 forwarding on {}: display {}", ch.transport(), ch, display);
            return true;
        } catch (IOException e) {
            if (listener != null) {
                listener.close();
            }
            EventLog.sessionRefused(ch.transport(), ch, "x11 forwarding", "cannot set up the display: " + e.getMessage());
            return false;
        }
    }

    private static void acceptLoop(ChannelImpl session, ServerSocketChannel listener, boolean single) {
        while (listener.isOpen()) {
            SocketChannel s;
            try {
                s = listener.accept();
                if (single) {
                    listener.close();
                }
            } catch (IOException e) {
                return; // closed with the session
            }
            byte[] originator;
            try {
                // RFC 4254 §6.3.2: the originator's address and port
                InetSocketAddress from = (InetSocketAddress) s.getRemoteAddress();
                originator = new SshWriter().string(from.getAddress().getHostAddress()).uint32(from.getPort()).toByteArray();
            } catch (IOException e) {
                StreamRelay.closeQuietly(s);
                continue;
            }
            StreamRelay.openAndStart(session, "x11", originator, s);
        }
    }

    // ------------------------------------------------------------------ client

    /** A local display as {@code DISPLAY} names it: {@code [HOST]:N[.S]}. */
    record Display(String host, int number, int screen) {
        static Display parse(String display) {
            int colon = display.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("not an X display: " + display);
            }
            String host = display.substring(0, colon);
            String rest = display.substring(colon + 1);
            int dot = rest.indexOf('.');
            try {
                int n = Integer.parseInt(dot < 0 ? rest : rest.substring(0, dot));
                int s = dot < 0 ? 0 : Integer.parseInt(rest.substring(dot + 1));
                if (n < 0 || s < 0) {
                    throw new NumberFormatException();
                }
                return new Display(host, n, s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an X display: " + display);
            }
        }

        /** Whether the display is reached through its Unix socket (:N, unix:N). */
        boolean local() {
            return host.isEmpty() || host.equals("unix");
        }

        SocketChannel connect() throws IOException {
            if (local()) {
                SocketChannel s = SocketChannel.open(StandardProtocolFamily.UNIX);
                s.connect(UnixDomainSocketAddress.of("/tmp/.X11-unix/X" + number));
                return s;
            }
            return SocketChannel.open(new InetSocketAddress(host.startsWith("[") ? host.substring(1, host.length() - 1) : host,
                    X11_BASE_PORT + number));
        }
    }

    /** What one forwarding request set up: the local display and both cookies. */
    record Target(Display display, String protocol, byte[] realCookie, byte[] fakeCookie) {
    }

    /**
     * Client: one connection's X11 forwarding. Refuses {@code x11} channels until
     * {@link #request}. Thread-safe: the target is volatile.
     */
    public static final class Client {
        private static final SecureRandom RANDOM = new SecureRandom();
        private volatile Target target;

        /** Registers {@code x11} with the client's connection service. */
        public void install(ConnectionHandlers.Builder handlers) {
            handlers.channelType("x11", open -> {
                Target t = target;
                if (t == null) {
                    log.info("refused an x11 channel: X11 forwarding was not requested");
                    return ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
                }
                open.onOpened(ch -> Threads.newThread("tether-x11-" + ch.localId(), () -> serve(ch, t)).start());
                return ChannelOpenResult.SUCCEEDED;
            });
        }

        /**
         * Asks the server to forward X11 for {@code session} to the local {@code display}
         * ({@code ssh -X}, DISPLAY's syntax); call before {@code exec} or {@code shell}. The real
         * authorization comes from {@code xauthority} (null: {@code $XAUTHORITY} or
         * ~/.Xauthority); without one, a random cookie stands in, as OpenSSH does.
         *
         * @return whether the server agreed
         */
        public boolean request(Channel session, String display, Path xauthority, boolean singleConnection) throws IOException {
            Display d = Display.parse(display);
            Optional<XAuthority.Entry> real = XAuthority.find(xauthority != null ? xauthority : XAuthority.defaultFile(), d.number());
            String protocol = real.map(XAuthority.Entry::name).orElse(XAuthority.MIT_MAGIC_COOKIE);
            byte[] realCookie = real.map(XAuthority.Entry::data).orElse(null);
            if (realCookie == null || realCookie.length == 0) {
                log.warn("no xauth data for display {}; using fake authentication data for X11 forwarding", display);
                realCookie = new byte[16];
                RANDOM.nextBytes(realCookie);
            }
            byte[] fake = new byte[realCookie.length];
            RANDOM.nextBytes(fake);
            target = new Target(d, protocol, realCookie, fake);
            byte[] data = new SshWriter().bool(singleConnection).string(protocol).string(HexFormat.of().formatHex(fake))
                    .uint32(d.screen()).toByteArray();
            return ((ChannelImpl) session).sendRequest("x11-req", true, data);
        }

        /** Reads the connection setup, checks and replaces the cookie, and relays to the display. */
        private static void serve(ChannelImpl ch, Target t) {
            byte[] setup;
            try {
                setup = spoofedSetup(new DataInputStream(ch.getInputStream()), t);
            } catch (IOException e) {
                log.debug("{}: x11 setup: {}", ch, e.getMessage());
                setup = null;
            }
            if (setup == null) {
                ch.close();
                return;
            }
            SocketChannel s;
            try {
                s = t.display().connect();
            } catch (IOException e) {
                log.info("x11 forwarding: cannot connect to the local display {}: {}", t.display(), e.getMessage());
                ch.close();
                return;
            }
            StreamRelay.start("tether-x11-" + ch.localId(), StreamRelay.socket(s), ch, setup, null);
        }
    }

    /**
     * The X11 connection setup (X11 protocol, "Connection Setup") read from {@code in} with the
     * fake cookie replaced by the real one; null (logged) if the protocol or cookie is not the fake.
     * Layout: byte-order byte ('B' or 'l'), pad, major and minor version (CARD16 each), name and
     * data lengths (CARD16 each), pad (2), then the name and the data, each padded to 4 bytes.
     */
    static byte[] spoofedSetup(DataInputStream in, Target t) throws IOException {
        byte[] head = new byte[12];
        in.readFully(head);
        boolean big = head[0] == 'B';
        if (!big && head[0] != 'l') {
            log.info("x11 forwarding: not an X11 connection setup (byte order {})", head[0] & 0xff);
            return null;
        }
        int nameLen = card16(head, 6, big);
        int dataLen = card16(head, 8, big);
        byte[] name = new byte[nameLen];
        in.readFully(name);
        in.skipNBytes(pad(nameLen));
        byte[] data = new byte[dataLen];
        in.readFully(data);
        in.skipNBytes(pad(dataLen));
        if (!new String(name, java.nio.charset.StandardCharsets.US_ASCII).equals(t.protocol())) {
            log.info("x11 forwarding: the connection uses another authentication protocol");
            return null;
        }
        if (!MessageDigest.isEqual(data, t.fakeCookie())) {
            log.info("x11 forwarding: the connection's authentication data does not match the fake data");
            return null;
        }
        byte[] real = t.realCookie();
        byte[] out = new byte[12 + nameLen + pad(nameLen) + real.length + pad(real.length)];
        System.arraycopy(head, 0, out, 0, 12);
        putCard16(out, 8, real.length, big);
        System.arraycopy(name, 0, out, 12, nameLen);
        System.arraycopy(real, 0, out, 12 + nameLen + pad(nameLen), real.length);
        return out;
    }

    private static int pad(int n) {
        return (4 - (n & 3)) & 3;
    }

    private static int card16(byte[] b, int off, boolean big) {
        int a = b[off] & 0xff;
        int c = b[off + 1] & 0xff;
        return big ? a << 8 | c : c << 8 | a;
    }

    private static void putCard16(byte[] b, int off, int v, boolean big) {
        b[big ? off : off + 1] = (byte) (v >>> 8);
        b[big ? off + 1 : off] = (byte) v;
    }
}
