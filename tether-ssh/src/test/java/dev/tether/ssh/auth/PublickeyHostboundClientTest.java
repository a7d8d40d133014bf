package dev.tether.ssh.auth;

import dev.tether.ssh.Engines;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.AuthenticationException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.Pair;
import dev.tether.ssh.testutil.TestKeys;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.transport.PacketConnection;
import dev.tether.ssh.wire.MessageNumbers;
import dev.tether.ssh.wire.PublickeySignedData;
import dev.tether.ssh.wire.UserAuthMessages;
import dev.tether.ssh.wire.UserAuthRequest;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our client's publickey requests to a server that does not announce
 * {@code publickey-hostbound@openssh.com} stay plain RFC 4252 {@code publickey}: no host key in
 * the request or under the signature. (A server that announces it gets
 * {@code publickey-hostbound-v00@openssh.com}: TetherClientLoginToSshdTest checks that against
 * sshd, and our own server accepts it in AuthRoundTripTest.)
 */
class PublickeyHostboundClientTest {
    /** Every USERAUTH_REQUEST the recording server saw, decoded, and the session id it saw them on. */
    private final List<UserAuthRequest> requests = new CopyOnWriteArrayList<>();
    private volatile byte[] sessionId;

    /** An ssh-userauth service with no EXT_INFO behind it: answers a publickey query with PK_OK and refuses the rest. */
    private MessageHandler recorder(PacketConnection t) {
        return (int m, SshReader payload) -> {
            if (m != MessageNumbers.USERAUTH_REQUEST) {
                return false;
            }
            UserAuthRequest r = UserAuthRequest.decode(payload);
            requests.add(r);
            sessionId = t.sessionId();
            if (r.method() instanceof UserAuthRequest.PublickeyAuth pk && !pk.signed()) {
                t.send(new UserAuthMessages.PkOk(pk.algorithm(), pk.blob()).encode());
            } else {
                t.send(new UserAuthMessages.Failure(List.of("publickey"), false).encode());
            }
            return true;
        };
    }

    @Test
    void withoutTheExtensionTheSignedRequestIsPlainPublickey() throws Exception {
        TransportConfig server = Engines.service(TransportConfig.builder().hostKeys(TestKeys.all()), "ssh-userauth",
                this::recorder).build();
        KeyPair user = SignatureAlgorithms.generate("ssh-ed25519", 0);
        try (Pair p = Pair.inMemory(TransportConfig.builder().build(), server)) {
            assertNull(p.client.peerExtensions().get(UserAuthRequest.HOSTBOUND_EXTENSION));
            assertThrows(AuthenticationException.class, () -> p.client.authPublickey("u", user));
        }
        assertEquals(2, requests.size(), requests.toString());
        UserAuthRequest signed = requests.get(1);
        assertEquals(UserAuthRequest.PUBLICKEY, signed.method().name());
        UserAuthRequest.PublickeyAuth pk = (UserAuthRequest.PublickeyAuth) signed.method();
        assertTrue(pk.signed());
        assertNull(pk.hostKey());
        byte[] data = new PublickeySignedData(sessionId, "u", "ssh-connection", pk.algorithm(), pk.blob(), null).encode();
        assertTrue(SignatureAlgorithms.verify(pk.algorithm(), user.getPublic(), data, pk.signature()),
                "the signature covers the plain publickey data");
    }
}
