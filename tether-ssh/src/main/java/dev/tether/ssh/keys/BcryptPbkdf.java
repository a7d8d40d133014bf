package dev.tether.ssh.keys;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * OpenBSD's {@code bcrypt_pbkdf}, the key derivation function of encrypted {@code openssh-key-v1}
 * private keys (kdfname {@code "bcrypt"}).
 *
 * <p>It is a PBKDF2-like construction whose pseudo-random function is {@code bcrypt_hash}: a
 * Blowfish state is keyed with the expensive "eksblowfish" schedule from SHA-512(passphrase) and
 * SHA-512(salt || counter), 64 rounds of alternating re-keying with each, and then encrypts the
 * 32-byte string {@code "OxychromaticBlowfishSwatDynamite"} 64 times; the output words are read
 * little-endian. {@code rounds} iterations of that are XORed together per output block, and the
 * blocks are interleaved into the key ("stride") so that every output byte costs all rounds.
 *
 * <p>Blowfish's initial state is the hexadecimal expansion of pi's fractional part (P-array
 * first, then the four S-boxes); it is computed here once, with integer arithmetic, instead of
 * being spelled out as a table.
 */
final class BcryptPbkdf {
    private static final int HASH_SIZE = 32;
    private static final int SHA512_SIZE = 64;
    /** OpenSSH's limit on the output length: 32 blocks of 32 bytes. */
    static final int MAX_KEY_LENGTH = HASH_SIZE * HASH_SIZE;
    private static final byte[] MAGIC = "OxychromaticBlowfishSwatDynamite".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Pi's fractional hex digits: P (18 words) then S0..S3 (256 words each). */
    private static final int[] PI_WORDS = piWords(18 + 4 * 256);

    private BcryptPbkdf() {
    }

    /**
     * Derives {@code keyLength} bytes.
     *
     * @throws IllegalArgumentException if the passphrase or salt is empty, {@code rounds < 1},
     *                                  or {@code keyLength} is not in 1..{@value #MAX_KEY_LENGTH}
     */
    static byte[] derive(byte[] passphrase, byte[] salt, int rounds, int keyLength) {
        if (rounds < 1) {
            throw new IllegalArgumentException("bcrypt_pbkdf needs at least one round");
        }
        if (passphrase.length == 0 || salt.length == 0) {
            throw new IllegalArgumentException("bcrypt_pbkdf needs a non-empty passphrase and salt");
        }
        if (keyLength < 1 || keyLength > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("bcrypt_pbkdf output length must be 1 to " + MAX_KEY_LENGTH);
        }
        MessageDigest sha512 = sha512();
        int stride = (keyLength + HASH_SIZE - 1) / HASH_SIZE;
        int amount = (keyLength + stride - 1) / stride;
        byte[] key = new byte[keyLength];
        byte[] sha2pass = sha512.digest(passphrase);
        byte[] countSalt = Arrays.copyOf(salt, salt.length + 4);
        byte[] sha2salt = new byte[SHA512_SIZE];
        byte[] tmp = new byte[HASH_SIZE];
        byte[] out = new byte[HASH_SIZE];
        Blowfish state = new Blowfish();
        try {
            int remaining = keyLength;
            for (int count = 1; remaining > 0; count++) {
                countSalt[salt.length] = (byte) (count >>> 24);
                countSalt[salt.length + 1] = (byte) (count >>> 16);
                countSalt[salt.length + 2] = (byte) (count >>> 8);
                countSalt[salt.length + 3] = (byte) count;
                sha512.update(countSalt);
                digestInto(sha512, sha2salt);
                bcryptHash(state, sha2pass, sha2salt, tmp);
                System.arraycopy(tmp, 0, out, 0, HASH_SIZE);
                for (int r = 1; r < rounds; r++) {
                    sha512.update(tmp);
                    digestInto(sha512, sha2salt);
                    bcryptHash(state, sha2pass, sha2salt, tmp);
                    for (int i = 0; i < HASH_SIZE; i++) {
                        out[i] ^= tmp[i];
                    }
                }
                int n = Math.min(amount, remaining);
                int i;
                for (i = 0; i < n; i++) {
                    int dest = i * stride + (count - 1);
                    if (dest >= keyLength) {
                        break;
                    }
                    key[dest] = out[i];
                }
                remaining -= i;
            }
            return key;
        } finally {
            Arrays.fill(sha2pass, (byte) 0);
            Arrays.fill(sha2salt, (byte) 0);
            Arrays.fill(tmp, (byte) 0);
            Arrays.fill(out, (byte) 0);
            state.wipe();
        }
    }

    /** bcrypt_hash: 32 bytes from SHA-512 digests of the passphrase and of the salt. */
    private static void bcryptHash(Blowfish state, byte[] sha2pass, byte[] sha2salt, byte[] out) {
        state.init();
        state.expand(sha2salt, sha2pass);
        for (int i = 0; i < 64; i++) {
            state.expand0(sha2salt);
            state.expand0(sha2pass);
        }
        int[] cdata = new int[HASH_SIZE / 4];
        for (int i = 0; i < cdata.length; i++) {
            cdata[i] = bigEndianWord(MAGIC, 4 * i);
        }
        for (int i = 0; i < 64; i++) {
            for (int b = 0; b < cdata.length; b += 2) {
                state.encrypt(cdata, b);
            }
        }
        for (int i = 0; i < cdata.length; i++) {
            out[4 * i] = (byte) cdata[i];
            out[4 * i + 1] = (byte) (cdata[i] >>> 8);
            out[4 * i + 2] = (byte) (cdata[i] >>> 16);
            out[4 * i + 3] = (byte) (cdata[i] >>> 24);
        }
        Arrays.fill(cdata, 0);
    }

