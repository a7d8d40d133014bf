package dev.tether.ssh.wire;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.wire.KexMessages.DhInit;
import dev.tether.ssh.wire.KexMessages.DhReply;
import dev.tether.ssh.wire.KexMessages.EcdhInit;
import dev.tether.ssh.wire.KexMessages.EcdhReply;
import dev.tether.ssh.wire.KexMessages.GexGroup;
import dev.tether.ssh.wire.KexMessages.GexRequest;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static dev.tether.ssh.wire.Bytes.assertTruncatedFails;
import static dev.tether.ssh.wire.Bytes.body;
import static dev.tether.ssh.wire.Bytes.of;
import static dev.tether.ssh.wire.Bytes.str;
import static dev.tether.ssh.wire.Bytes.u32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The key exchange method messages (RFC 4253 §8, RFC 4419 §3 and §5, RFC 5656 §4) and NEWKEYS
 * (RFC 4253 §7.3): layouts against hand-built bytes, round trips, truncated and trailing input.
 */
class KexMessagesTest {
    /** 0x80 needs a leading zero byte as an mpint (RFC 4251 §5). */
    private static final BigInteger E = BigInteger.valueOf(0x80);
    private static final byte[] E_MPINT = {0, 0, 0, 2, 0, (byte) 0x80};

    @Test
    void newKeys() {
        assertArrayEquals(new byte[]{21}, KexMessages.newKeys());
    }

    @Test
    void dhInitAndReplyForBothNumberings() throws Exception {
        DhInit init = new DhInit(30, E);
        assertArrayEquals(of(30, E_MPINT), init.encode());
        assertEquals(E, DhInit.decode(30, body(init.encode()), "init").e());
        assertTruncatedFails(init.encode(), r -> DhInit.decode(30, r, "init"));
        assertArrayEquals(of(32, E_MPINT), new DhInit(32, E).encode()); // KEX_DH_GEX_INIT

        byte[] hostKey = {1, 2, 3};
        byte[] sig = {9, 9};
        DhReply reply = new DhReply(31, hostKey, E, sig);
        assertArrayEquals(of(31, str(hostKey), E_MPINT, str(sig)), reply.encode());
        DhReply back = DhReply.decode(31, body(reply.encode()), "reply");
        assertArrayEquals(hostKey, back.hostKey());
        assertEquals(E, back.f());
        assertArrayEquals(sig, back.signature());
        assertTruncatedFails(reply.encode(), r -> DhReply.decode(31, r, "reply"));
        assertArrayEquals(of(33, str(hostKey), E_MPINT, str(sig)), new DhReply(33, hostKey, E, sig).encode());
    }

    @Test
    void groupExchangeRequestGroupAndOldRequest() throws Exception {
        GexRequest q = new GexRequest(false, 2048, 3072, 8192);
        assertArrayEquals(of(34, u32(2048), u32(3072), u32(8192)), q.encode());
        assertEquals(q, GexRequest.decode(false, body(q.encode()), "request"));
        assertTruncatedFails(q.encode(), r -> GexRequest.decode(false, r, "request"));

        GexRequest old = new GexRequest(true, 0, 4096, 0);
        assertArrayEquals(of(30, u32(4096)), old.encode());
        assertEquals(old, GexRequest.decode(true, body(old.encode()), "old request"));

        GexGroup g = new GexGroup(E, BigInteger.TWO);
        assertArrayEquals(of(31, E_MPINT, new byte[]{0, 0, 0, 1, 2}), g.encode());
        assertEquals(g, GexGroup.decode(body(g.encode()), "group"));
        assertTruncatedFails(g.encode(), r -> GexGroup.decode(r, "group"));
    }

    @Test
    void ecdhInitAndReply() throws Exception {
        byte[] q = new byte[32];
        q[0] = 7;
        EcdhInit init = new EcdhInit(q);
        assertArrayEquals(of(30, str(q)), init.encode());
        assertArrayEquals(q, EcdhInit.decode(body(init.encode()), "init").q());
        assertTruncatedFails(init.encode(), r -> EcdhInit.decode(r, "init"));

        EcdhReply reply = new EcdhReply(new byte[]{1}, q, new byte[]{2, 3});
        assertArrayEquals(of(31, str(new byte[]{1}), str(q), str(new byte[]{2, 3})), reply.encode());
        EcdhReply back = EcdhReply.decode(body(reply.encode()), "reply");
        assertArrayEquals(q, back.q());
        assertArrayEquals(new byte[]{2, 3}, back.signature());
        assertTruncatedFails(reply.encode(), r -> EcdhReply.decode(r, "reply"));
    }

    @Test
    void trailingBytesAreAProtocolErrorNamingTheMessage() {
        byte[] withTrailer = of(30, str(new byte[]{1}), 0);
        SshException e = assertThrows(SshException.class, () -> EcdhInit.decode(body(withTrailer), "curve25519-sha256 init"));
        assertEquals(DisconnectReason.PROTOCOL_ERROR, e.reason());
        assertTrue(e.getMessage().contains("curve25519-sha256 init"), e.getMessage());
    }
}
