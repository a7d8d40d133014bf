package dev.tether.ssh.transport;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.io.BufferedReader;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;

/**
 * The one-time Poly1305 MAC (RFC 8439 §2.5) that {@link ChaCha20Poly1305Cipher} computes once per
 * packet, keyed by the first 32 bytes of its ChaCha20 block 0. {@link #create} picks the
 * implementation, once per process:
 * <ul>
 *   <li>{@link Jdk}: the JDK's own {@code com.sun.crypto.provider.Poly1305}, on JDK 21 and later
 *       when HotSpot replaces its block loop with SIMD code ({@code UsePoly1305Intrinsics}; on
 *       x86-64 that needs AVX-512 IFMA) and {@code java.base} opens that package to us: about six times as fast as ours
 *       (3.3 against 21 µs per 32 KiB packet on the reference machine, JDK 25). The JDK exports no
 *       Poly1305, so this needs {@code --add-opens java.base/com.sun.crypto.provider=ALL-UNNAMED}
 *       (class path) or {@code =dev.tether.ssh} (module path); {@code bin/tether} passes it.</li>
 *   <li>{@link Poly1305}: ours, constant-time scalar Java, everywhere else.</li>
 * </ul>
 * The system property {@code tether.poly1305=ours} forces ours (for comparisons); {@code jdk}
 * asks for the JDK's even without the intrinsic, if reachable. {@link #selected} says which is in
 * use and why.
 *
 * <p><b>Threading.</b> Implementations are not thread-safe; each belongs to one cipher direction.
 */
interface Poly1305Mac {
    /**
     * The tag of {@code data[off, off+len)} under {@code key[0, 32)} (r || s), written to
     * {@code out[outOff, +16)}.
     */
    void mac(byte[] key, byte[] data, int off, int len, byte[] out, int outOff);

    /** A new instance of the implementation this process uses. */
    static Poly1305Mac create() {
        if (Jdk.USABLE) {
            return new Jdk();
        }
        Poly1305 ours = new Poly1305();
        return ours::mac;
    }

    /** Which implementation {@link #create} returns, and why, for logs and benchmark headers. */
    static String selected() {
        return Jdk.WHY;
    }

    /**
     * The JDK's Poly1305 engine through method handles. Its {@code engineInit} takes the key as a
     * {@link SecretKeySpec} (copied; the engine keeps a copy until the next packet's key replaces
     * it, as the JDK's own ChaCha20-Poly1305 cipher does), {@code engineDoFinal} returns a fresh
     * 16-byte tag. Should the engine refuse a key (JDK 25 may check for a weak r or s, all zeros,
     * which a ChaCha20 output is with probability about 2^-128), that packet's tag is computed by
     * ours, so no key is ever refused.
     */
    final class Jdk implements Poly1305Mac {
        private static final MethodHandle NEW;
        private static final MethodHandle INIT;
        private static final MethodHandle UPDATE;
        private static final MethodHandle FINISH;
        static final boolean USABLE;
        static final String WHY;

        static {
            MethodHandle ctor = null;
            MethodHandle init = null;
            MethodHandle update = null;
            MethodHandle finish = null;
            String choice = System.getProperty("tether.poly1305", "auto");
            String why;
            if (choice.equals("ours")) {
                why = "ours (tether.poly1305=ours)";
            } else if (!choice.equals("jdk") && Runtime.version().feature() < ChaCha20Stream.JDK_WITH_INTRINSICS) {
                why = "ours (JDK " + Runtime.version().feature() + " has no Poly1305 intrinsic)";
            } else if (!choice.equals("jdk") && !intrinsicEnabled()) {
                why = "ours (UsePoly1305Intrinsics is off on this CPU or VM)";
            } else {
                try {
                    Class<?> c = Class.forName("com.sun.crypto.provider.Poly1305");
                    MethodHandles.Lookup l = MethodHandles.privateLookupIn(c, MethodHandles.lookup());
                    try {
                        ctor = l.findConstructor(c, MethodType.methodType(void.class, boolean.class));
                        ctor = MethodHandles.insertArguments(ctor, 0, true);
                    } catch (NoSuchMethodException e) {
                        ctor = l.findConstructor(c, MethodType.methodType(void.class));
                    }
                    ctor = ctor.asType(MethodType.methodType(Object.class));
                    init = l.findVirtual(c, "engineInit", MethodType.methodType(void.class, Key.class, AlgorithmParameterSpec.class))
                            .asType(MethodType.methodType(void.class, Object.class, Key.class, AlgorithmParameterSpec.class));
                    update = l.findVirtual(c, "engineUpdate", MethodType.methodType(void.class, byte[].class, int.class, int.class))
                            .asType(MethodType.methodType(void.class, Object.class, byte[].class, int.class, int.class));
                    finish = l.findVirtual(c, "engineDoFinal", MethodType.methodType(byte[].class))
                            .asType(MethodType.methodType(byte[].class, Object.class));
                    why = "the JDK's (com.sun.crypto.provider.Poly1305" + (choice.equals("jdk") ? ", tether.poly1305=jdk)" : ", intrinsic)");
                } catch (ReflectiveOperationException | RuntimeException e) {
                    ctor = null;
                    why = "ours (the JDK's is not reachable: add --add-opens java.base/com.sun.crypto.provider=ALL-UNNAMED; "
                            + e.getClass().getSimpleName() + ")";
                }
            }
            NEW = ctor;
            INIT = init;
            UPDATE = update;
            FINISH = finish;
            USABLE = ctor != null;
            WHY = why;
        }

