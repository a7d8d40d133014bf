package dev.tether.ssh.kex;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.tether.ssh.kex.KexTestPipe.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** RFC 7748 known answers through {@link X25519#fromPrivate} and {@link X25519#agree}. */
class X25519VectorsTest {

    @ParameterizedTest(name = "RFC 7748 §5.2 vector {index}")
    @CsvSource({
            // scalar, input u-coordinate, output u-coordinate
            "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4,"
                    + "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c,"
                    + "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
            // the input u has its top bit set, which must be masked (RFC 7748 §5)
            "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d,"
                    + "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493,"
                    + "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"})
    void section52(String scalar, String u, String expected) throws Exception {
        assertEquals(expected, hex(X25519.fromPrivate(hex(scalar)).agree(hex(u))));
    }

    @Test
    void section61DiffieHellman() throws Exception {
        X25519 alice = X25519.fromPrivate(hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        X25519 bob = X25519.fromPrivate(hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
        assertEquals("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", hex(alice.publicKey()));
        assertEquals("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", hex(bob.publicKey()));
        String k = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
        assertEquals(k, hex(alice.agree(bob.publicKey())));
        assertEquals(k, hex(bob.agree(alice.publicKey())));
    }

    @Test
    void wrongLengthAndLowOrderKeysAreRejected() throws Exception {
        X25519 alice = X25519.fromPrivate(hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        SshException shortKey = assertThrows(SshException.class, () -> alice.agree(new byte[31]));
        assertEquals(DisconnectReason.KEY_EXCHANGE_FAILED, shortKey.reason());
        assertEquals("X25519 public key must be 32 bytes, got 31", shortKey.getMessage());
        assertThrows(SshException.class, () -> alice.agree(new byte[33]));
        // u = 0 is of small order: the shared secret would be all zeros (RFC 7748 §6.1)
        SshException zero = assertThrows(SshException.class, () -> alice.agree(new byte[32]));
        assertEquals(DisconnectReason.KEY_EXCHANGE_FAILED, zero.reason());
    }
}
