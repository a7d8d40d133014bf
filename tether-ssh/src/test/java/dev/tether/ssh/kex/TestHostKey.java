package dev.tether.ssh.kex;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * A test {@link HostKeySigner} over a real Ed25519 JCA key (RFC 8709): K_S is
 * {@code string "ssh-ed25519" || string key(32)}, the signature blob
 * {@code string "ssh-ed25519" || string signature(64)}.
 */
final class TestHostKey implements HostKeySigner {
    /** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4), before the 32-byte key. */
    private static final byte[] SPKI_PREFIX = KexTestPipe.hex("302a300506032b6570032100");

    private final PrivateKey privateKey;
    private final byte[] rawPublic;

    private TestHostKey(PrivateKey privateKey, byte[] rawPublic) {
        this.privateKey = privateKey;
        this.rawPublic = rawPublic;
    }

    /** A fresh key pair. */
    static TestHostKey generate() throws GeneralSecurityException {
        KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] spki = kp.getPublic().getEncoded();
        return new TestHostKey(kp.getPrivate(), Arrays.copyOfRange(spki, spki.length - 32, spki.length));
    }

    /** RFC 8032 §7.1 TEST 1: a fixed key, so K_S is known to the known-answer script. */
    static TestHostKey rfc8032Test1() throws GeneralSecurityException {
        byte[] seed = KexTestPipe.hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        PrivateKey priv = KeyFactory.getInstance("Ed25519")
                .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
        return new TestHostKey(priv, KexTestPipe.hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
    }

    @Override
    public byte[] publicKeyBlob() {
        return new SshWriter(64).string("ssh-ed25519").string(rawPublic).toByteArray();
    }

    @Override
    public byte[] sign(byte[] data) throws SshException {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(privateKey);
            s.update(data);
            return new SshWriter(96).string("ssh-ed25519").string(s.sign()).toByteArray();
        } catch (GeneralSecurityException e) {
            throw new SshException(DisconnectReason.BY_APPLICATION, "test signing failed", e);
        }
    }

    /** Verifies an ssh-ed25519 signature blob over {@code data} with the key in the K_S blob. */
    static boolean verify(byte[] hostKeyBlob, byte[] signatureBlob, byte[] data) throws Exception {
        SshReader k = new SshReader(hostKeyBlob);
        if (!"ssh-ed25519".equals(k.ascii())) {
            return false;
        }
        byte[] raw = k.string();
        k.expectEnd("K_S");
        SshReader s = new SshReader(signatureBlob);
        if (!"ssh-ed25519".equals(s.ascii())) {
            return false;
        }
        byte[] sig = s.string();
        s.expectEnd("signature");
        PublicKey pub = KeyFactory.getInstance("Ed25519")
                .generatePublic(new X509EncodedKeySpec(KexTestPipe.concat(SPKI_PREFIX, raw)));
        Signature v = Signature.getInstance("Ed25519");
        v.initVerify(pub);
        v.update(data);
        return v.verify(sig);
    }
}
