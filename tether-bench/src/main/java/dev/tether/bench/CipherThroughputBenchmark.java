package dev.tether.bench;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.transport.CipherAlgorithms;
import dev.tether.ssh.transport.PacketCipher;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of Tether's packet ciphers on 32 KiB packets, next to the bare JCA / Bouncy Castle
 * primitives doing the same cryptographic work, so that {@code seal / rawSeal} and
 * {@code open / rawOpen} show what the {@link PacketCipher} layer costs.
 *
 * <p>Scores are packets per second; MB/s = score × 32768 / 10^6. Each {@code open} gets a freshly
 * sealed packet from an invocation-level setup, which keeps sender and receiver in step (CTR key
 * streams and GCM counters move on with every packet) without timing the sealing.
 *
 * <p>On a shared machine add {@code -prof dev.tether.bench.ThreadCpuProfiler}: its
 * {@code cpu.time.norm} (worker CPU ns per packet) does not count time spent waiting for a CPU.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class CipherThroughputBenchmark {
    /** CPU time spent in invocation-level setup (sealing for the open benchmarks), for {@link ThreadCpuProfiler}. */
    static final AtomicLong SETUP_CPU_NANOS = new AtomicLong();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Bytes of packet_length || body; the tag follows. */
    static final int PACKET_BYTES = 32 * 1024;

    @Param({
        "chacha20-poly1305@openssh.com",
        "aes128-gcm@openssh.com",
        "aes256-gcm@openssh.com",
        "aes128-ctr+hmac-sha2-256-etm@openssh.com",
        "aes128-ctr+hmac-sha2-256",
        "aes192-ctr+hmac-sha2-256-etm@openssh.com",
        "aes192-ctr+hmac-sha2-256",
        "aes256-ctr+hmac-sha2-256-etm@openssh.com",
        "aes256-ctr+hmac-sha2-256",
    })
    public String algorithm;

    PacketCipher ourSender;
    PacketCipher ourReceiver;
    Raw rawSender;
    Raw rawReceiver;
    int packetLength;
    int tagLength;
    byte[] plaintext;
    byte[] sealBuf;
    int seq;

    @Setup(Level.Trial)
    public void setup() throws GeneralSecurityException {
        String cipher = algorithm;
        String mac = null;
        int plus = algorithm.indexOf('+');
        if (plus >= 0) {
            cipher = algorithm.substring(0, plus);
            mac = algorithm.substring(plus + 1);
        }
        Random rnd = new Random(42);
        byte[] key = bytes(rnd, CipherAlgorithms.keyLength(cipher));
        byte[] iv = bytes(rnd, CipherAlgorithms.ivLength(cipher));
        byte[] macKey = mac == null ? null : bytes(rnd, CipherAlgorithms.macKeyLength(mac));
        ourSender = CipherAlgorithms.create(cipher, mac, true, key, iv, macKey);
        ourReceiver = CipherAlgorithms.create(cipher, mac, false, key, iv, macKey);
        rawSender = Raw.create(cipher, mac, key, iv, macKey);
        rawReceiver = Raw.create(cipher, mac, key, iv, macKey);
        tagLength = ourSender.tagLength();
        // 4 + packet_length is 32 KiB, or packet_length is when the length is outside the padding.
        packetLength = ourSender.lengthExcludedFromPadding() ? PACKET_BYTES : PACKET_BYTES - 4;
        plaintext = new byte[4 + packetLength + tagLength];
        rnd.nextBytes(plaintext);
        plaintext[0] = (byte) (packetLength >>> 24);
        plaintext[1] = (byte) (packetLength >>> 16);
        plaintext[2] = (byte) (packetLength >>> 8);
        plaintext[3] = (byte) packetLength;
        plaintext[4] = 8;
        sealBuf = plaintext.clone();
    }

    private static byte[] bytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    // ---- seal: re-encrypting the buffer in place is the same work as encrypting plaintext ----

    @Benchmark
    public byte[] seal() {
        ourSender.seal(seq++, sealBuf, 0, packetLength);
        return sealBuf;
    }

    @Benchmark
    public byte[] rawSeal() throws GeneralSecurityException {
        rawSender.seal(seq++, sealBuf, 0, packetLength);
        return sealBuf;
    }

    // ---- open: each invocation gets the next sealed packet ----

    /** The next packet sealed by Tether's sender; after open it holds plaintext again and is resealed. */
    @State(Scope.Thread)
    public static class OurPacket {
        byte[] buf;
        int seq;

        @Setup(Level.Invocation)
        public void next(CipherThroughputBenchmark b) {
            if (buf == null) {
                buf = b.plaintext.clone();
            }
            long t0 = THREADS.getCurrentThreadCpuTime();
            seq = b.seq++;
            b.ourSender.seal(seq, buf, 0, b.packetLength);
            SETUP_CPU_NANOS.addAndGet(THREADS.getCurrentThreadCpuTime() - t0);
        }
    }

    /** The next packet sealed by the raw primitives. */
    @State(Scope.Thread)
    public static class RawPacket {
        byte[] buf;
        int seq;

        @Setup(Level.Invocation)
        public void next(CipherThroughputBenchmark b) throws GeneralSecurityException {
            if (buf == null) {
                buf = b.plaintext.clone();
            }
            long t0 = THREADS.getCurrentThreadCpuTime();
            seq = b.seq++;
            b.rawSender.seal(seq, buf, 0, b.packetLength);
            SETUP_CPU_NANOS.addAndGet(THREADS.getCurrentThreadCpuTime() - t0);
        }
    }

    @Benchmark
    public byte[] open(OurPacket p) throws SshException {
        int len = ourReceiver.decryptLength(p.seq, p.buf, 0);
        ourReceiver.open(p.seq, p.buf, 0, len);
        return p.buf;
    }

    @Benchmark
    public byte[] rawOpen(RawPacket p) throws GeneralSecurityException {
        rawReceiver.open(p.seq, p.buf, 0, packetLength);
        return p.buf;
    }

    // ---- the bare primitives doing the same work, without Tether's PacketCipher layer ----

    /** The same cryptographic work written directly against the JCA and Bouncy Castle. */
    abstract static class Raw {
        abstract void seal(int seq, byte[] buf, int off, int len) throws GeneralSecurityException;

        abstract void open(int seq, byte[] buf, int off, int len) throws GeneralSecurityException;

        static Raw create(String cipher, String mac, byte[] key, byte[] iv, byte[] macKey) throws GeneralSecurityException {
            if (cipher.startsWith("chacha20")) {
                return new RawChaCha(key);
            }
            if (cipher.contains("gcm")) {
                return new RawGcm(key, iv);
            }
            return new RawCtrHmac(mac.endsWith("-etm@openssh.com"), key, iv, macKey);
        }

        static void putInt(int v, byte[] b, int off) {
            b[off] = (byte) (v >>> 24);
            b[off + 1] = (byte) (v >>> 16);
            b[off + 2] = (byte) (v >>> 8);
            b[off + 3] = (byte) v;
        }

        static void check(byte[] computed, byte[] scratch, byte[] buf, int off) throws GeneralSecurityException {
            System.arraycopy(buf, off, scratch, 0, scratch.length);
            if (!MessageDigest.isEqual(computed, scratch)) {
                throw new GeneralSecurityException("bad tag");
            }
        }
    }

    /** AES/CTR/NoPadding as one stream plus HmacSHA256. */
    static final class RawCtrHmac extends Raw {
        private final boolean etm;
        private final Cipher ctr;
        private final Mac mac;
        private final byte[] seqBytes = new byte[4];
        private final byte[] computed;
        private final byte[] scratch;

        RawCtrHmac(boolean etm, byte[] key, byte[] iv, byte[] macKey) throws GeneralSecurityException {
            this.etm = etm;
            ctr = Cipher.getInstance("AES/CTR/NoPadding");
            ctr.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(macKey, "HmacSHA256"));
            computed = new byte[mac.getMacLength()];
            scratch = new byte[mac.getMacLength()];
        }

        @Override
        void seal(int seq, byte[] buf, int off, int len) throws GeneralSecurityException {
            putInt(seq, seqBytes, 0);
            if (etm) {
                ctr.update(buf, off + 4, len, buf, off + 4);
                mac.update(seqBytes);
                mac.update(buf, off, 4 + len);
                mac.doFinal(buf, off + 4 + len);
            } else {
                mac.update(seqBytes);
                mac.update(buf, off, 4 + len);
                mac.doFinal(buf, off + 4 + len);
                ctr.update(buf, off, 4 + len, buf, off);
            }
        }

        @Override
        void open(int seq, byte[] buf, int off, int len) throws GeneralSecurityException {
            putInt(seq, seqBytes, 0);
            if (etm) {
                mac.update(seqBytes);
                mac.update(buf, off, 4 + len);
                mac.doFinal(computed, 0);
                check(computed, scratch, buf, off + 4 + len);
                ctr.update(buf, off + 4, len, buf, off + 4);
            } else {
                ctr.update(buf, off, 4 + len, buf, off);
                mac.update(seqBytes);
                mac.update(buf, off, 4 + len);
                mac.doFinal(computed, 0);
                check(computed, scratch, buf, off + 4 + len);
            }
        }
    }

    /** AES/GCM/NoPadding re-initialised per packet with a counter nonce, the length as AAD. */
    static final class RawGcm extends Raw {
        private final Cipher gcm;
        private final SecretKeySpec key;
        private final byte[] nonce;

        RawGcm(byte[] key, byte[] iv) throws GeneralSecurityException {
            gcm = Cipher.getInstance("AES/GCM/NoPadding");
            this.key = new SecretKeySpec(key, "AES");
            nonce = iv.clone();
        }

        @Override
        void seal(int seq, byte[] buf, int off, int len) throws GeneralSecurityException {
            gcm.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            gcm.updateAAD(buf, off, 4);
            gcm.doFinal(buf, off + 4, len, buf, off + 4);
            increment();
        }

        @Override
        void open(int seq, byte[] buf, int off, int len) throws GeneralSecurityException {
            gcm.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            gcm.updateAAD(buf, off, 4);
            gcm.doFinal(buf, off + 4, len + 16, buf, off + 4);
            increment();
        }

        private void increment() {
            for (int i = 11; i >= 4 && ++nonce[i] == 0; i--) {
                // carry
            }
        }
    }

    /**
     * The JDK's ChaCha20 for the two key streams and Bouncy Castle's Poly1305: what Tether used
     * before its own Poly1305 (and, below JDK 21, its own ChaCha20), so for this cipher
     * {@code seal / rawSeal} shows the gain of those primitives rather than the cost of the layer.
     */
    static final class RawChaCha extends Raw {
        private static final byte[] ZEROS = new byte[64];
        private final SecretKeySpec k2;
        private final SecretKeySpec k1;
        private final Cipher main;
        private final Cipher header;
        private final Poly1305 poly = new Poly1305();
        private final byte[] nonce = new byte[12];
        private final byte[] polyKey = new byte[64];
        private final byte[] computed = new byte[16];
        private final byte[] scratch = new byte[16];

        RawChaCha(byte[] key) throws GeneralSecurityException {
            k2 = new SecretKeySpec(key, 0, 32, "ChaCha20");
            k1 = new SecretKeySpec(key, 32, 32, "ChaCha20");
            main = Cipher.getInstance("ChaCha20");
            header = Cipher.getInstance("ChaCha20");
        }

        @Override
        void seal(int seq, byte[] buf, int off, int len) throws GeneralSecurityException {
            putInt(seq, nonce, 8);
            header.init(Cipher.DECRYPT_MODE, k1, new ChaCha20ParameterSpec(nonce, 0));
            header.update(buf, off, 4, buf, off);
            main.init(Cipher.DECRYPT_MODE, k2, new ChaCha20ParameterSpec(nonce, 0));
            main.update(ZEROS, 0, 64, polyKey, 0);
            main.update(buf, off + 4, len, buf, off + 4);
            poly.init(new KeyParameter(polyKey, 0, 32));
            poly.update(buf, off, 4 + len);
            poly.doFinal(buf, off + 4 + len);
        }

        @Override
        void open(int seq, byte[] buf, int off, int len) throws GeneralSecurityException {
            putInt(seq, nonce, 8);
            main.init(Cipher.DECRYPT_MODE, k2, new ChaCha20ParameterSpec(nonce, 0));
            main.update(ZEROS, 0, 64, polyKey, 0);
            poly.init(new KeyParameter(polyKey, 0, 32));
            poly.update(buf, off, 4 + len);
            poly.doFinal(computed, 0);
            check(computed, scratch, buf, off + 4 + len);
            main.update(buf, off + 4, len, buf, off + 4);
            header.init(Cipher.DECRYPT_MODE, k1, new ChaCha20ParameterSpec(nonce, 0));
            header.update(buf, off, 4, buf, off);
        }
    }
}
