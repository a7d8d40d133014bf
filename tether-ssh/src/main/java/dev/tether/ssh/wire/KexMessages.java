package dev.tether.ssh.wire;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;

import java.math.BigInteger;

/**
 * The key exchange method messages (numbers 30–49, reused by each method) and NEWKEYS:
 * RFC 4253 §8 (DH with a fixed group), RFC 4419 §3 and §5 (DH group exchange), RFC 5656 §4
 * (ECDH; also curve25519, RFC 8731 §3, and the post-quantum hybrids, whose public values are
 * strings the same way). Each {@code decode} reads the body after the message number and fails
 * with PROTOCOL_ERROR, naming {@code what}, on trailing bytes.
 */
public final class KexMessages {
    private KexMessages() {
    }

    /** RFC 4253 §7.3: SSH_MSG_NEWKEYS, which has no body. */
    public static byte[] newKeys() {
        return new byte[]{(byte) MessageNumbers.NEWKEYS};
    }

    /**
     * RFC 4253 §8 SSH_MSG_KEXDH_INIT ({@code number} 30) and RFC 4419 §3 SSH_MSG_KEX_DH_GEX_INIT
     * (32): {@code mpint e}.
     */
    public record DhInit(int number, BigInteger e) {
        public byte[] encode() {
            return new SshWriter(e.bitLength() / 8 + 16).byteValue(number).mpint(e).toByteArray();
        }

        public static DhInit decode(int number, SshReader r, String what) throws SshException {
            BigInteger e = r.mpint();
            r.expectEnd(what);
            return new DhInit(number, e);
        }
    }

    /**
     * RFC 4253 §8 SSH_MSG_KEXDH_REPLY ({@code number} 31) and RFC 4419 §3 SSH_MSG_KEX_DH_GEX_REPLY
     * (33): {@code string K_S || mpint f || string signature of H}.
     */
    public record DhReply(int number, byte[] hostKey, BigInteger f, byte[] signature) {
        public byte[] encode() {
            return new SshWriter(hostKey.length + signature.length + f.bitLength() / 8 + 32)
                    .byteValue(number).string(hostKey).mpint(f).string(signature).toByteArray();
        }

        public static DhReply decode(int number, SshReader r, String what) throws SshException {
            byte[] hostKey = r.string();
            BigInteger f = r.mpint();
            byte[] sig = r.string();
            r.expectEnd(what);
            return new DhReply(number, hostKey, f, sig);
        }
    }

    /**
     * RFC 4419 §3 SSH_MSG_KEX_DH_GEX_REQUEST (34): {@code uint32 min || uint32 n || uint32 max};
     * or, with {@code old}, §5's SSH_MSG_KEX_DH_GEX_REQUEST_OLD (30): {@code uint32 n} alone (min
     * and max are then 0).
     */
    public record GexRequest(boolean old, long min, long n, long max) {
        public byte[] encode() {
            SshWriter w = new SshWriter(16);
            if (old) {
                return w.byteValue(MessageNumbers.KEX_DH_GEX_REQUEST_OLD).uint32(n).toByteArray();
            }
            return w.byteValue(MessageNumbers.KEX_DH_GEX_REQUEST).uint32(min).uint32(n).uint32(max).toByteArray();
        }

        public static GexRequest decode(boolean old, SshReader r, String what) throws SshException {
            GexRequest q = old ? new GexRequest(true, 0, r.uint32AsLong(), 0)
                    : new GexRequest(false, r.uint32AsLong(), r.uint32AsLong(), r.uint32AsLong());
            r.expectEnd(what);
            return q;
        }
    }

    /** RFC 4419 §3 SSH_MSG_KEX_DH_GEX_GROUP (31): {@code mpint p || mpint g}. */
    public record GexGroup(BigInteger p, BigInteger g) {
        public byte[] encode() {
            return new SshWriter(p.bitLength() / 4 + 32).byteValue(MessageNumbers.KEX_DH_GEX_GROUP).mpint(p).mpint(g).toByteArray();
        }

        public static GexGroup decode(SshReader r, String what) throws SshException {
            BigInteger p = r.mpint();
            BigInteger g = r.mpint();
            r.expectEnd(what);
            return new GexGroup(p, g);
        }
    }

    /** RFC 5656 §4 SSH_MSG_KEX_ECDH_INIT (30): {@code string Q_C}, the client's ephemeral public value. */
    public record EcdhInit(byte[] q) {
        public byte[] encode() {
            return new SshWriter(q.length + 8).byteValue(MessageNumbers.KEX_ECDH_INIT).string(q).toByteArray();
        }

        public static EcdhInit decode(SshReader r, String what) throws SshException {
            byte[] q = r.string();
            r.expectEnd(what);
            return new EcdhInit(q);
        }
    }

    /**
     * RFC 5656 §4 SSH_MSG_KEX_ECDH_REPLY (31): {@code string K_S || string Q_S || string signature
     * of H}.
     */
    public record EcdhReply(byte[] hostKey, byte[] q, byte[] signature) {
        public byte[] encode() {
            return new SshWriter(hostKey.length + q.length + signature.length + 16).byteValue(MessageNumbers.KEX_ECDH_REPLY)
                    .string(hostKey).string(q).string(signature).toByteArray();
        }

        public static EcdhReply decode(SshReader r, String what) throws SshException {
            byte[] hostKey = r.string();
            byte[] q = r.string();
            byte[] sig = r.string();
            r.expectEnd(what);
            return new EcdhReply(hostKey, q, sig);
        }
    }
}