    private static int bigEndianWord(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    private static void digestInto(MessageDigest md, byte[] out) {
        try {
            md.digest(out, 0, out.length);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MessageDigest sha512() {
        try {
            return MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512 is not available", e);
        }
    }

    /**
     * The first {@code count} 32-bit words of pi's fractional part, computed with Machin's formula
     * pi = 16 atan(1/5) - 4 atan(1/239) in fixed point with guard bits.
     */
    static int[] piWords(int count) {
        int bits = 32 * count + 64;
        BigInteger pi = arctanInverse(5, bits).shiftLeft(4).subtract(arctanInverse(239, bits).shiftLeft(2));
        BigInteger fraction = pi.subtract(BigInteger.valueOf(3).shiftLeft(bits)).shiftRight(64);
        int[] words = new int[count];
        for (int i = 0; i < count; i++) {
            words[i] = fraction.shiftRight(32 * (count - 1 - i)).intValue();
        }
        return words;
    }

    /** atan(1/x) * 2^bits, by its Taylor series. */
    private static BigInteger arctanInverse(int x, int bits) {
        BigInteger xSquared = BigInteger.valueOf((long) x * x);
        BigInteger power = BigInteger.ONE.shiftLeft(bits).divide(BigInteger.valueOf(x)); // 2^bits / x^(2k+1)
        BigInteger sum = power;
        for (int k = 1; power.signum() != 0; k++) {
            power = power.divide(xSquared);
            BigInteger term = power.divide(BigInteger.valueOf(2L * k + 1));
            sum = (k & 1) == 1 ? sum.subtract(term) : sum.add(term);
        }
        return sum;
    }

    /**
     * Blowfish with the two key schedules bcrypt needs: {@link #expand} (eksblowfish's
     * salted expansion) and {@link #expand0} (the plain one). Package-private for tests, which
     * check it against the standard cipher.
     */
    static final class Blowfish {
        private final int[] p = new int[18];
        private final int[] s = new int[4 * 256];
        private final int[] block = new int[2];

        void init() {
            System.arraycopy(PI_WORDS, 0, p, 0, p.length);
            System.arraycopy(PI_WORDS, p.length, s, 0, s.length);
        }

        private int f(int x) {
            int h = s[x >>> 24] + s[256 + ((x >>> 16) & 0xff)];
            return (h ^ s[512 + ((x >>> 8) & 0xff)]) + s[768 + (x & 0xff)];
        }

        /** Encrypts the 64-bit block {@code words[off], words[off + 1]} in place. */
        void encrypt(int[] words, int off) {
            int l = words[off];
            int r = words[off + 1];
            l ^= p[0];
            for (int i = 1; i <= 16; i += 2) {
                r ^= f(l) ^ p[i];
                l ^= f(r) ^ p[i + 1];
            }
            r ^= p[17];
            words[off] = r;
            words[off + 1] = l;
        }

        /** The plain key schedule on the current state; after {@link #init} it is standard Blowfish keying. */
        void expand0(byte[] key) {
            int[] j = {0};
            for (int i = 0; i < p.length; i++) {
                p[i] ^= streamWord(key, j);
            }
            block[0] = 0;
            block[1] = 0;
            for (int i = 0; i < p.length; i += 2) {
                encrypt(block, 0);
                p[i] = block[0];
                p[i + 1] = block[1];
            }
            for (int i = 0; i < s.length; i += 2) {
                encrypt(block, 0);
                s[i] = block[0];
                s[i + 1] = block[1];
            }
        }

        /** eksblowfish's expansion: the key into P, with the data (salt) mixed into every block. */
        void expand(byte[] data, byte[] key) {
            int[] j = {0};
            for (int i = 0; i < p.length; i++) {
                p[i] ^= streamWord(key, j);
            }
            j[0] = 0;
            block[0] = 0;
            block[1] = 0;
            for (int i = 0; i < p.length; i += 2) {
                block[0] ^= streamWord(data, j);
                block[1] ^= streamWord(data, j);
                encrypt(block, 0);
                p[i] = block[0];
                p[i + 1] = block[1];
            }
            for (int i = 0; i < s.length; i += 2) {
                block[0] ^= streamWord(data, j);
                block[1] ^= streamWord(data, j);
                encrypt(block, 0);
                s[i] = block[0];
                s[i + 1] = block[1];
            }
        }

        /** The next 4 bytes of {@code data} as a big-endian word, cycling through it. */
        private static int streamWord(byte[] data, int[] pos) {
            int w = 0;
            int j = pos[0];
            for (int i = 0; i < 4; i++) {
                if (j >= data.length) {
                    j = 0;
                }
                w = (w << 8) | (data[j] & 0xff);
                j++;
            }
            pos[0] = j;
            return w;
        }

        void wipe() {
            Arrays.fill(p, 0);
            Arrays.fill(s, 0);
            Arrays.fill(block, 0);
        }
    }
}
