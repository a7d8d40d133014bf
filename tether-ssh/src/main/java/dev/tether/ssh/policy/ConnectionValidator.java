package dev.tether.ssh.policy;

import dev.tether.ssh.common.DisconnectReason;
import java.net.InetSocketAddress;

/**
 * Decides whether a connection may proceed, in the spirit of Pyro's connection validators.
 * {@link #acceptHost} runs when a connection arrives, before any protocol work; a refused client
 * receives our version line and then an unencrypted DISCONNECT with the reason's code and a
 * readable message, which OpenSSH prints as {@code Received disconnect from ...:CODE: message}.
 *
 * <p>Validators compose as a list on {@link dev.tether.ssh.SshServer} (the first refusal wins) and may be
 * swapped at runtime. {@link #acceptHost} is called from the server's accept thread (with PROXY
 * protocol on, from the thread that read the connection's header); all calls must be quick and
 * thread-safe.
 */
public interface ConnectionValidator {

    /** Why a connection is refused, with the DISCONNECT code the client receives. */
    enum Reason {
        /** The address or network is not allowed (DISCONNECT code 1, HOST_NOT_ALLOWED_TO_CONNECT). */
        HOST_BLOCKED(DisconnectReason.HOST_NOT_ALLOWED_TO_CONNECT),
        /** Too many connections (DISCONNECT code 12, TOO_MANY_CONNECTIONS). */
        SERVER_TOO_BUSY(DisconnectReason.TOO_MANY_CONNECTIONS),
        /** Refused for another security reason (DISCONNECT code 11, BY_APPLICATION). */
        SECURITY(DisconnectReason.BY_APPLICATION);

        private final DisconnectReason code;

        Reason(DisconnectReason code) {
            this.code = code;
        }

        /**
         * The code of the DISCONNECT a refused client receives.
         *
         * @return the disconnect reason
         */
        public DisconnectReason disconnectReason() {
            return code;
        }
    }

    /**
     * Accept, or deny with a reason and a message for the client.
     *
     * @param reason  why the connection is refused, or null to accept
     * @param message the message sent with the DISCONNECT, or null to accept
     */
    record Verdict(Reason reason, String message) {
        private static final Verdict ACCEPT = new Verdict(null, null);

        /**
         * Accepts the connection.
         *
         * @return the shared accepting verdict
         */
        public static Verdict accept() {
            return ACCEPT;
        }

        /**
         * Refuses the connection.
         *
         * @param reason  why; decides the DISCONNECT code
         * @param message the message the client receives with the DISCONNECT
         * @return the refusing verdict
         * @throws NullPointerException if either is null
         */
        public static Verdict deny(Reason reason, String message) {
            return new Verdict(java.util.Objects.requireNonNull(reason), java.util.Objects.requireNonNull(message));
        }

        /**
         * Whether the connection may proceed.
         *
         * @return true for {@link #accept()}
         */
        public boolean accepted() {
            return reason == null;
        }
    }

    /**
     * A connection as validators see it.
     *
     * @param remote          the client's address (after PROXY protocol, when on)
     * @param local           the address it connected to
     * @param total           connections open now, this one excluded
     * @param unauthenticated of those, the ones not yet authenticated
     * @param fromSource      of those, the ones from the same source address
     */
    record Peer(InetSocketAddress remote, InetSocketAddress local, int total, int unauthenticated, int fromSource) {
    }

    /**
     * Called when a connection arrives, before the version exchange.
     *
     * @param peer the connection's addresses and the server's counts
     * @return {@link Verdict#accept()}, or a refusal
     */
    Verdict acceptHost(Peer peer);

    /**
     * Called once per login, after the server policy (any {@link ServerInterface}, not only a
     * {@link dev.tether.ssh.Portal}'s) has accepted it and before {@link ServerInterface#authenticated} and
     * USERAUTH_SUCCESS: the user, the methods and, with a Portal, the key (in
     * {@link Login#keyMatch()}) are known, and the login can still be refused; a refusal ends the
     * connection with a DISCONNECT carrying the reason's code and the message. Called on the
     * connection's reader thread, or on the thread that completed an asynchronous policy answer.
     *
     * @param login the user, the methods that succeeded and the matching key entry, if any
     * @return {@link Verdict#accept()} (the default), or a refusal
     */
    default Verdict acceptIdentification(Login login) {
        return Verdict.accept();
    }
}