        /**
         * HotSpot's {@code UsePoly1305Intrinsics}, true when it has the SIMD stub for this CPU. The
         * flag is diagnostic, hidden unless the JVM runs with {@code -XX:+UnlockDiagnosticVMOptions};
         * when hidden, HotSpot's own rule on x86-64 stands in for it (AVX-512 IFMA, VL and BW, and
         * 64-byte vectors). Elsewhere (aarch64, other JVMs) the answer is no unless the flag is
         * readable or {@code tether.poly1305=jdk} says otherwise.
         */
        private static boolean intrinsicEnabled() {
            try {
                HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
                try {
                    return Boolean.parseBoolean(vm.getVMOption("UsePoly1305Intrinsics").getValue());
                } catch (IllegalArgumentException hidden) {
                    // a locked diagnostic flag: fall through to HotSpot's rule
                }
                String arch = System.getProperty("os.arch", "");
                if (!arch.equals("amd64") && !arch.equals("x86_64")) {
                    return false;
                }
                if (Integer.parseInt(vm.getVMOption("MaxVectorSize").getValue()) < 64) {
                    return false;
                }
                return cpuFlags().containsAll(Set.of("avx512ifma", "avx512vl", "avx512bw"));
            } catch (RuntimeException | LinkageError e) {
                return false; // not HotSpot, or no jdk.management module, or no such flag
            }
        }

        /** The CPU feature flags Linux reports for the first CPU; empty elsewhere. */
        private static Set<String> cpuFlags() {
            try (BufferedReader r = Files.newBufferedReader(Path.of("/proc/cpuinfo"))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("flags")) {
                        return new HashSet<>(Arrays.asList(line.substring(line.indexOf(':') + 1).trim().split("\\s+")));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux
            }
            return Set.of();
        }

        private final Object engine;
        private Poly1305 fallback;

        Jdk() {
            try {
                engine = NEW.invokeExact();
            } catch (Throwable e) {
                throw new IllegalStateException("the JDK's Poly1305 could not be created", e);
            }
        }

        @Override
        public void mac(byte[] key, byte[] data, int off, int len, byte[] out, int outOff) {
            if (off < 0 || len < 0 || off > data.length - len || outOff < 0 || outOff > out.length - Poly1305.TAG_LENGTH) {
                throw new IndexOutOfBoundsException("Poly1305 range out of bounds");
            }
            byte[] tag;
            try {
                INIT.invokeExact(engine, (Key) new SecretKeySpec(key, 0, Poly1305.KEY_LENGTH, "Poly1305"), (AlgorithmParameterSpec) null);
                UPDATE.invokeExact(engine, data, off, len);
                tag = (byte[]) FINISH.invokeExact(engine);
            } catch (InvalidKeyException weak) {
                if (fallback == null) {
                    fallback = new Poly1305();
                }
                fallback.mac(key, data, off, len, out, outOff);
                return;
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("the JDK's Poly1305 failed", e);
            }
            System.arraycopy(tag, 0, out, outOff, Poly1305.TAG_LENGTH);
            Arrays.fill(tag, (byte) 0);
        }
    }
}
