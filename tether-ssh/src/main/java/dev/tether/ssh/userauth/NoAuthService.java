package dev.tether.ssh.userauth;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.transport.PacketConnection;
import dev.tether.ssh.wire.MessageNumbers;
import dev.tether.ssh.wire.UserAuthMessages;
import dev.tether.ssh.wire.UserAuthRequest;

import java.io.IOException;
import java.util.List;

/**
 * The server's {@code ssh-userauth} service before any credential checker is configured: it
 * speaks RFC 4252 correctly but accepts nobody. Every request, {@code none} included, gets
 * USERAUTH_FAILURE listing the methods that can continue (§5.1); past the attempt limit the
 * connection ends with NO_MORE_AUTH_METHODS_AVAILABLE (code 14).
 *
 * <p>Runs on the reader thread; not thread-safe, and needs not be.
 */
public final class NoAuthService implements MessageHandler {
    private final PacketConnection transport;
    private final List<String> methods;
    private final int maxAttempts;
    private int attempts;

    public NoAuthService(PacketConnection transport, List<String> methods, int maxAttempts) {
        this.transport = transport;
        this.methods = List.copyOf(methods);
        this.maxAttempts = maxAttempts;
    }

    @Override
    public boolean handle(int messageNumber, SshReader payload) throws IOException {
        if (messageNumber != MessageNumbers.USERAUTH_REQUEST) {
            if (MessageNumbers.isUserAuth(messageNumber)) {
                throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                        "unexpected " + MessageNumbers.name(messageNumber) + " during user authentication");
            }
            return false;
        }
        String method = UserAuthRequest.Head.decode(payload).method();
        if (!method.equals("none")) {
            attempts++;
            transport.noteAuthenticationFailure();
        }
        if (attempts > maxAttempts) {
            throw new SshException(DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE,
                    "too many authentication failures");
        }
        transport.send(new UserAuthMessages.Failure(methods, false).encode());
        return true;
    }
}
