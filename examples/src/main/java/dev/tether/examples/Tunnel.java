package dev.tether.examples;

import dev.tether.ssh.client.SshClient;
import dev.tether.ssh.common.Forward;

import java.io.IOException;

/**
 * A local port forward, as {@code ssh -N -L PORT:HOST:HOSTPORT DESTINATION}: connections to
 * 127.0.0.1:PORT reach HOST:HOSTPORT as the server sees it, until stdin closes.
 *
 * <pre>usage: Tunnel DESTINATION PORT HOST HOSTPORT   (PORT 0 picks a free one)</pre>
 */
public final class Tunnel implements AutoCloseable {
    private final SshClient client;
    private final Forward forward;

    private Tunnel(SshClient client, Forward forward) {
        this.client = client;
        this.forward = forward;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: Tunnel DESTINATION PORT HOST HOSTPORT");
            System.exit(2);
        }
        try (Tunnel t = open(SshClient.builder(args[0]), Integer.parseInt(args[1]), args[2], Integer.parseInt(args[3]))) {
            System.out.println("forwarding 127.0.0.1:" + t.port() + " to " + args[2] + ":" + args[3]);
            while (System.in.read() >= 0) {
                // until stdin closes
            }
        }
    }

    /** Connects and starts listening on 127.0.0.1:{@code localPort}. */
    public static Tunnel open(SshClient.Builder destination, int localPort, String host, int port) throws IOException {
        SshClient client = destination.connect();
        try {
            return new Tunnel(client, client.forwardLocal(localPort, host, port));
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** The local port. */
    public int port() {
        return forward.boundPort();
    }

    /** Stops listening and ends the connection. */
    @Override
    public void close() {
        forward.close();
        client.close();
    }
}
