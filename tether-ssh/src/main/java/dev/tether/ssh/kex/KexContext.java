package dev.tether.ssh.kex;

import java.security.SecureRandom;

/**
 * What a key exchange method needs from the handshake: the four strings every exchange hash
 * begins with (RFC 4253 §8) and a source of randomness.
 *
 * @param clientVersion V_C, the client's identification line without CR LF
 * @param serverVersion V_S, the server's identification line without CR LF
 * @param clientKexInit I_C, the payload of the client's KEXINIT
 * @param serverKexInit I_S, the payload of the server's KEXINIT
 * @param random        the connection's SecureRandom
 */
public record KexContext(byte[] clientVersion, byte[] serverVersion, byte[] clientKexInit, byte[] serverKexInit,
                         SecureRandom random) {
}
