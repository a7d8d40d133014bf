package dev.tether.ssh;

import dev.tether.ssh.connection.ConnectionService;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.transport.PacketConnection;
import dev.tether.ssh.transport.TransportSettings;

/**
 * Test-side access for the fuzz targets ({@code dev.tether.ssh.fuzz}) to package-private pieces
 * of the library: the default transport settings and the server's real connection service, as
 * {@link ServiceStack} puts it together.
 */
public final class FuzzHooks {
    private FuzzHooks() {
    }

    public static TransportSettings defaultSettings() {
        return TransportConfig.defaults().settings();
    }

    /** The server's connection service with every feature's handlers installed, asking {@code policy}. */
    public static ConnectionService serverConnection(PacketConnection transport, ServerInterface policy) {
        return ServiceStack.serverConnection(transport, policy);
    }
}
