package dev.tether.ssh.connection;

import dev.tether.ssh.common.SshReader;

import java.io.IOException;

/**
 * Handles one kind of global request (RFC 4254 §4), registered with {@link ConnectionHandlers}
 * under its name: {@code tcpip-forward}, {@code no-more-sessions@openssh.com}, ... The
 * multiplexer sends the reply when the peer asked for one.
 *
 * <p>Called on the connection's reader thread: it must answer quickly and never block.
 */
@FunctionalInterface
public interface GlobalRequestHandler {
    /** Refuses: REQUEST_FAILURE. */
    GlobalRequestHandler REFUSE = (name, data) -> null;

    /**
     * @param name the request name
     * @param data the request-specific data, positioned at its start
     * @return null to refuse (REQUEST_FAILURE), else the data of REQUEST_SUCCESS (empty for none)
     */
    byte[] handle(String name, SshReader data) throws IOException;

    /**
     * A global request answered later ({@code tcpip-forward} asking an asynchronous policy, then
     * binding a listener): the multiplexer still sends the replies in the order the requests
     * came. Called on the reader thread; the stage may complete on any thread.
     */
    @FunctionalInterface
    interface Async {
        /**
         * @param connection the connection service, e.g. to open channels to the peer later
         * @return a stage completing with null to refuse, else the data of REQUEST_SUCCESS
         */
        java.util.concurrent.CompletionStage<byte[]> handle(ConnectionService connection, String name, SshReader data)
                throws IOException;
    }
}
