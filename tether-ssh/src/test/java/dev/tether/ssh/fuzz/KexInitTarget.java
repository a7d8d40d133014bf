package dev.tether.ssh.fuzz;

import dev.tether.ssh.FuzzHooks;
import dev.tether.ssh.common.NegotiationException;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.transport.Negotiation;
import dev.tether.ssh.transport.TransportSettings;
import dev.tether.ssh.wire.KexInit;

import java.util.List;

/**
 * KEXINIT from a peer (RFC 4253 §7.1): the decoder, then negotiation against our default
 * proposal in both roles, and the §7 guess rule. A KEXINIT that decodes must encode to one that
 * decodes to the same lists (the reserved field and a boolean's exact byte may differ), and negotiation either picks an algorithm both sides listed or fails with
 * {@link NegotiationException}.
 */
public final class KexInitTarget {
    private static final KexInit OURS_AS_SERVER = ours(false);
    private static final KexInit OURS_AS_CLIENT = ours(true);

    private KexInitTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        KexInit peer;
        try {
            peer = KexInit.decode(data);
        } catch (SshException e) {
            return;
        }
        KexInit again;
        try {
            again = KexInit.decode(peer.encode());
        } catch (SshException e) {
            throw new IllegalStateException("a decoded KEXINIT does not encode to one that decodes", e);
        }
        if (!again.kex().equals(peer.kex()) || !again.hostKey().equals(peer.hostKey())
                || !again.ciphersC2S().equals(peer.ciphersC2S()) || !again.macsS2C().equals(peer.macsS2C())
                || !again.languagesS2C().equals(peer.languagesS2C())
                || again.firstKexPacketFollows() != peer.firstKexPacketFollows()) {
            throw new IllegalStateException("KEXINIT changes when encoded and decoded again");
        }
        negotiate(peer, OURS_AS_SERVER);
        negotiate(OURS_AS_CLIENT, peer);
        Negotiation.guessWasRight(peer, OURS_AS_SERVER);
        Negotiation.guessWasRight(OURS_AS_CLIENT, peer);
    }

    private static void negotiate(KexInit client, KexInit server) {
        try {
            var n = Negotiation.negotiate(client, server);
            if (!client.kex().contains(n.kex()) || !server.kex().contains(n.kex())) {
                throw new IllegalStateException("negotiated " + n.kex() + ", which one side did not offer");
            }
        } catch (NegotiationException e) {
            // no algorithm in common: the connection ends with KEY_EXCHANGE_FAILED
        }
    }

    private static KexInit ours(boolean client) {
        TransportSettings c = FuzzHooks.defaultSettings();
        return Negotiation.kexInit(c, client, true, c.hostKeyAlgorithms(), new byte[16]);
    }
}
