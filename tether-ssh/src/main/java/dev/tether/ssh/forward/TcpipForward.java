package dev.tether.ssh.forward;

import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.connection.ConnectionHandlers;
import dev.tether.ssh.policy.ServerInterface;

/**
 * Remote port forwarding's global requests (RFC 4254 §7.1; {@code ssh -R}): {@code tcpip-forward}
 * asks the server's policy ({@link ServerInterface#checkPortForwardRequest}), which answers with
 * the port it bound, and {@code cancel-tcpip-forward} tells it to stop. No listener is opened here
 * yet; the policy's answer is all that is sent.
 *
 * <p>Stateless; called on the connection's reader thread.
 */
public final class TcpipForward {
    private TcpipForward() {
    }

    /** Server: registers both requests. */
    public static void installServer(ConnectionHandlers.Builder handlers, ServerInterface policy) {
        handlers.globalRequest("tcpip-forward", (name, r) -> {
            String address = r.utf8();
            int port = r.uint32();
            int bound = policy.checkPortForwardRequest(address, port);
            if (bound < 0) {
                return null;
            }
            // RFC 4254 §7.1: the port bound is returned only when port 0 was asked for
            return port == 0 ? new SshWriter(4).uint32(bound).toByteArray() : new byte[0];
        }).globalRequest("cancel-tcpip-forward", (name, r) -> {
            policy.cancelPortForwardRequest(r.utf8(), r.uint32());
            return new byte[0];
        });
    }
}
