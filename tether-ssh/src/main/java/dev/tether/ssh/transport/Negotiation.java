package dev.tether.ssh.transport;

import dev.tether.ssh.common.NegotiatedAlgorithms;
import dev.tether.ssh.common.NegotiationException;
import dev.tether.ssh.wire.KexInit;

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
     * RFC 4253 §7: a guessed first key exchange packet is right only if both the key exchange
     * method and the host key algorithm the guesser preferred were chosen.
     */
    public static boolean guessWasRight(KexInit guesser, NegotiatedAlgorithms chosen) {
        List<String> kex = guesser.kex().stream().filter(n -> !isPseudo(n)).toList();
        return !kex.isEmpty() && kex.get(0).equals(chosen.kex())
                && !guesser.hostKey().isEmpty() && guesser.hostKey().get(0).equals(chosen.hostKey());
    }
}
