package dev.tether.ssh.transport;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.NegotiatedAlgorithms;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.kex.HostKeySigner;
import dev.tether.ssh.kex.KexAlgorithm;
import dev.tether.ssh.kex.KexAlgorithms;
import dev.tether.ssh.kex.KexContext;
import dev.tether.ssh.kex.KexIo;
import dev.tether.ssh.kex.KexResult;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshCertificate;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.wire.Disconnect;
import dev.tether.ssh.wire.ExtInfo;
import dev.tether.ssh.wire.KexInit;
import dev.tether.ssh.wire.KexMessages;
import dev.tether.ssh.wire.MessageNumbers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The key exchange state machine of one {@link TransportEngine} (RFC 4253 §7, §9; RFC 8308 ext-info;
 * OpenSSH strict KEX): building and queuing our KEXINIT, running the exchange, deriving and
 * installing the new keys, and deciding when to rekey. Its results are the negotiated algorithms,
 * the session id and the host key of the first exchange.
 *
 * <h2>Threading</h2>
 * The exchange itself runs on the transport's reader thread ({@link #peerKexInit}), which reads
 * its own replies ({@link #readKexMessage}). Any thread may request one ({@link #requestKex}): the
 * application, the writer thread and the shared timer when a rekey is due. State shared between
 * them is guarded by {@link #lock()}; the writer thread records the sequence number our KEXINIT
 * goes out with ({@link #kexInitWriting}). Logs go to the logger {@code dev.tether.ssh.Transport} and
 * name the transport.
 */
final class KeyExchanger {
    private static final Logger log = LoggerFactory.getLogger("dev.tether.ssh.Transport");

    private final TransportEngine t;
    private final boolean client;
    private final TransportSettings config;
    private final PacketReader reader;
    private final PacketWriter writer;
    private final OutboundQueue queue;
    private final HostKeyVerifier verifier;

    private final CompletableFuture<Void> firstKex = new CompletableFuture<>();
    /** Starts a rekey when {@code rekeyInterval} has passed, traffic or not (as OpenSSH does). */
    private volatile ScheduledFuture<?> rekeyTimer;

    // Key exchange state shared with senders; guarded by kexLock.
    private final Object kexLock = new Object();
    private byte[] ourKexInit;
    /** The send sequence number our pending KEXINIT went out with; -1 until written. */
    private long ourKexInitSeq = -1;
    /** The peer refused a re-exchange; none is started again until authentication completes. */
    private boolean rekeyRefused;
    /** The peer's KEXINIT for the exchange under way has arrived. */
    private boolean sawPeerKexInitThisRound;
    private long lastKexNanos = System.nanoTime();
    private final List<CompletableFuture<Void>> kexWaiters = new ArrayList<>();

    // Reader thread only.
    private int kexCount;
    private boolean ignoreNextKexPacket;
    private boolean peerSentOtherBeforeKexInit;
    private boolean sawPeerKexInit;
    private volatile boolean delayedInbound;

    private volatile boolean strict;
    private volatile NegotiatedAlgorithms algorithms;
    private volatile byte[] sessionId;
    private volatile byte[] hostKey;
    /** The server's signature over H of the first exchange (session-bind@openssh.com needs it). */
    private volatile byte[] initialSignature;
    private volatile boolean peerWantsExtInfo;
    private volatile boolean delayedOutbound;

    KeyExchanger(TransportEngine t, boolean client, TransportSettings config, PacketReader reader, PacketWriter writer,
                 OutboundQueue queue, HostKeyVerifier verifier) {
        this.t = t;
        this.client = client;
        this.config = config;
        this.reader = reader;
        this.writer = writer;
        this.queue = queue;
        this.verifier = verifier;
    }

    // ------------------------------------------------------------------ state for the transport

    /** Guards the key exchange state shared with senders. */
    Object lock() {
        return kexLock;
    }

    /** Completes when the first key exchange has; fails if the connection ends before. */
    CompletableFuture<Void> firstKex() {
        return firstKex;
    }

    boolean isStrict() {
        return strict;
    }

    NegotiatedAlgorithms algorithms() {
        return algorithms;
    }

    /** H of the first exchange, not copied; null before it. */
    byte[] sessionId() {
        return sessionId;
    }

    /** The server's signature blob over H of the first exchange, not copied; null before it. */
    byte[] initialSignature() {
        return initialSignature;
    }

    /** The host key blob of the first exchange, not copied; null before it. */
    byte[] hostKey() {
        return hostKey;
    }

    boolean delayedInbound() {
        return delayedInbound;
    }

    boolean delayedOutbound() {
        return delayedOutbound;
    }

    int count() {
        synchronized (kexLock) {
            return kexCount;
        }
    }

    /** A future completed by the next exchange to finish; clears an earlier refusal. */
    CompletableFuture<Void> rekeyWaiter() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (kexLock) {
            kexWaiters.add(f);
            rekeyRefused = false;
        }
        return f;
    }

    void failWaiters(Throwable c) {
        synchronized (kexLock) {
            kexWaiters.forEach(w -> w.completeExceptionally(c));
            kexWaiters.clear();
        }
    }

    void stopRekeyTimer() {
        TransportEngine.cancel(rekeyTimer);
    }

    /** Writer thread, before writing a KEXINIT: recorded first, so an UNIMPLEMENTED answer always finds it. */
    void kexInitWriting(byte[] payload) {
        synchronized (kexLock) {
            if (ourKexInit == payload) {
                ourKexInitSeq = writer.nextSequence() & 0xffffffffL;
            }
        }
    }

    /** Reader thread, for every packet outside a key exchange: strict KEX wants KEXINIT first. */
    void noteIncoming(int m) {
        if (!sawPeerKexInit && m != MessageNumbers.KEXINIT) {
            peerSentOtherBeforeKexInit = true;
        }
    }

    /**
     * RFC 4253 §11.4. If the packet the peer did not implement is the KEXINIT of a re-exchange we
     * started (OpenSSH refuses re-exchanges before authentication this way), the re-exchange is
     * abandoned: held packets go out under the current keys, waiters fail at once, and we do not
     * start another until authentication completes.
     */
    void peerUnimplemented(int seq) {
        boolean refusedKex;
        List<CompletableFuture<Void>> waiters;
        synchronized (kexLock) {
            refusedKex = ourKexInit != null && ourKexInitSeq == (seq & 0xffffffffL) && !sawPeerKexInitThisRound;
            if (refusedKex) {
                ourKexInit = null;
                ourKexInitSeq = -1;
                rekeyRefused = true;
            }
            waiters = refusedKex ? new ArrayList<>(kexWaiters) : List.of();
            if (refusedKex) {
                kexWaiters.clear();
            }
        }
        if (!refusedKex) {
            log.debug("{} peer reports packet {} unimplemented", t, seq & 0xffffffffL);
            return;
        }
        log.info("{} peer refused our key re-exchange (UNIMPLEMENTED); continuing with the current keys", t);
        queue.reopenGate();
        SshException e = new SshException(DisconnectReason.KEY_EXCHANGE_FAILED,
                "the peer refused the key re-exchange (it answered our KEXINIT with UNIMPLEMENTED)");
        waiters.forEach(w -> w.completeExceptionally(e));
    }

    // ------------------------------------------------------------------ key exchange (reader thread)

    private final KexIo kexIo = new KexIo() {
        @Override
        public byte[] read() throws IOException {
            return readKexMessage(false);
        }

        @Override
        public void write(byte[] payload) throws IOException {
            queue.putKex(payload, null);
        }
    };

    /** Reads the next key exchange method message (or NEWKEYS), applying RFC 4253 §7.1's rules. */
    private byte[] readKexMessage(boolean wantNewKeys) throws IOException {
        while (true) {
            int m = reader.read();
            if (log.isTraceEnabled()) {
                log.trace("{} recv {} during kex ({} bytes)", t, MessageNumbers.name(m), reader.payloadLength());
            }
            switch (m) {
                case MessageNumbers.DISCONNECT:
                    throw t.peerDisconnect();
                case MessageNumbers.IGNORE:
                case MessageNumbers.DEBUG:
                case MessageNumbers.UNIMPLEMENTED:
                    if (strict && kexCount == 0) {
                        throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                                "strict KEX: unexpected " + MessageNumbers.name(m) + " during the initial key exchange");
                    }
                    continue;
                case MessageNumbers.NEWKEYS:
                    if (wantNewKeys) {
                        return null;
                    }
                    throw new SshException(DisconnectReason.PROTOCOL_ERROR, "NEWKEYS before the key exchange finished");
                case MessageNumbers.KEXINIT:
                    throw new SshException(DisconnectReason.PROTOCOL_ERROR, "KEXINIT during a key exchange");
                default:
                    if (MessageNumbers.isKexMethodSpecific(m) && !wantNewKeys) {
                        if (ignoreNextKexPacket) {
                            ignoreNextKexPacket = false;
                            log.debug("{} skipped the peer's wrongly guessed {}", t, MessageNumbers.name(m));
                            continue;
                        }
                        return reader.payloadCopy();
                    }
                    throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                            "unexpected " + MessageNumbers.name(m) + " during a key exchange"
                                    + (wantNewKeys ? " (expected NEWKEYS)" : ""));
            }
        }
    }

    private KexInit buildKexInit() {
        byte[] cookie = new byte[16];
        config.random().nextBytes(cookie);
        return Negotiation.kexInit(config, client, !firstKex.isDone(),
                client ? config.hostKeyAlgorithms() : serverHostKeyAlgorithms(), cookie);
    }

    /** The host key algorithms the server's keys can serve, in configured order. */
    private List<String> serverHostKeyAlgorithms() {
        List<String> out = new ArrayList<>();
        for (String alg : config.hostKeyAlgorithms()) {
            if (hostKeyFor(alg) != null) {
                out.add(alg);
            }
        }
        return out;
    }

    /** A host key the server can serve for an algorithm: the key pair, and its certificate for certificate algorithms. */
    private record ServedHostKey(KeyPair pair, OpenSshCertificate certificate) {
        byte[] blob() {
            return certificate != null ? certificate.encoded() : SignatureAlgorithms.encodePublicKey(pair.getPublic());
        }
    }

    private ServedHostKey hostKeyFor(String alg) {
        boolean cert = OpenSshCertificate.isCertificateAlgorithm(alg);
        String type = SignatureAlgorithms.keyType(SignatureAlgorithms.underlyingAlgorithm(alg));
        for (KeyPair kp : config.hostKeys()) {
            List<String> algs = SignatureAlgorithms.algorithmsFor(kp.getPublic());
            if (algs.isEmpty() || !SignatureAlgorithms.keyType(algs.get(0)).equals(type)) {
                continue;
            }
            if (!cert) {
                return new ServedHostKey(kp, null);
            }
            byte[] keyBlob = SignatureAlgorithms.encodePublicKey(kp.getPublic());
            for (OpenSshCertificate c : config.hostCertificates()) {
                if (MessageDigest.isEqual(c.publicKeyBlob(), keyBlob)) {
                    return new ServedHostKey(kp, c);
                }
            }
        }
        return null;
    }

    /** Queues our KEXINIT unless a key exchange is already under way. Callable from any thread. */
    void requestKex() throws SshException {
        synchronized (kexLock) {
            if (ourKexInit != null || !t.isActive()) {
                return;
            }
            byte[] p = buildKexInit().encode();
            ourKexInit = p;
            ourKexInitSeq = -1;
            queue.closeGate(p);
        }
    }

    private void scheduleTimedRekey() {
        TransportEngine.cancel(rekeyTimer);
        long nanos = config.rekeyInterval().toNanos();
        if (nanos <= 0 || !t.isActive()) {
            return;
        }
        // the timer's task only queues our KEXINIT; the KEX itself runs on the reader thread
        rekeyTimer = Threads.timer().schedule(() -> {
            try {
                checkRekeyDue(0);
            } catch (SshException | RuntimeException e) {
                t.abort(e);
            }
        }, nanos, TimeUnit.NANOSECONDS);
    }

    /** Requests a rekey when {@code bytes} (one direction's since the last exchange) or the interval says so. */
    void checkRekeyDue(long bytes) throws SshException {
        if (!firstKex.isDone()) {
            return;
        }
        boolean due;
        synchronized (kexLock) {
            due = ourKexInit == null && (!rekeyRefused || t.isAuthenticated()) && (bytes > config.rekeyBytes()
                    || System.nanoTime() - lastKexNanos >= config.rekeyInterval().toNanos());
        }
        if (due) {
            log.debug("{} rekey due after {} bytes", t, bytes);
            requestKex();
        }
    }

    /** Reader thread: the peer's KEXINIT arrived; runs the whole exchange. */
    void peerKexInit(byte[] peerPayload) throws IOException {
        sawPeerKexInit = true;
        runKeyExchange(peerPayload);
    }

    private void runKeyExchange(byte[] peerPayload) throws IOException {
        KexInit peer = KexInit.decode(peerPayload);
        synchronized (kexLock) {
            sawPeerKexInitThisRound = true;
        }
        requestKex();
        byte[] ours;
        synchronized (kexLock) {
            ours = ourKexInit;
        }
        KexInit mine = KexInit.decode(ours);
        KexInit c = client ? mine : peer;
        KexInit s = client ? peer : mine;
        boolean first = !firstKex.isDone();
        if (first) {
            boolean peerStrict = client ? s.kex().contains(Negotiation.STRICT_S) : c.kex().contains(Negotiation.STRICT_C);
            strict = config.strictKex() && peerStrict;
            if (config.requireStrictKex() && !strict) {
                throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED,
                        "strict KEX is required but the peer does not offer " + (client ? Negotiation.STRICT_S : Negotiation.STRICT_C));
            }
            if (strict && peerSentOtherBeforeKexInit) {
                throw new SshException(DisconnectReason.PROTOCOL_ERROR, "strict KEX: the peer's first packet was not KEXINIT");
            }
            reader.setFailOnSequenceWrap(strict);
            if (!client) {
                peerWantsExtInfo = c.kex().contains(Negotiation.EXT_INFO_C);
            }
        }
        NegotiatedAlgorithms a = Negotiation.negotiate(c, s);
        // RFC 4253 §7: a peer that sets first_kex_packet_follows has already sent its first key
        // exchange packet, guessing; a wrong guess is skipped (exactly that one packet, as OpenSSH
        // does: it counts towards the sequence numbers like any other, strict KEX or not, and the
        // peer sends its first packet again), a right one is the first packet of the exchange.
        // We never guess: our KEXINIT says false.
        ignoreNextKexPacket = peer.firstKexPacketFollows() && !Negotiation.guessWasRight(c, s);
        if (ignoreNextKexPacket) {
            log.debug("{} the peer's guessed key exchange packet is wrong; skipping it", t);
        }
        KexAlgorithm kex = KexAlgorithms.get(a.kex());
        if (kex == null) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, "key exchange method " + a.kex() + " is not available");
        }
        log.debug("{} kex {} hostkey {} cipher {}/{} mac {}/{} compression {}/{}{}", t, a.kex(), a.hostKey(),
                a.cipherClientToServer(), a.cipherServerToClient(), a.macClientToServer(), a.macServerToClient(),
                a.compressionClientToServer(), a.compressionServerToClient(), strict ? " strict" : "");
        byte[] vc = (client ? t.localVersion() : t.peerVersion()).getBytes(StandardCharsets.US_ASCII);
        byte[] vs = (client ? t.peerVersion() : t.localVersion()).getBytes(StandardCharsets.US_ASCII);
        KexContext ctx = new KexContext(vc, vs, client ? ours : peerPayload, client ? peerPayload : ours, config.random());
        KexResult r;
        if (client) {
            r = kex.client(kexIo, ctx);
            checkServerHostKey(a.hostKey(), r, first);
        } else {
            r = kex.server(kexIo, ctx, signerFor(a.hostKey()));
        }
        if (first) {
            sessionId = r.exchangeHash();
            hostKey = r.hostKey();
            initialSignature = r.signature();
        }
        installKeys(a, r, first);
        algorithms = a;
        List<CompletableFuture<Void>> waiters;
        synchronized (kexLock) {
            ourKexInit = null;
            ourKexInitSeq = -1;
            sawPeerKexInitThisRound = false;
            lastKexNanos = System.nanoTime();
            kexCount++;
            waiters = new ArrayList<>(kexWaiters);
            kexWaiters.clear();
        }
        scheduleTimedRekey();
        if (first) {
            firstKex.complete(null);
            t.firstKeyExchangeDone();
        }
        waiters.forEach(w -> w.complete(null));
    }

    private void checkServerHostKey(String alg, KexResult r, boolean first) throws IOException {
        String blobType = new SshReader(r.hostKey()).ascii();
        if (!blobType.equals(SignatureAlgorithms.keyType(alg))) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED,
                    "the server sent a " + Disconnect.sanitize(blobType) + " host key for the negotiated " + alg);
        }
        PublicKey key = SignatureAlgorithms.decodePublicKey(r.hostKey());
        if (!SignatureAlgorithms.verify(alg, key, r.exchangeHash(), r.signature())) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED,
                    "the server's signature over the exchange hash does not verify with its " + alg + " host key");
        }
        if (first) {
            if (!verifier.verify(t.remoteHost(), t.remotePort(), alg, r.hostKey())) {
                throw new SshException(DisconnectReason.HOST_KEY_NOT_VERIFIABLE,
                        "host key " + SignatureAlgorithms.fingerprint(r.hostKey()) + " for " + t.remoteHost() + " was not accepted");
            }
        } else if (!MessageDigest.isEqual(hostKey, r.hostKey())) {
            throw new SshException(DisconnectReason.HOST_KEY_NOT_VERIFIABLE, "the server's host key changed during a key re-exchange");
        }
    }

    private HostKeySigner signerFor(String alg) throws SshException {
        ServedHostKey hk = hostKeyFor(alg);
        if (hk == null) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, "no host key for " + alg);
        }
        byte[] blob = hk.blob();
        String signatureAlgorithm = SignatureAlgorithms.underlyingAlgorithm(alg);
        return new HostKeySigner() {
            @Override
            public byte[] publicKeyBlob() {
                return blob;
            }

            @Override
            public byte[] sign(byte[] data) throws SshException {
                return SignatureAlgorithms.sign(signatureAlgorithm, hk.pair().getPrivate(), data);
            }
        };
    }

    /** RFC 4253 §7.2–7.3: derive keys, send NEWKEYS and switch outbound, await NEWKEYS and switch inbound. */
    private void installKeys(NegotiatedAlgorithms a, KexResult r, boolean first) throws IOException {
        String outCipher = client ? a.cipherClientToServer() : a.cipherServerToClient();
        String inCipher = client ? a.cipherServerToClient() : a.cipherClientToServer();
        String outMac = client ? a.macClientToServer() : a.macServerToClient();
        String inMac = client ? a.macServerToClient() : a.macClientToServer();
        String outComp = client ? a.compressionClientToServer() : a.compressionServerToClient();
        String inComp = client ? a.compressionServerToClient() : a.compressionClientToServer();
        // Letters: A/B IV c2s/s2c, C/D key, E/F MAC key.
        char ivOut = client ? 'A' : 'B', ivIn = client ? 'B' : 'A';
        char keyOut = client ? 'C' : 'D', keyIn = client ? 'D' : 'C';
        char macOut = client ? 'E' : 'F', macIn = client ? 'F' : 'E';
        PacketCipher outbound = makeCipher(r, outCipher, outMac, true, ivOut, keyOut, macOut);
        PacketCipher inbound = makeCipher(r, inCipher, inMac, false, ivIn, keyIn, macIn);
        boolean zlibOut = Compression.ZLIB.equals(outComp);
        boolean zlibIn = Compression.ZLIB.equals(inComp);
        delayedOutbound = Compression.ZLIB_DELAYED.equals(outComp);
        delayedInbound = Compression.ZLIB_DELAYED.equals(inComp);
        boolean resetSeq = strict;
        Runnable switchOut = () -> {
            writer.setCipher(outbound);
            if (resetSeq) {
                writer.resetSequence();
            }
            writer.resetRekeyCounters();
            if (zlibOut || (delayedOutbound && t.isAuthenticated())) {
                writer.enableCompression();
            }
        };
        byte[][] firstUnderNewKeys = (!client && first && peerWantsExtInfo) ? new byte[][]{extInfo()} : new byte[0][];
        queue.openGate(KexMessages.newKeys(), switchOut, firstUnderNewKeys);
        readKexMessage(true);
        reader.setCipher(inbound);
        if (strict) {
            reader.resetSequence();
        }
        reader.setFailOnSequenceWrap(false);
        reader.resetRekeyCounters();
        if (zlibIn || (delayedInbound && t.isAuthenticated())) {
            reader.enableCompression();
        }
    }

    private PacketCipher makeCipher(KexResult r, String cipher, String mac, boolean encrypt,
                                    char ivLetter, char keyLetter, char macLetter) throws SshException {
        String hash = r.hashAlgorithm();
        byte[] sid = sessionId != null ? sessionId : r.exchangeHash();
        byte[] iv = KeyDerivation.derive(hash, r.sharedSecret(), r.exchangeHash(), ivLetter, sid, CipherAlgorithms.ivLength(cipher));
        byte[] key = KeyDerivation.derive(hash, r.sharedSecret(), r.exchangeHash(), keyLetter, sid, CipherAlgorithms.keyLength(cipher));
        byte[] macKey = mac == null ? null
                : KeyDerivation.derive(hash, r.sharedSecret(), r.exchangeHash(), macLetter, sid, CipherAlgorithms.macKeyLength(mac));
        try {
            return CipherAlgorithms.create(cipher, mac, encrypt, key, iv, macKey);
        } finally {
            java.util.Arrays.fill(key, (byte) 0);
            java.util.Arrays.fill(iv, (byte) 0);
            if (macKey != null) {
                java.util.Arrays.fill(macKey, (byte) 0);
            }
        }
    }

    /** RFC 8308 §2.4: the server's EXT_INFO, sent as the first packet under the first new keys. */
    private byte[] extInfo() {
        Map<String, String> ext = new LinkedHashMap<>();
        ext.put("server-sig-algs", String.join(",", config.userAuthSignatureAlgorithms()));
        ext.put("ping@openssh.com", "0");
        ext.putAll(t.serviceExtensions());
        return new ExtInfo(ext).encode();
    }
}
