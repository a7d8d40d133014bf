package dev.tether.ssh.wire;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RFC 4251 §5 encodings, and refusal of hostile lengths before any allocation. */
class SshReaderTest {

    @Test
    void roundTripsEveryType() throws Exception {
        byte[] b = new SshWriter().byteValue(7).bool(true).uint32(0xfffffffeL).uint64(-2L)
                .string("héllo").nameList(List.of("a", "b-c@d")).mpint(BigInteger.valueOf(-1234567))
                .mpint(BigInteger.ZERO).mpint(new BigInteger("80", 16)).toByteArray();
        SshReader r = new SshReader(b);
        assertEquals(7, r.byteValue());
        assertTrue(r.bool());
        assertEquals(0xfffffffeL, r.uint32AsLong());
        assertEquals(-2L, r.uint64());
        assertEquals("héllo", r.utf8());
        assertEquals(List.of("a", "b-c@d"), r.nameList());
        assertEquals(BigInteger.valueOf(-1234567), r.mpint());
        assertEquals(BigInteger.ZERO, r.mpint());
        assertEquals(new BigInteger("80", 16), r.mpint());
        r.expectEnd("test");
    }

    @Test
    void mpintEncodingMatchesRfc4251Examples() {
        // RFC 4251 §5: 0x80 is 00 00 00 02 00 80; -1234 is 00 00 00 02 fb 2e
        assertArrayEquals(new byte[]{0, 0, 0, 2, 0, (byte) 0x80}, new SshWriter().mpint(BigInteger.valueOf(0x80)).toByteArray());
        assertArrayEquals(new byte[]{0, 0, 0, 2, (byte) 0xfb, 0x2e}, new SshWriter().mpint(BigInteger.valueOf(-1234)).toByteArray());
        assertArrayEquals(new byte[]{0, 0, 0, 0}, new SshWriter().mpint(BigInteger.ZERO).toByteArray());
    }

    @Test
    void hugeStringLengthIsRefusedWithoutAllocating() {
        byte[] b = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xf0, 1, 2, 3};
        SshException e = assertThrows(SshException.class, () -> new SshReader(b).string());
        assertTrue(e.getMessage().contains("claims 4294967280 bytes"), e.getMessage());
    }

    @Test
    void truncatedIntegersAndEmptyNamesAreRefused() {
        assertThrows(SshException.class, () -> new SshReader(new byte[]{0, 0, 1}).uint32());
        assertThrows(SshException.class, () -> new SshReader(new SshWriter().string("a,,b").toByteArray()).nameList());
        assertThrows(SshException.class, () -> new SshReader(new SshWriter().string("a\u0001").toByteArray()).nameList());
        assertThrows(SshException.class, () -> new SshReader(new SshWriter().string(new byte[]{(byte) 0xc3}).toByteArray()).utf8());
        assertThrows(SshException.class, () -> new SshReader(new byte[]{1, 2}).expectEnd("x"));
    }

    @Test
    void kexInitRoundTrips() throws Exception {
        KexInit k = new KexInit(new byte[16], List.of("curve25519-sha256", "ext-info-c"), List.of("ssh-ed25519"),
                List.of("aes128-ctr"), List.of("aes256-ctr"), List.of("hmac-sha2-256"), List.of("hmac-sha2-512"),
                List.of("none"), List.of("zlib@openssh.com"), List.of(), List.of(), true);
        KexInit d = KexInit.decode(k.encode());
        assertEquals(k.kex(), d.kex());
        assertEquals(k.ciphersS2C(), d.ciphersS2C());
        assertEquals(k.compressionS2C(), d.compressionS2C());
        assertTrue(d.firstKexPacketFollows());
    }
}
