package dev.tether.ssh;

import dev.tether.ssh.connection.ConnectionService;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.transport.PacketConnection;
import dev.tether.ssh.transport.TransportEngine;

import java.util.function.Function;

/**
 * The tests' way to the engine under the public API: raw sends, service requests and handlers
 * for scripted and hostile peers, and the config's engine-level service hook. Not part of the
 * library's API (the engine's packages are not exported).
 */
public final class Engines {
    private Engines() {
    }

    /** The engine of a connection: send raw messages, request services, install handlers. */
    public static TransportEngine of(Transport t) {
        return t.engine();
    }

    /** The connection service a server runs after a login, with {@code policy}'s handlers (as the library puts it together). */
    public static ConnectionService serverConnection(Transport t, ServerInterface policy) {
        return ServiceStack.serverConnection(t.engine(), policy);
    }

    /** Adds (or, with null, removes) a server service by name, beside those the library puts together. */
    public static TransportConfig.Builder service(TransportConfig.Builder b, String name,
                                                  Function<PacketConnection, MessageHandler> factory) {
        return b.service(name, factory);
    }
}
