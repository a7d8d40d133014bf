package dev.tether.ssh.transport;

import dev.tether.ssh.common.NegotiatedAlgorithms;
import dev.tether.ssh.common.NegotiationException;
import dev.tether.ssh.wire.KexInit;

import java.util.ArrayList;
import java.util.List;

/**
 * Algorithm negotiation, RFC 4253 §7.1: for each category the chosen algorithm is the first
 * on the client's list that is also on the server's. The pseudo-algorithms that only signal
 * support ({@code ext-info-*}, {@code kex-strict-*}) never count as a key exchange method.
 */
public final class Negotiation {
    public static final String EXT_INFO_C = "ext-info-c";
    public static final String EXT_INFO_S = "ext-info-s";
    public static final String STRICT_C = "kex-strict-c-v00@openssh.com";
    public static final String STRICT_S = "kex-strict-s-v00@openssh.com";

    private Negotiation() {
    }

    public static NegotiatedAlgorithms negotiate(KexInit client, KexInit server) throws NegotiationException {
        String kex = pick("kex", client.kex().stream().filter(n -> !isPseudo(n)).toList(),
                server.kex().stream().filter(n -> !isPseudo(n)).toList());
        String hostKey = pick("host key", client.hostKey(), server.hostKey());
        String cc = pick("cipher (client to server)", client.ciphersC2S(), server.ciphersC2S());
        String cs = pick("cipher (server to client)", client.ciphersS2C(), server.ciphersS2C());
        String mc = CipherAlgorithms.isAead(cc) ? null : pick("MAC (client to server)", client.macsC2S(), server.macsC2S());
        String ms = CipherAlgorithms.isAead(cs) ? null : pick("MAC (server to client)", client.macsS2C(), server.macsS2C());
        String zc = pick("compression (client to server)", client.compressionC2S(), server.compressionC2S());
        String zs = pick("compression (server to client)", client.compressionS2C(), server.compressionS2C());
        return new NegotiatedAlgorithms(kex, hostKey, cc, cs, mc, ms, zc, zs);
    }

    static boolean isPseudo(String name) {
        return name.equals(EXT_INFO_C) || name.equals(EXT_INFO_S) || name.startsWith("kex-strict-");
    }

    static String pick(String category, List<String> client, List<String> server) throws NegotiationException {
        for (String c : client) {
            if (server.contains(c)) {
                return c;
            }
        }
        throw new NegotiationException(category, client, server);
    }

    /**
     * RFC 4253 §7: a guessed first key exchange packet is right only if both sides prefer the
     * same key exchange method and the same host key algorithm, that is, the first entries of
     * the two {@code kex_algorithms} lists are equal and so are the first entries of the two
     * {@code server_host_key_algorithms} lists ("the guess is wrong if ... server and client
     * have different preferred algorithm"). It does not matter which method negotiation then
     * chooses: a client whose first method the server lists second still has it chosen, yet its
     * guess is wrong, and it sends its first packet again after the server's KEXINIT. The
     * entries are compared as sent, pseudo-algorithms included, as OpenSSH ({@code
     * proposals_match} in kex.c) and golang.org/x/crypto/ssh (handshake.go) do. The third case
     * of §7, other algorithms that cannot be agreed upon, ends the connection in
     * {@link #negotiate} before this matters.
     */
    public static boolean guessWasRight(KexInit client, KexInit server) {
        return sameFirst(client.kex(), server.kex()) && sameFirst(client.hostKey(), server.hostKey());
    }

    private static boolean sameFirst(List<String> a, List<String> b) {
        return !a.isEmpty() && !b.isEmpty() && a.get(0).equals(b.get(0));
    }

    /**
     * The KEXINIT a side sends under {@code config} (RFC 4253 §7.1): the configured algorithms,
     * and in the first key exchange the pseudo-algorithms for EXT_INFO (RFC 8308) and, when
     * configured, strict KEX; never a guessed packet.
     *
     * @param hostKeyAlgorithms the configured list for a client, the ones its keys can serve for a server
     */
    public static KexInit kexInit(TransportSettings config, boolean client, boolean first, List<String> hostKeyAlgorithms,
                                  byte[] cookie) {
        List<String> kex = new ArrayList<>(config.kexAlgorithms());
        if (first) {
            kex.add(client ? EXT_INFO_C : EXT_INFO_S);
            if (config.strictKex()) {
                kex.add(client ? STRICT_C : STRICT_S);
            }
        }
        return new KexInit(cookie, kex, hostKeyAlgorithms, config.ciphers(), config.ciphers(), config.macs(), config.macs(),
                config.compression(), config.compression(), List.of(), List.of(), false);
    }
}
