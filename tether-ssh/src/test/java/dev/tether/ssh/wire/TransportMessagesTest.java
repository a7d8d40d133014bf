package dev.tether.ssh.wire;

import dev.tether.ssh.wire.TransportMessages.Debug;
import dev.tether.ssh.wire.TransportMessages.Ignore;
import dev.tether.ssh.wire.TransportMessages.Ping;
import dev.tether.ssh.wire.TransportMessages.Pong;
import dev.tether.ssh.wire.TransportMessages.ServiceAccept;
import dev.tether.ssh.wire.TransportMessages.ServiceRequest;
import dev.tether.ssh.wire.TransportMessages.Unimplemented;
import org.junit.jupiter.api.Test;

import static dev.tether.ssh.wire.Bytes.assertTruncatedFails;
import static dev.tether.ssh.wire.Bytes.body;
import static dev.tether.ssh.wire.Bytes.of;
import static dev.tether.ssh.wire.Bytes.str;
import static dev.tether.ssh.wire.Bytes.u32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RFC 4253 §10–11 and OpenSSH PING/PONG records, and the message number ranges of RFC 4250 §4.1.2. */
class TransportMessagesTest {

    @Test
    void serviceRequestAndAccept() throws Exception {
        ServiceRequest q = new ServiceRequest("ssh-userauth");
        assertArrayEquals(of(5, "ssh-userauth"), q.encode());
        assertEquals(q, ServiceRequest.decode(body(q.encode())));
        assertTruncatedFails(q.encode(), ServiceRequest::decode);
        ServiceAccept a = new ServiceAccept("ssh-userauth");
        assertArrayEquals(of(6, "ssh-userauth"), a.encode());
        assertEquals(a, ServiceAccept.decode(body(a.encode())));
        assertNull(ServiceAccept.decode(body(new byte[]{6})).name());
    }

    @Test
    void ignoreDebugUnimplementedPingPong() throws Exception {
        byte[] data = {1, 2, 3};
        assertArrayEquals(of(2, str(data)), new Ignore(data).encode());
        assertArrayEquals(data, Ignore.decode(body(new Ignore(data).encode())).data());
        assertTruncatedFails(new Ignore(data).encode(), Ignore::decode);

        Debug d = new Debug(true, "hello", "");
        assertArrayEquals(of(4, 1, "hello", ""), d.encode());
        assertEquals(d, Debug.decode(body(d.encode())));
        assertTruncatedFails(d.encode(), 1 + 4 + 5, Debug::decode);
        assertEquals(new Debug(false, "x", ""), Debug.decode(body(of(4, 0, "x"))));

        assertArrayEquals(of(3, u32(77)), new Unimplemented(77).encode());
        assertEquals(new Unimplemented(-1), Unimplemented.decode(body(new Unimplemented(-1).encode())));
        assertTruncatedFails(new Unimplemented(77).encode(), Unimplemented::decode);

        assertArrayEquals(of(192, str(data)), new Ping(data).encode());
        assertArrayEquals(of(193, str(data)), new Pong(data).encode());
        assertArrayEquals(data, Ping.decode(body(new Ping(data).encode())).data());
        assertArrayEquals(data, Pong.decode(body(new Pong(data).encode())).data());
        assertTruncatedFails(new Ping(data).encode(), Ping::decode);
    }

    @Test
    void messageNumberRangesFollowRfc4250() {
        for (int m = 0; m <= 255; m++) {
            assertEquals(m < 50, MessageNumbers.isTransport(m), "transport " + m);
            assertEquals(m >= 1 && m <= 19, MessageNumbers.isTransportGeneric(m));
            assertEquals(m >= 20 && m <= 29, MessageNumbers.isAlgorithmNegotiation(m));
            assertEquals(m >= 30 && m <= 49, MessageNumbers.isKexMethodSpecific(m));
            assertEquals(m >= 20 && m <= 49, MessageNumbers.isKex(m));
            assertEquals(m >= 50 && m <= 79, MessageNumbers.isUserAuth(m));
            assertEquals(m >= 50 && m <= 59, MessageNumbers.isUserAuthGeneric(m));
            assertEquals(m >= 60 && m <= 79, MessageNumbers.isUserAuthMethodSpecific(m));
            assertEquals(m >= 80 && m <= 127, MessageNumbers.isConnection(m));
            assertEquals(m >= 90 && m <= 127, MessageNumbers.isChannel(m));
            assertEquals(m >= 192, MessageNumbers.isLocalExtension(m));
        }
        assertTrue(MessageNumbers.isUserAuth(MessageNumbers.USERAUTH_INFO_RESPONSE));
        assertFalse(MessageNumbers.isConnection(MessageNumbers.PING));
        assertEquals("KEX_METHOD_40", MessageNumbers.name(40));
        assertEquals("USERAUTH_METHOD_60", MessageNumbers.name(60));
    }
}
