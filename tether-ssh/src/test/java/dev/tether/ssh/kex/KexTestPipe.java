package dev.tether.ssh.kex;

import dev.tether.ssh.common.SshException;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An in-memory pair of {@link KexIo} ends joined by two queues, and the threads to run key
 * exchange methods on. Every wait is bounded: a read that gets nothing within
 * {@link #TIMEOUT_SECONDS} fails the test, as does a task that does not finish in time.
 */
final class KexTestPipe implements AutoCloseable {
    static final long TIMEOUT_SECONDS = 30;

    private final BlockingQueue<byte[]> toServer = new LinkedBlockingQueue<>();
    private final BlockingQueue<byte[]> toClient = new LinkedBlockingQueue<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kex-test");
        t.setDaemon(true);
        return t;
    });

    /** The client's end: reads what the server end wrote. */
    final End client = new End("client", toClient, toServer);
    /** The server's end: reads what the client end wrote. */
    final End server = new End("server", toServer, toClient);

    static final class End implements KexIo {
        private final String name;
        private final BlockingQueue<byte[]> in;
        private final BlockingQueue<byte[]> out;
        /** Every message this end has read, in order. */
        final List<byte[]> received = new CopyOnWriteArrayList<>();

        End(String name, BlockingQueue<byte[]> in, BlockingQueue<byte[]> out) {
            this.name = name;
            this.in = in;
            this.out = out;
        }

        @Override
        public byte[] read() throws IOException {
            byte[] m;
            try {
                m = in.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(name + " interrupted while waiting for a message");
            }
            if (m == null) {
                throw new AssertionError(name + " received no message within " + TIMEOUT_SECONDS + " s");
            }
            received.add(m.clone());
            return m.clone();
        }

        @Override
        public void write(byte[] payload) {
            out.add(payload.clone());
        }
    }

    /** Both sides' results of one exchange. */
    record Results(KexResult client, KexResult server) {
    }

    /** Runs {@code task} on a pipe thread. */
    <T> Future<T> start(Callable<T> task) {
        return pool.submit(task);
    }

    /** Runs the client side of {@code clientMethod} and the server side of {@code serverMethod} concurrently. */
    Results run(KexAlgorithm clientMethod, KexAlgorithm serverMethod, KexContext ctx, HostKeySigner hostKey) throws Exception {
        Future<KexResult> c = start(() -> clientMethod.client(client, ctx));
        Future<KexResult> s = start(() -> serverMethod.server(server, ctx, hostKey));
        return new Results(await(c), await(s));
    }

    /** The task's result; its exception rethrown; a test failure if it does not finish in time. */
    static <T> T await(Future<T> f) throws Exception {
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        } catch (TimeoutException e) {
            f.cancel(true);
            return fail("task did not finish within " + TIMEOUT_SECONDS + " s");
        }
    }

    /** Asserts that the task failed with an {@link SshException}, and returns it. */
    static SshException awaitFailure(Future<?> f) throws Exception {
        Object result;
        try {
            result = await(f);
        } catch (SshException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected an SshException, got " + e, e);
        }
        return fail("expected an SshException, but the exchange succeeded: " + result);
    }

    /** Asserts the failure's reason and that its message contains {@code fragment}. */
    static SshException assertFailure(SshException e, dev.tether.ssh.common.DisconnectReason reason, String fragment) {
        assertEquals(reason, e.reason(), () -> "reason of: " + e.getMessage());
        if (!e.getMessage().contains(fragment)) {
            fail("message \"" + e.getMessage() + "\" does not mention \"" + fragment + "\"");
        }
        return e;
    }

    /** Fixed V_C, V_S, I_C, I_S (the ones the known-answer script uses) and the given randomness. */
    static KexContext context(SecureRandom random) {
        byte[] ic = concat(new byte[] {20}, range(0, 16), "client kexinit payload".getBytes(StandardCharsets.US_ASCII));
        byte[] is = concat(new byte[] {20}, range(16, 32), "server kexinit payload".getBytes(StandardCharsets.US_ASCII));
        return new KexContext("SSH-2.0-TetherKAT_1.0".getBytes(StandardCharsets.US_ASCII),
                "SSH-2.0-OpenSSH_9.9".getBytes(StandardCharsets.US_ASCII), ic, is, random);
    }

    static KexContext context() {
        return context(new SecureRandom());
    }

    private static byte[] range(int from, int to) {
        byte[] b = new byte[to - from];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
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

    static byte[] hex(String s) {
        String t = s.replaceAll("\\s", "");
        byte[] b = new byte[t.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(t.substring(2 * i, 2 * i + 2), 16);
        }
        assertEquals(t.length(), 2 * b.length, "odd-length hex");
        return b;
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xff));
        }
        return sb.toString();
    }

    /** The checks every successful exchange must pass: same K and H, same K_S, and a good signature over H. */
    static void assertAgreement(Results r, HostKeySigner hostKey, String hash) throws Exception {
        assertEquals(hex(r.server().sharedSecret()), hex(r.client().sharedSecret()), "K");
        assertEquals(hex(r.server().exchangeHash()), hex(r.client().exchangeHash()), "H");
        assertEquals(hex(hostKey.publicKeyBlob()), hex(r.client().hostKey()), "K_S");
        assertEquals(hex(r.server().signature()), hex(r.client().signature()), "signature");
        assertEquals(hash, r.client().hashAlgorithm());
        assertEquals(hash, r.server().hashAlgorithm());
        assertEquals(java.security.MessageDigest.getInstance(hash).getDigestLength(), r.client().exchangeHash().length, "|H|");
        if (!TestHostKey.verify(r.client().hostKey(), r.client().signature(), r.client().exchangeHash())) {
            fail("the server's signature over H does not verify with K_S");
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
