package dev.tether.cli;

import dev.tether.ssh.client.ClientSettings;

import dev.tether.ssh.Transport;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.Forward;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tether ssh}'s forwardings on an authenticated connection, set up before the session as
 * ssh(1) does, with its messages: local and dynamic listeners (bind addresses as
 * {@code channel_fwd_bind_addr} chooses them: no address is loopback unless GatewayPorts, an empty
 * one or {@code *} is every address), remote forwards (the bind host sent as
 * {@code channel_rfwd_bind_host} does; "Allocated port N for remote forward to HOST:PORT" for port
 * 0), ExitOnForwardFailure, and {@code -W}'s stdin and stdout through one channel.
 *
 * <p>Threading: set-up runs on the caller's thread; the forwardings run on the library's threads
 * and end with the connection; {@code -W} copies stdin on one extra daemon thread while the
 * caller's thread copies to stdout.
 */
final class SshTunnels {
    private final Transport t;
    private final SshForwarding f;
    private final ClientSettings s;
    private final PrintStream err;
    private final List<Forward> forwards = new ArrayList<>();

    SshTunnels(Transport t, SshForwarding f, ClientSettings s, PrintStream err) {
        this.t = t;
        this.f = f;
        this.s = s;
        this.err = err;
    }

    /** Sets up every forwarding; false (reported) when ExitOnForwardFailure says to stop. */
    boolean start() {
        int wanted = f.local().size() + f.dynamic().size();
        int ok = 0;
        for (ForwardSpec l : f.local()) {
            ok += local(l) ? 1 : 0;
        }
        for (ForwardSpec d : f.dynamic()) {
            ok += local(d) ? 1 : 0;
        }
        if (wanted > 0 && ok != wanted && f.exitOnForwardFailure()) {
            err.println("Could not request local forwarding.");
            return false;
        }
        if (wanted > 0 && ok == 0) {
            err.println("Could not request local forwarding.");
        }
        for (ForwardSpec r : f.remote()) {
            if (!remote(r)) {
                String what = r.listenPath() != null ? "listen path " + r.listenPath() : "listen port " + r.listenPort();
                if (f.exitOnForwardFailure()) {
                    err.println("Error: remote port forwarding failed for " + what);
                    return false;
                }
                if (!s.quiet()) {
                    err.println("Warning: remote port forwarding failed for " + what);
                }
            }
        }
        return true;
    }

    private boolean local(ForwardSpec l) {
        SocketAddress bind;
        try {
            bind = bindAddress(l);
        } catch (IOException e) {
            err.println("channel_setup_fwd_listener_tcpip: getaddrinfo(" + l.listenHost() + "): " + e.getMessage());
            return false;
        }
        try {
            Forward fwd = l.dynamic() ? t.forwardDynamic(bind)
                    : l.connectPath() != null ? t.forwardLocalToSocket(bind, l.connectPath())
                    : t.forwardLocal(bind, l.connectHost(), l.connectPort());
            forwards.add(fwd);
            Cli.debug(s, err, "Local " + (l.dynamic() ? "dynamic " : "") + "forwarding listening on " + fwd.boundAddress()
                    + (l.dynamic() ? "" : " to " + l.target()));
            return true;
        } catch (IOException e) {
            String why = e.getMessage() != null && e.getMessage().contains("in use") ? "Address already in use" : e.getMessage();
            if (bind instanceof InetSocketAddress a) {
                err.println("bind [" + a.getAddress().getHostAddress() + "]:" + a.getPort() + ": " + why);
                err.println("channel_setup_fwd_listener_tcpip: cannot listen to port: " + a.getPort());
            } else {
                err.println("unix_listener: cannot bind to path " + l.listenPath() + ": " + why);
            }
            return false;
        }
    }

    /** ssh's channel_fwd_bind_addr for a client. */
    private SocketAddress bindAddress(ForwardSpec l) throws IOException {
        if (l.listenPath() != null) {
            Path p = Path.of(l.listenPath());
            if (f.streamLocalBindUnlink()) {
                Files.deleteIfExists(p);
            }
            return UnixDomainSocketAddress.of(p);
        }
        String h = l.listenHost();
        if (h == null) {
            return f.gatewayPorts() ? new InetSocketAddress(l.listenPort()) : new InetSocketAddress(loopback(), l.listenPort());
        }
        if (h.isEmpty() || h.equals("*")) {
            return new InetSocketAddress(l.listenPort());
        }
        if (h.equals("localhost")) {
            return new InetSocketAddress(loopback(), l.listenPort());
        }
        return new InetSocketAddress(InetAddress.getByName(h), l.listenPort());
    }

    private static InetAddress loopback() throws IOException {
        return InetAddress.getByName("127.0.0.1");
    }

    private boolean remote(ForwardSpec r) {
        SocketAddress target = r.dynamic() ? null : r.connectPath() != null ? UnixDomainSocketAddress.of(r.connectPath())
                : InetSocketAddress.createUnresolved(r.connectHost(), r.connectPort());
        try {
            Forward fwd;
            if (r.listenPath() != null) {
                if (target == null) {
                    return false;
                }
                fwd = t.forwardRemoteSocket(r.listenPath(), target);
            } else {
                String h = r.listenHost();
                String bindHost = h == null ? "localhost" : h.isEmpty() || h.equals("*") ? "" : h;
                fwd = t.forwardRemote(bindHost, r.listenPort(), target);
                if (r.listenPort() == 0 && !s.quiet()) {
                    err.println("Allocated port " + fwd.boundPort() + " for remote forward to " + r.target());
                    err.flush();
                }
            }
            forwards.add(fwd);
            Cli.debug(s, err, "remote forward success for: listen " + r.listen() + ", connect " + r.target());
            return true;
        } catch (IOException e) {
            Cli.debug(s, err, "remote forward failure: " + e.getMessage());
            return false;
        }
    }

    /**
     * {@code -W}: stdin and stdout through a {@code direct-tcpip} (or streamlocal) channel until
     * the channel closes; 255 when it cannot be opened, as ssh's "stdio forwarding failed".
     */
    int stdio() {
        ForwardSpec w = f.stdio();
        Channel ch;
        try {
            ch = w.listenPath() != null ? t.openDirectStreamLocal(w.listenPath())
                    : t.openDirectTcpip(w.listenHost(), w.listenPort(), "127.0.0.1", 65535);
        } catch (IOException e) {
            err.println("channel 0: open failed: " + SshSession.describe(e));
            err.println("stdio forwarding failed");
            return SshCommand.FAILURE;
        }
        InputStream stdin = new FileInputStream(FileDescriptor.in);
        OutputStream stdout = new FileOutputStream(FileDescriptor.out);
        Thread in = new Thread(() -> {
            try (OutputStream o = ch.getOutputStream()) {
                stdin.transferTo(o);
            } catch (IOException e) {
                // the channel or the connection is gone
            }
        }, "tether-ssh-W-stdin");
        in.setDaemon(true);
        in.start();
        try {
            byte[] buf = new byte[32 * 1024];
            InputStream from = ch.getInputStream();
            int n;
            while ((n = from.read(buf)) >= 0) {
                stdout.write(buf, 0, n);
                stdout.flush();
            }
            stdout.close();
        } catch (IOException e) {
            // stdout closed or the connection lost
        } finally {
            ch.close();
        }
        return 0;
    }
}
