package dev.tether.bench;

import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import javax.crypto.KeyAgreement;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.concurrent.TimeUnit;

/**
 * The public-key work a server does per handshake (one Ed25519 host-key signature, one Ed25519
 * user-key verification, one X25519 key pair and agreement), through the JDK's providers as
 * Tether does it today ({@code SignatureAlgorithms.jcaSign/jcaVerify}, {@code kex.X25519}) and
 * through Bouncy Castle's low-level classes, already on Tether's class path. Average time per
 * operation, µs. See README.md ("Process benchmarks", findings).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HandshakeCryptoBenchmark {
    private final SecureRandom random = new SecureRandom();
    private final byte[] data = new byte[64];
    private KeyPair jdkEd;
    private byte[] jdkSig;
    private KeyPairGenerator jdkXGen;
    private KeyPair jdkXPeer;
    private final byte[] bcSk = new byte[32];
    private final byte[] bcPk = new byte[32];
    private final byte[] bcSig = new byte[64];
    private final byte[] bcXPeer = new byte[32];

    @Setup
    public void setUp() throws Exception {
        random.nextBytes(data);
        jdkEd = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(jdkEd.getPrivate());
        s.update(data);
        jdkSig = s.sign();
        jdkXGen = KeyPairGenerator.getInstance("X25519");
        jdkXPeer = jdkXGen.generateKeyPair();
        random.nextBytes(bcSk);
        Ed25519.generatePublicKey(bcSk, 0, bcPk, 0);
        Ed25519.sign(bcSk, 0, bcPk, 0, data, 0, data.length, bcSig, 0);
        byte[] peerSk = new byte[32];
        X25519.generatePrivateKey(random, peerSk);
        X25519.generatePublicKey(peerSk, 0, bcXPeer, 0);
    }

    @Benchmark
    public byte[] jdkEd25519Sign() throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(jdkEd.getPrivate());
        s.update(data);
        return s.sign();
    }

    @Benchmark
    public boolean jdkEd25519Verify() throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(jdkEd.getPublic());
        s.update(data);
        return s.verify(jdkSig);
    }

    @Benchmark
    public byte[] jdkX25519() throws Exception {
        KeyPair kp = jdkXGen.generateKeyPair();
        KeyAgreement ka = KeyAgreement.getInstance("X25519");
        ka.init(kp.getPrivate());
        ka.doPhase(jdkXPeer.getPublic(), true);
        return ka.generateSecret();
    }

    @Benchmark
    public byte[] bcEd25519Sign() {
        byte[] sig = new byte[64];
        Ed25519.sign(bcSk, 0, bcPk, 0, data, 0, data.length, sig, 0);
        return sig;
    }

    @Benchmark
    public boolean bcEd25519Verify() {
        return Ed25519.verify(bcSig, 0, bcPk, 0, data, 0, data.length);
    }

    @Benchmark
    public byte[] bcX25519() {
        byte[] sk = new byte[32];
        byte[] pk = new byte[32];
        byte[] secret = new byte[32];
        X25519.generatePrivateKey(random, sk);
        X25519.generatePublicKey(sk, 0, pk, 0);
        X25519.calculateAgreement(sk, 0, bcXPeer, 0, secret, 0);
        return secret;
    }
}
