package dev.tether.ssh.forward;

import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.SshWriter;

import java.io.IOException;

/**
 * Opens a channel on the connection and waits for the answer ({@code Transport.openChannel}), and
 * the type-specific data of the channel types a client opens for forwarding: {@code direct-tcpip}
 * (RFC 4254 §7.2) and {@code direct-streamlocal@openssh.com} (OpenSSH PROTOCOL §2.4). Called on
 * the thread of the connection being forwarded.
 */
@FunctionalInterface
public interface ChannelOpener {
    Channel open(String type, byte[] typeSpecificData) throws IOException;

    /** {@code direct-tcpip}: host and port to connect to, originator address and port. */
    default Channel directTcpip(String host, int port, String originHost, int originPort) throws IOException {
        return open("direct-tcpip", new SshWriter().string(host).uint32(port).string(originHost).uint32(originPort).toByteArray());
    }

    /** {@code direct-streamlocal@openssh.com}: the server's socket path, then a reserved string and uint32. */
    default Channel directStreamLocal(String socketPath) throws IOException {
        return open("direct-streamlocal@openssh.com", new SshWriter().string(socketPath).string("").uint32(0).toByteArray());
    }
}
