package dev.tether.bench;

import dev.tether.ssh.transport.Poly1305;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.KeyParameter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Poly1305 alone: Tether's {@link Poly1305} (radix 2^64) against Bouncy Castle's
 * {@code org.bouncycastle.crypto.macs.Poly1305} (radix 2^26), each keyed, fed one message of
 * {@code size} bytes (by default the 4-byte length plus a 32 KiB packet body, as in
 * chacha20-poly1305@openssh.com) and finished, per operation. Scores are messages per second;
 * MB/s = score × size / 10^6.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class Poly1305Benchmark {
    @Param({"32772"})
    public int size;

    private final Poly1305 ours = new Poly1305();
    private final org.bouncycastle.crypto.macs.Poly1305 bc = new org.bouncycastle.crypto.macs.Poly1305();
    private byte[] key;
    private byte[] data;
    private final byte[] tag = new byte[16];

    @Setup
    public void setup() {
        Random rnd = new Random(1305);
        key = new byte[32];
        rnd.nextBytes(key);
        data = new byte[size];
        rnd.nextBytes(data);
    }

    @Benchmark
    public byte[] tether() {
        ours.mac(key, data, 0, data.length, tag, 0);
        return tag;
    }

    @Benchmark
    public byte[] bouncyCastle() {
        bc.init(new KeyParameter(key, 0, 32));
        bc.update(data, 0, data.length);
        bc.doFinal(tag, 0);
        return tag;
    }
}
