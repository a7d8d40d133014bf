package dev.tether.ssh.kex;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * Test support for the post-quantum hybrid tests: an in-memory {@link KexIo} pair with bounded
 * waits, a client/server runner, an Ed25519 host key over the JCA, and deterministic random
 * sources for known-answer tests.
 */
final class PqTestPipe {
    /** Upper bound for any single wait in these tests. */
    static final long TIMEOUT_SECONDS = 20;

    private PqTestPipe() {
    }

    // ---------------------------------------------------------------- in-memory KexIo pair

    /** One end of the pipe: reads what the other end wrote. */
    static final class End implements KexIo {
        private final BlockingQueue<byte[]> in;
        private final BlockingQueue<byte[]> out;

        private End(BlockingQueue<byte[]> in, BlockingQueue<byte[]> out) {
            this.in = in;
            this.out = out;
        }

        @Override
        public byte[] read() throws IOException {
            try {
                byte[] p = in.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (p == null) {
                    throw new SshException("test pipe: no message within " + TIMEOUT_SECONDS + " s");
                }
                return p;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SshException("test pipe: interrupted", e);
            }
        }

        @Override
        public void write(byte[] payload) {
            out.add(payload.clone());
        }

        /** Injects a message as if the peer had sent it. */
        void inject(byte[] payload) {
            in.add(payload.clone());
        }

        /** The next message this end has written, or null if none within the timeout. */
        byte[] sent() throws InterruptedException {
            return out.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }

        /** Whether this end has written nothing (not yet consumed by the peer). */
        boolean nothingSent() {
            return out.isEmpty();
        }
    }

    /** A connected pair: what {@code client} writes, {@code server} reads, and back. */
    record Pair(End client, End server) {
    }

    static Pair pair() {
        BlockingQueue<byte[]> c2s = new LinkedBlockingQueue<>();
        BlockingQueue<byte[]> s2c = new LinkedBlockingQueue<>();
        return new Pair(new End(s2c, c2s), new End(c2s, s2c));
    }

    /** Both sides' results. */
    record Run(KexResult client, KexResult server) {
    }

