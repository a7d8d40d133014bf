package dev.tether.ssh.testutil;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Loopback ports for peers that must be told theirs (sshd). */
public final class Ports {
    public static final String LOOPBACK = "127.0.0.1";

    private Ports() {
    }

    /** Asks the OS for a free loopback port. Another process may take it before we bind it; callers retry. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(LOOPBACK, 0));
            return s.getLocalPort();
        }
    }
}
