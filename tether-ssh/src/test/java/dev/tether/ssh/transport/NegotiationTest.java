package dev.tether.ssh.transport;

import dev.tether.ssh.common.NegotiatedAlgorithms;
import dev.tether.ssh.common.NegotiationException;
import dev.tether.ssh.wire.KexInit;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RFC 4253 §7.1 negotiation rules. */
class NegotiationTest {
    static KexInit init(List<String> kex, List<String> hostKey, List<String> ciphers, List<String> macs) {
        return new KexInit(new byte[16], kex, hostKey, ciphers, ciphers, macs, macs,
                List.of("none"), List.of("none"), List.of(), List.of(), false);
    }

    @Test
    void clientPreferenceWinsAndPseudoAlgorithmsNeverCount() throws Exception {
        KexInit c = init(List.of("ext-info-c", "kex-strict-c-v00@openssh.com", "ecdh-sha2-nistp256", "curve25519-sha256"),
                List.of("ssh-ed25519"), List.of("aes256-ctr", "aes128-ctr"), List.of("hmac-sha2-512", "hmac-sha2-256"));
        KexInit s = init(List.of("curve25519-sha256", "ecdh-sha2-nistp256", "ext-info-c", "kex-strict-s-v00@openssh.com"),
                List.of("ssh-ed25519"), List.of("aes128-ctr", "aes256-ctr"), List.of("hmac-sha2-256", "hmac-sha2-512"));
        NegotiatedAlgorithms a = Negotiation.negotiate(c, s);
        assertEquals("ecdh-sha2-nistp256", a.kex());
        assertEquals("aes256-ctr", a.cipherClientToServer());
        assertEquals("hmac-sha2-512", a.macServerToClient());
    }

    @Test
    void aeadCiphersIgnoreTheMacLists() throws Exception {
        KexInit c = init(List.of("curve25519-sha256"), List.of("ssh-ed25519"), List.of("aes128-gcm@openssh.com"), List.of("hmac-sha2-256"));
        KexInit s = init(List.of("curve25519-sha256"), List.of("ssh-ed25519"), List.of("aes128-gcm@openssh.com"), List.of("hmac-sha1"));
        NegotiatedAlgorithms a = Negotiation.negotiate(c, s);
        assertNull(a.macClientToServer());
        assertNull(a.macServerToClient());
    }

    @Test
    void failureNamesBothLists() {
        KexInit c = init(List.of("curve25519-sha256"), List.of("ssh-ed25519"), List.of("aes128-ctr"), List.of("hmac-sha2-256"));
        KexInit s = init(List.of("curve25519-sha256"), List.of("ssh-ed25519"), List.of("chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com"),
                List.of("hmac-sha2-256"));
        NegotiationException e = assertThrows(NegotiationException.class, () -> Negotiation.negotiate(c, s));
        assertTrue(e.getMessage().contains("client offered aes128-ctr"), e.getMessage());
        assertTrue(e.getMessage().contains("server offered chacha20-poly1305@openssh.com,aes256-gcm@openssh.com"), e.getMessage());
        assertEquals(List.of("aes128-ctr"), e.clientList());
    }

    /**
     * RFC 4253 §7: the guess is wrong when the two sides' preferred (first) key exchange method
     * or host key algorithm differ, even when negotiation then lands on the guesser's choice
     * (the client's first method is chosen whenever the server supports it).
     */
    @Test
    void guessIsRightOnlyWhenBothSidesPreferTheSameMethodAndHostKeyAlgorithm() throws Exception {
        List<String> ciphers = List.of("aes128-ctr");
        List<String> macs = List.of("hmac-sha2-256");
        KexInit c = init(List.of("curve25519-sha256", "ecdh-sha2-nistp256"), List.of("ssh-ed25519", "rsa-sha2-256"), ciphers, macs);
        KexInit same = init(List.of("curve25519-sha256"), List.of("ssh-ed25519", "rsa-sha2-256"), ciphers, macs);
        assertTrue(Negotiation.guessWasRight(c, same));

        KexInit otherKex = init(List.of("ecdh-sha2-nistp256", "curve25519-sha256"), List.of("ssh-ed25519"), ciphers, macs);
        assertEquals("curve25519-sha256", Negotiation.negotiate(c, otherKex).kex());
        assertFalse(Negotiation.guessWasRight(c, otherKex), "chosen, but not the server's preference");

        KexInit otherHostKey = init(List.of("curve25519-sha256"), List.of("rsa-sha2-256", "ssh-ed25519"), ciphers, macs);
        assertEquals("ssh-ed25519", Negotiation.negotiate(c, otherHostKey).hostKey());
        assertFalse(Negotiation.guessWasRight(c, otherHostKey), "chosen, but not the server's preference");

        KexInit markerFirst = init(List.of("ext-info-c", "curve25519-sha256"), List.of("ssh-ed25519"), ciphers, macs);
        assertFalse(Negotiation.guessWasRight(markerFirst, same), "compared as sent, as OpenSSH and Go do");
        assertFalse(Negotiation.guessWasRight(init(List.of(), List.of("ssh-ed25519"), ciphers, macs), same));
    }
}