    /** Runs the client and the server of {@code kex} against each other on two threads. */
    static Run run(KexAlgorithm kex, KexContext clientCtx, KexContext serverCtx, HostKeySigner hostKey)
            throws Exception {
        Pair p = pair();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<KexResult> server = pool.submit(() -> kex.server(p.server(), serverCtx, hostKey));
            Future<KexResult> client = pool.submit(() -> kex.client(p.client(), clientCtx));
            return new Run(get(client), get(server));
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** The future's value within the timeout; an exception thrown inside is rethrown as is. */
    static <T> T get(Future<T> f) throws Exception {
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception) {
                throw (Exception) e.getCause();
            }
            throw e;
        } catch (TimeoutException e) {
            f.cancel(true);
            throw e;
        }
    }

    /** A handshake context with fixed version strings and KEXINIT stand-ins. */
    static KexContext context(SecureRandom random) {
        return new KexContext(
                "SSH-2.0-TetherClient_test".getBytes(StandardCharsets.US_ASCII),
                "SSH-2.0-TetherServer_test".getBytes(StandardCharsets.US_ASCII),
                new byte[] {20, 1, 2, 3, 4},
                new byte[] {20, 5, 6, 7, 8, 9},
                random);
    }

    // ---------------------------------------------------------------- Ed25519 host key

    /** The 12-byte X.509 SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410). */
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    /** An ssh-ed25519 host key (RFC 8709) over the JCA. */
    static final class Ed25519HostKey implements HostKeySigner {
        private final KeyPair keyPair;
        private final byte[] blob;

        Ed25519HostKey() throws GeneralSecurityException {
            keyPair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] spki = keyPair.getPublic().getEncoded();
            byte[] raw = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
            blob = new SshWriter().string("ssh-ed25519").string(raw).toByteArray();
        }

        @Override
        public byte[] publicKeyBlob() {
            return blob.clone();
        }

        @Override
        public byte[] sign(byte[] data) throws SshException {
            try {
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(keyPair.getPrivate());
                s.update(data);
                return new SshWriter().string("ssh-ed25519").string(s.sign()).toByteArray();
            } catch (GeneralSecurityException e) {
                throw new SshException("Ed25519 signing failed", e);
            }
        }
    }

    /**
     * Verifies an ssh-ed25519 signature blob over {@code data} with the host key blob K_S
     * ({@code string "ssh-ed25519" || string key}, RFC 8709 §4 and §6).
     */
    static boolean verifyEd25519(byte[] hostKeyBlob, byte[] signatureBlob, byte[] data)
            throws IOException, GeneralSecurityException {
        SshReader k = new SshReader(hostKeyBlob);
        if (!"ssh-ed25519".equals(k.ascii())) {
            return false;
        }
        byte[] raw = k.string();
        k.expectEnd("ssh-ed25519 key");
        SshReader s = new SshReader(signatureBlob);
        if (!"ssh-ed25519".equals(s.ascii())) {
            return false;
        }
        byte[] sig = s.string();
        s.expectEnd("ssh-ed25519 signature");
        if (raw.length != 32 || sig.length != 64) {
            return false;
        }
        byte[] spki = Arrays.copyOf(ED25519_SPKI_PREFIX, ED25519_SPKI_PREFIX.length + 32);
        System.arraycopy(raw, 0, spki, ED25519_SPKI_PREFIX.length, 32);
        PublicKey pub = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        Signature v = Signature.getInstance("Ed25519");
        v.initVerify(pub);
        v.update(data);
        return v.verify(sig);
    }

    /** H computed here from its definition, independently of EcdhStyleKex, with K as a string. */
    static byte[] exchangeHash(String hash, KexContext ctx, byte[] ks, byte[] qc, byte[] qs, byte[] rawK)
            throws GeneralSecurityException {
        byte[] in = new SshWriter().string(ctx.clientVersion()).string(ctx.serverVersion())
                .string(ctx.clientKexInit()).string(ctx.serverKexInit())
                .string(ks).string(qc).string(qs).string(rawK).toByteArray();
        return MessageDigest.getInstance(hash).digest(in);
    }

    // ---------------------------------------------------------------- deterministic randomness

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("\\s+", ""));
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }

    /** Serves exactly the given bytes, in order; running out is a test failure. */
    static final class FixedRandom extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final byte[] stream;
        private int pos;

        FixedRandom(byte[]... parts) {
            stream = concat(parts);
        }

        @Override
        public synchronized void nextBytes(byte[] bytes) {
            if (stream.length - pos < bytes.length) {
                throw new IllegalStateException("FixedRandom exhausted: " + bytes.length + " wanted, "
                        + (stream.length - pos) + " left");
            }
            System.arraycopy(stream, pos, bytes, 0, bytes.length);
            pos += bytes.length;
        }

        boolean exhausted() {
            return pos == stream.length;
        }
    }

    /**
     * The AES-256 CTR_DRBG (no derivation function, no reseeding) that NIST's PQC known-answer
     * test harness ({@code rng.c}, {@code randombytes}) uses: every call generates the requested
     * bytes from successive counter blocks and then updates key and counter.
     */
    static final class NistKatDrbg extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private byte[] key = new byte[32];
        private byte[] v = new byte[16];

        NistKatDrbg(byte[] entropy48) {
            if (entropy48.length != 48) {
                throw new IllegalArgumentException("entropy must be 48 bytes");
            }
            update(entropy48);
        }

        private void increment() {
            for (int j = 15; j >= 0; j--) {
                if (++v[j] != 0) {
                    break;
                }
            }
        }

        private byte[] block() {
            try {
                Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
                c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
                return c.doFinal(v);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        private void update(byte[] provided) {
            byte[] t = new byte[48];
            for (int i = 0; i < 3; i++) {
                increment();
                System.arraycopy(block(), 0, t, 16 * i, 16);
            }
            if (provided != null) {
                for (int i = 0; i < 48; i++) {
                    t[i] ^= provided[i];
                }
            }
            key = Arrays.copyOfRange(t, 0, 32);
            v = Arrays.copyOfRange(t, 32, 48);
        }

        @Override
        public synchronized void nextBytes(byte[] out) {
            for (int off = 0; off < out.length; off += 16) {
                increment();
                System.arraycopy(block(), 0, out, off, Math.min(16, out.length - off));
            }
            update(null);
        }
    }

    /**
     * Adapts the DRBG to SUPERCOP's sntrup761 call pattern: the reference code (and PQClean, liboqs,
     * OpenSSH) draws a whole polynomial's randomness in one call of 4·761 bytes, while Bouncy Castle
     * asks for it four bytes at a time; other requests pass straight through.
     */
    static final class SupercopSntrupRandom extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private static final int BATCH = 4 * 761;
        private final SecureRandom drbg;
        private byte[] batch = new byte[0];
        private int pos;

        SupercopSntrupRandom(SecureRandom drbg) {
            this.drbg = drbg;
        }

        @Override
        public synchronized void nextBytes(byte[] out) {
            if (out.length == 4) {
                if (pos == batch.length) {
                    batch = new byte[BATCH];
                    drbg.nextBytes(batch);
                    pos = 0;
                }
                System.arraycopy(batch, pos, out, 0, 4);
                pos += 4;
            } else {
                if (pos != batch.length) {
                    throw new IllegalStateException("request of " + out.length + " bytes inside a polynomial batch");
                }
                drbg.nextBytes(out);
            }
        }
    }
}
