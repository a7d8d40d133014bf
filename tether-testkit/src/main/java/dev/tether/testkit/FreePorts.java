package dev.tether.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Free loopback ports, for peers that must be told theirs (sshd, haproxy). Every server a test
 * starts binds 127.0.0.1. Thread-safe (stateless); the probe socket is closed before returning.
 */
public final class FreePorts {
    public static final String LOOPBACK = "127.0.0.1";

    private FreePorts() {
    }

    /** Asks the OS for a free loopback port. Another process may take it before the peer binds it; callers retry. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(LOOPBACK, 0));
            return s.getLocalPort();
        }
    }
}
