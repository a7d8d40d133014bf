package dev.tether.ssh.transport;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The HMAC algorithms used as SSH MACs: {@code hmac-sha1} (RFC 4253 §6.4), {@code hmac-sha2-256}
 * and {@code hmac-sha2-512} (RFC 6668 §2), and their encrypt-then-MAC variants
 * {@code *-etm@openssh.com} (OpenSSH PROTOCOL §1.5).
 *
 * <p>In every case the MAC key length equals the hash output length and the full output is sent
 * (no truncation). The "-etm" names select the same HMAC; they differ only in what the MAC
 * covers, which is the business of {@link AesCtrEncryptAndMac} and {@link AesCtrEncryptThenMac}.
 */
final class Hmac {
    private final String name;
    private final String jcaName;
    private final int keyLength;
    private final int length;
    private final boolean etm;

    private Hmac(String name, String jcaName, int keyLength, int length, boolean etm) {
        this.name = name;
        this.jcaName = jcaName;
        this.keyLength = keyLength;
        this.length = length;
        this.etm = etm;
    }

    /**
     * The MAC with this SSH name.
     *
     * @throws IllegalArgumentException naming {@code name} if we do not implement it
     */
    static Hmac forName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("no MAC given");
        }
        switch (name) {
            case "hmac-sha1":
                return new Hmac(name, "HmacSHA1", 20, 20, false);
            case "hmac-sha1-etm@openssh.com":
                return new Hmac(name, "HmacSHA1", 20, 20, true);
            case "hmac-sha2-256":
                return new Hmac(name, "HmacSHA256", 32, 32, false);
            case "hmac-sha2-256-etm@openssh.com":
                return new Hmac(name, "HmacSHA256", 32, 32, true);
            case "hmac-sha2-512":
                return new Hmac(name, "HmacSHA512", 64, 64, false);
            case "hmac-sha2-512-etm@openssh.com":
                return new Hmac(name, "HmacSHA512", 64, 64, true);
            default:
                throw new IllegalArgumentException("unknown MAC: " + name);
        }
    }

    /** The SSH name. */
    String name() {
        return name;
    }

    /** The JCA algorithm name, e.g. {@code HmacSHA256}. */
    String jcaName() {
        return jcaName;
    }

    /** Bytes of key the MAC takes (RFC 4253 §7.2 derives this many). */
    int keyLength() {
        return keyLength;
    }

    /** Bytes of MAC output sent after each packet. */
    int length() {
        return length;
    }

    /** True for the encrypt-then-MAC variants of OpenSSH PROTOCOL §1.5. */
    boolean encryptThenMac() {
        return etm;
    }

    /**
     * A JCA {@link Mac} keyed with {@code key}, which must be exactly {@link #keyLength()} bytes.
     * The key bytes are copied; the caller may wipe its array afterwards.
     */
    Mac newMac(byte[] key) {
        if (key == null || key.length != keyLength) {
            throw new IllegalArgumentException(name + " needs a " + keyLength + "-byte key, got "
                    + (key == null ? "none" : key.length + " bytes"));
        }
        try {
            Mac mac = Mac.getInstance(jcaName);
            mac.init(new SecretKeySpec(key, jcaName));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(jcaName + " unavailable in this JRE", e);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
