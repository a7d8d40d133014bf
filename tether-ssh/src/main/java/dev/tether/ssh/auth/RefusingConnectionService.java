package dev.tether.ssh.auth;

import dev.tether.ssh.Transport;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.wire.MessageNumbers;
import dev.tether.ssh.wire.SshReader;
import dev.tether.ssh.wire.SshWriter;

import java.io.IOException;

/**
 * The {@code ssh-connection} service of a server that offers no channels yet: every channel open
 * is refused with ADMINISTRATIVELY_PROHIBITED (RFC 4254 §5.1) and every global request that wants
 * a reply gets REQUEST_FAILURE (§4), so clients get a clear answer instead of a hang. The full
 * connection protocol replaces it.
 */
public final class RefusingConnectionService implements MessageHandler {
    private static final int ADMINISTRATIVELY_PROHIBITED = 1;
    private final Transport transport;

    public RefusingConnectionService(Transport transport) {
        this.transport = transport;
    }

    @Override
    public boolean handle(int messageNumber, SshReader payload) throws IOException {
        switch (messageNumber) {
            case MessageNumbers.GLOBAL_REQUEST: {
                payload.ascii();
                if (payload.bool()) {
                    transport.send(new byte[]{(byte) MessageNumbers.REQUEST_FAILURE});
                }
                return true;
            }
            case MessageNumbers.CHANNEL_OPEN: {
                String type = payload.ascii();
                int sender = payload.uint32();
                transport.send(new SshWriter(64).byteValue(MessageNumbers.CHANNEL_OPEN_FAILURE).uint32(sender)
                        .uint32(ADMINISTRATIVELY_PROHIBITED).string("channel type " + type + " is not available").string("")
                        .toByteArray());
                return true;
            }
            default:
                return false;
        }
    }
}
