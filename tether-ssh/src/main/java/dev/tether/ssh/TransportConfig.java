package dev.tether.ssh;

import dev.tether.ssh.kex.KexAlgorithms;
import dev.tether.ssh.keys.OpenSshCertificate;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.transport.CipherAlgorithms;
import dev.tether.ssh.transport.Compression;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.transport.PacketConnection;
import dev.tether.ssh.transport.TransportSettings;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Immutable settings of a {@link Transport}, for the client and the server role. Build one with
 * {@link #builder()}; the defaults are secure and interoperate with OpenSSH:
 * <ul>
 *   <li>key exchange: post-quantum hybrids, curve25519, ECDH, then DH group exchange and the
 *       fixed groups 16, 18 and 14 with SHA-2;</li>
 *   <li>ciphers: chacha20-poly1305, AES-GCM, AES-CTR (no CBC);</li>
 *   <li>MACs: SHA-2 EtM, SHA-2, and SHA-1 last;</li>
 *   <li>host keys: ed25519, ECDSA, RSA with SHA-2 (no {@code ssh-rsa} SHA-1 signatures);</li>
 *   <li>strict KEX (the Terrapin countermeasure) on; rekey after 1 GiB or one hour.</li>
 * </ul>
 * Every list can be narrowed, reordered, or extended with weak algorithms we implement.
 *
 * <p>The engine reads these values as a {@link TransportSettings} record, its own copy of them.
 */
public final class TransportConfig {
    /** Services a test adds or replaces, by name ({@link ServiceStack}). */
    private final Map<String, Function<PacketConnection, MessageHandler>> extraServices;
    /** The values, as the engine reads them. */
    private final TransportSettings settings;

    private TransportConfig(Builder b) {
        this.settings = new TransportSettings(
                List.copyOf(b.kexAlgorithms),
                List.copyOf(b.hostKeyAlgorithms),
                List.copyOf(b.ciphers),
                List.copyOf(b.macs),
                List.copyOf(b.compression),
                b.strictKex || b.requireStrictKex,
                b.requireStrictKex,
                b.rekeyBytes,
                b.rekeyInterval,
                b.handshakeTimeout,
                b.sendTimeout,
                b.maxQueuedBytes,
                b.softwareVersion,
                b.comment,
                b.random != null ? b.random : new SecureRandom(),
                List.copyOf(b.hostKeys),
                List.copyOf(b.hostCertificates),
                List.copyOf(b.userAuthSignatureAlgorithms),
                b.maxAuthTries,
                b.loginGraceTime,
                b.maxSessions,
                b.clientAliveInterval,
                b.clientAliveCountMax,
                b.unusedConnectionTimeout,
                Collections.unmodifiableMap(new LinkedHashMap<>(b.channelTimeouts)));
        this.extraServices = Map.copyOf(b.services);
        this.serverInterface = b.serverInterface;
    }

    /** The values as the engine reads them, for {@link Transport}. */
    TransportSettings settings() {
        return settings;
    }

    private final Function<Transport, ServerInterface> serverInterface;

    /**
     * A builder starting from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Every key exchange method Tether implements (the ones {@link Builder#kexAlgorithms} accepts).
     *
     * @return the method names
     */
    public static List<String> supportedKexAlgorithms() {
        return KexAlgorithms.supported();
    }

    /**
     * Every cipher Tether implements (the ones {@link Builder#ciphers} accepts).
     *
     * @return the cipher names
     */
    public static List<String> supportedCiphers() {
        return CipherAlgorithms.CIPHERS;
    }

    /**
     * Every MAC Tether implements (the ones {@link Builder#macs} accepts).
     *
     * @return the MAC names
     */
    public static List<String> supportedMacs() {
        return CipherAlgorithms.MACS;
    }

    /**
     * The defaults, for a client (a server also needs host keys).
     *
     * @return the default configuration
     */
    public static TransportConfig defaults() {
        return builder().build();
    }

    /**
     * A builder starting from these settings.
     *
     * @return a new builder holding these settings
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.kexAlgorithms = new ArrayList<>(kexAlgorithms());
        b.hostKeyAlgorithms = new ArrayList<>(hostKeyAlgorithms());
        b.ciphers = new ArrayList<>(ciphers());
        b.macs = new ArrayList<>(macs());
        b.compression = new ArrayList<>(compression());
        b.strictKex = strictKex();
        b.requireStrictKex = requireStrictKex();
        b.rekeyBytes = rekeyBytes();
        b.rekeyInterval = rekeyInterval();
        b.handshakeTimeout = handshakeTimeout();
        b.sendTimeout = sendTimeout();
        b.maxQueuedBytes = maxQueuedBytes();
        b.softwareVersion = softwareVersion();
        b.comment = comment();
        b.random = random();
        b.hostKeys = new ArrayList<>(hostKeys());
        b.hostCertificates = new ArrayList<>(hostCertificates());
        b.services = new LinkedHashMap<>(extraServices);
        b.userAuthSignatureAlgorithms = new ArrayList<>(userAuthSignatureAlgorithms());
        b.maxAuthTries = maxAuthTries();
        b.loginGraceTime = loginGraceTime();
        b.maxSessions = maxSessions();
        b.clientAliveInterval = clientAliveInterval();
        b.clientAliveCountMax = clientAliveCountMax();
        b.unusedConnectionTimeout = unusedConnectionTimeout();
        b.channelTimeouts = new LinkedHashMap<>(channelTimeouts());
        b.serverInterface = serverInterface;
        return b;
    }

    /**
     * The key exchange methods offered, in preference order.
     *
     * @return the method names
     */
    public List<String> kexAlgorithms() {
        return settings.kexAlgorithms();
    }

    /**
     * The host key algorithms offered, in preference order.
     *
     * @return the algorithm names
     */
    public List<String> hostKeyAlgorithms() {
        return settings.hostKeyAlgorithms();
    }

    /**
     * The ciphers offered, in preference order.
     *
     * @return the cipher names
     */
    public List<String> ciphers() {
        return settings.ciphers();
    }

    /**
     * The MACs offered, in preference order (unused with an AEAD cipher).
     *
     * @return the MAC names
     */
    public List<String> macs() {
        return settings.macs();
    }

    /**
     * The compression methods offered, in preference order.
     *
     * @return the names, e.g. {@code none} and {@code zlib@openssh.com}
     */
    public List<String> compression() {
        return settings.compression();
    }

    /**
     * Whether strict key exchange (the Terrapin countermeasure) is offered.
     *
     * @return true to offer it (the default)
     */
    public boolean strictKex() {
        return settings.strictKex();
    }

    /**
     * Whether a peer without strict key exchange is refused.
     *
     * @return true to refuse such peers; false by default
     */
    public boolean requireStrictKex() {
        return settings.requireStrictKex();
    }

    /**
     * The bytes in either direction after which a new key exchange starts.
     *
     * @return the byte count; 1 GiB by default
     */
    public long rekeyBytes() {
        return settings.rekeyBytes();
    }

    /**
     * The time after which a new key exchange starts.
     *
     * @return the interval; one hour by default
     */
    public Duration rekeyInterval() {
        return settings.rekeyInterval();
    }

    /**
     * How long the version exchange and the first key exchange may take.
     *
     * @return the timeout; 60 seconds by default
     */
    public Duration handshakeTimeout() {
        return settings.handshakeTimeout();
    }

    /**
     * How long a send may wait for room in the outgoing queue.
     *
     * @return the timeout; 5 minutes by default
     */
    public Duration sendTimeout() {
        return settings.sendTimeout();
    }

    /**
     * The bytes that may wait in the outgoing queue before senders block.
     *
     * @return the byte count; 1 MiB by default
     */
    public long maxQueuedBytes() {
        return settings.maxQueuedBytes();
    }

    /**
     * The software version in our identification line.
     *
     * @return the version, e.g. {@code Tether_0.1}
     */
    public String softwareVersion() {
        return settings.softwareVersion();
    }

    /**
     * The comment in our identification line.
     *
     * @return the comment, or null for none
     */
    public String comment() {
        return settings.comment();
    }

    /**
     * The random source for keys, nonces and padding.
     *
     * @return the random source (a new {@link SecureRandom} unless one was set)
     */
    public SecureRandom random() {
        return settings.random();
    }

    /**
     * Server: the host keys.
     *
     * @return the key pairs, in the order given
     */
    public List<KeyPair> hostKeys() {
        return settings.hostKeys();
    }

    /**
     * Server: host certificates, each for one of {@link #hostKeys()}.
     *
     * @return the certificates
     */
    public List<OpenSshCertificate> hostCertificates() {
        return settings.hostCertificates();
    }

    /** Services added with {@link Builder#service}, for {@link ServiceStack}. */
    Map<String, Function<PacketConnection, MessageHandler>> extraServices() {
        return extraServices;
    }

    /**
     * The signature algorithms a server announces in {@code server-sig-algs} (RFC 8308 §3.1).
     *
     * @return the algorithm names
     */
    public List<String> userAuthSignatureAlgorithms() {
        return settings.userAuthSignatureAlgorithms();
    }

    /**
     * Server: failed authentication attempts allowed before the connection ends (code 14).
     *
     * @return the number of attempts; 6 by default
     */
    public int maxAuthTries() {
        return settings.maxAuthTries();
    }

    /**
     * Server: how long a connection may stay unauthenticated.
     *
     * @return the grace time; 120 seconds by default
     */
    public Duration loginGraceTime() {
        return settings.loginGraceTime();
    }

    /**
     * Server: open session channels allowed per connection (sshd's MaxSessions); 0 refuses every session.
     *
     * @return the limit; 10 by default
     */
    public int maxSessions() {
        return settings.maxSessions();
    }

    /**
     * Server: silence from the client after which it is probed with {@code keepalive@openssh.com}; zero: off.
     *
     * @return the interval, or zero
     */
    public Duration clientAliveInterval() {
        return settings.clientAliveInterval();
    }

    /**
     * Server: unanswered probes after which the client is disconnected (sshd's ClientAliveCountMax).
     *
     * @return the count; 3 by default
     */
    public int clientAliveCountMax() {
        return settings.clientAliveCountMax();
    }

    /**
     * Server: how long an authenticated connection may have no open channels; zero: forever.
     *
     * @return the timeout, or zero
     */
    public Duration unusedConnectionTimeout() {
        return settings.unusedConnectionTimeout();
    }

    /**
     * Server: the inactivity timeout of {@code session} channels; zero: none.
     *
     * @return the timeout, or zero
     */
    public Duration channelTimeout() {
        return channelTimeout("session");
    }

    /**
     * Server: the inactivity timeout for a channel type: the first matching pattern's, else zero (none).
     *
     * @param channelType the channel type, e.g. {@code session} or {@code direct-tcpip}
     * @return the timeout, or zero
     */
    public Duration channelTimeout(String channelType) {
        return settings.channelTimeout(channelType);
    }

    /**
     * Server: the channel inactivity timeouts, channel type pattern to timeout, in match order.
     *
     * @return the patterns and timeouts
     */
    public Map<String, Duration> channelTimeouts() {
        return settings.channelTimeouts();
    }

    /**
     * Server: the per-connection policy factory, or null if none is set.
     *
     * @return the factory, or null
     */
    public Function<Transport, ServerInterface> serverInterface() {
        return serverInterface;
    }

    /** Builds a {@link TransportConfig}. Not thread-safe. */
    public static final class Builder {
        private List<String> kexAlgorithms;
        private List<String> hostKeyAlgorithms = new ArrayList<>(SignatureAlgorithms.DEFAULT);
        private List<String> ciphers = new ArrayList<>(CipherAlgorithms.CIPHERS);
        private List<String> macs = new ArrayList<>(CipherAlgorithms.MACS);
        private List<String> compression = new ArrayList<>(List.of(Compression.NONE, Compression.ZLIB_DELAYED));
        private boolean strictKex = true;
        private boolean requireStrictKex;
        private long rekeyBytes = 1L << 30;
        private Duration rekeyInterval = Duration.ofHours(1);
        private Duration handshakeTimeout = Duration.ofSeconds(60);
        private Duration sendTimeout = Duration.ofMinutes(5);
        private long maxQueuedBytes = 1 << 20;
        private String softwareVersion = "Tether_0.1";
        private String comment;
        private SecureRandom random;
        private List<KeyPair> hostKeys = new ArrayList<>();
        private List<OpenSshCertificate> hostCertificates = new ArrayList<>();
        private Map<String, Function<PacketConnection, MessageHandler>> services = new LinkedHashMap<>();
        private List<String> userAuthSignatureAlgorithms = new ArrayList<>(SignatureAlgorithms.DEFAULT);
        private int maxAuthTries = 6;
        private Duration loginGraceTime = Duration.ofSeconds(120);
        private int maxSessions = 10;
        private Duration clientAliveInterval = Duration.ZERO;
        private int clientAliveCountMax = 3;
        private Duration unusedConnectionTimeout = Duration.ZERO;
        private Map<String, Duration> channelTimeouts = new LinkedHashMap<>();
        private Function<Transport, ServerInterface> serverInterface;

        private Builder() {
            List<String> kex = new ArrayList<>();
            List<String> known = KexAlgorithms.supported();
            for (String n : KexAlgorithms.DEFAULT) {
                if (known.contains(n)) {
                    kex.add(n);
                }
            }
            kexAlgorithms = kex;
        }

        /**
         * Key exchange methods in preference order; each must be one we implement.
         *
         * @param names the method names, e.g. from {@link #supportedKexAlgorithms()}
         * @return this builder
         * @throws IllegalArgumentException if the list is empty or names a method Tether does not implement
         */
        public Builder kexAlgorithms(List<String> names) {
            for (String n : names) {
                if (KexAlgorithms.get(n) == null) {
                    throw new IllegalArgumentException("unknown key exchange method " + n + "; supported: "
                            + String.join(",", KexAlgorithms.supported()));
                }
            }
            this.kexAlgorithms = new ArrayList<>(names);
            return this;
        }

        /**
         * Host key algorithms in preference order; certificate algorithms
         * ({@code ssh-ed25519-cert-v01@openssh.com}, ...) are accepted too.
         *
         * @param names the algorithm names
         * @return this builder
         * @throws IllegalArgumentException if the list is empty or names an algorithm Tether does not implement
         */
        public Builder hostKeyAlgorithms(List<String> names) {
            List<String> known = new ArrayList<>(SignatureAlgorithms.CERTIFICATE_ALGORITHMS);
            known.addAll(SignatureAlgorithms.SUPPORTED);
            check("host key algorithm", names, known);
            this.hostKeyAlgorithms = new ArrayList<>(names);
            return this;
        }

        /**
         * Ciphers in preference order; each must be one of {@link #supportedCiphers()}.
         *
         * @param names the cipher names
         * @return this builder
         * @throws IllegalArgumentException if the list is empty or names a cipher Tether does not implement
         */
        public Builder ciphers(List<String> names) {
            check("cipher", names, CipherAlgorithms.CIPHERS);
            this.ciphers = new ArrayList<>(names);
            return this;
        }

        /**
         * MACs in preference order; each must be one of {@link #supportedMacs()}.
         *
         * @param names the MAC names
         * @return this builder
         * @throws IllegalArgumentException if the list is empty or names a MAC Tether does not implement
         */
        public Builder macs(List<String> names) {
            check("MAC", names, CipherAlgorithms.MACS);
            this.macs = new ArrayList<>(names);
            return this;
        }

        /**
         * Compression methods in preference order: {@code none}, {@code zlib@openssh.com} (after authentication) or
         * {@code zlib}.
         *
         * @param names the method names
         * @return this builder
         * @throws IllegalArgumentException if the list is empty or names a method Tether does not implement
         */
        public Builder compression(List<String> names) {
            check("compression", names, Compression.SUPPORTED);
            this.compression = new ArrayList<>(names);
            return this;
        }

        /**
         * Offer strict KEX (on by default).
         *
         * @param on whether to offer it
         * @return this builder
         */
        public Builder strictKex(boolean on) {
            this.strictKex = on;
            return this;
        }

        /**
         * Refuse peers that do not support strict KEX.
         *
         * @param on whether to refuse such peers
         * @return this builder
         */
        public Builder requireStrictKex(boolean on) {
            this.requireStrictKex = on;
            return this;
        }

        /**
         * Start a new key exchange after this many bytes in either direction.
         *
         * @param bytes the byte count, at least 16 KiB
         * @return this builder
         * @throws IllegalArgumentException if {@code bytes} is under 16 KiB
         */
        public Builder rekeyBytes(long bytes) {
            if (bytes < 16 * 1024) {
                throw new IllegalArgumentException("rekey limit must be at least 16 KiB");
            }
            this.rekeyBytes = bytes;
            return this;
        }

        /**
         * Start a new key exchange after this long (default one hour).
         *
         * @param d the interval
         * @return this builder
         */
        public Builder rekeyInterval(Duration d) {
            this.rekeyInterval = Objects.requireNonNull(d);
            return this;
        }

        /**
         * How long the version exchange and the first key exchange may take.
         *
         * @param d the timeout (default 60 seconds)
         * @return this builder
         */
        public Builder handshakeTimeout(Duration d) {
            this.handshakeTimeout = Objects.requireNonNull(d);
            return this;
        }

        /**
         * How long a send may wait for room in the outgoing queue.
         *
         * @param d the timeout (default 5 minutes)
         * @return this builder
         */
        public Builder sendTimeout(Duration d) {
            this.sendTimeout = Objects.requireNonNull(d);
            return this;
        }

        /**
         * Bytes that may wait in the outgoing queue before senders block.
         *
         * @param bytes the byte count (default 1 MiB)
         * @return this builder
         */
        public Builder maxQueuedBytes(long bytes) {
            this.maxQueuedBytes = bytes;
            return this;
        }

        /**
         * The software version in our identification line ({@code SSH-2.0-VERSION COMMENT}).
         *
         * @param version the version, without spaces (default {@code Tether_0.1})
         * @param comment the comment, or null for none
         * @return this builder
         */
        public Builder softwareVersion(String version, String comment) {
            this.softwareVersion = Objects.requireNonNull(version);
            this.comment = comment;
            return this;
        }

        /**
         * The random source for keys, nonces and padding; null (the default) for a new {@link SecureRandom}.
         *
         * @param random the random source, or null
         * @return this builder
         */
        public Builder random(SecureRandom random) {
            this.random = random;
            return this;
        }

        /**
         * Server: the host keys. A server offers every host key algorithm its keys allow.
         *
         * @param keys the host key pairs; replaces any set before
         * @return this builder
         */
        public Builder hostKeys(List<KeyPair> keys) {
            this.hostKeys = new ArrayList<>(keys);
            return this;
        }

        /**
         * Server: adds a host key.
         *
         * @param key the host key pair
         * @return this builder
         */
        public Builder addHostKey(KeyPair key) {
            this.hostKeys.add(key);
            return this;
        }

        /**
         * Server: a host certificate (signed with {@code ssh-keygen -h}) for one of the host keys.
         * The server then also offers the certificate algorithms, which clients that trust the CA
         * (a {@code @cert-authority} line) prefer.
         *
         * @param certificate the host certificate
         * @return this builder
         * @throws IllegalArgumentException if it is not a host certificate
         */
        public Builder addHostCertificate(OpenSshCertificate certificate) {
            if (certificate.type() != OpenSshCertificate.Type.HOST) {
                throw new IllegalArgumentException("not a host certificate: " + certificate.keyId());
            }
            this.hostCertificates.add(certificate);
            for (String alg : SignatureAlgorithms.CERTIFICATE_ALGORITHMS) {
                if (!hostKeyAlgorithms.contains(alg)) {
                    hostKeyAlgorithms.add(SignatureAlgorithms.CERTIFICATE_ALGORITHMS.indexOf(alg), alg);
                }
            }
            return this;
        }

        /**
         * Server: the handler for a service name requested with SERVICE_REQUEST, added to (or
         * replacing) those of {@link ServiceStack}. An engine-level hook for tests, not API: the
         * tests reach it through their own helper in this package.
         */
        Builder service(String name, Function<PacketConnection, MessageHandler> factory) {
            if (factory == null) {
                services.remove(name);
            } else {
                services.put(name, factory);
            }
            return this;
        }

        /**
         * Server: the policy deciding who may log in, one instance per connection (paramiko's
         * {@code ServerInterface}). Its {@code ssh-userauth} service takes precedence over one
         * added with {@link #service}.
         *
         * @param factory makes the policy for each connection
         * @return this builder
         */
        public Builder serverInterface(Function<Transport, ServerInterface> factory) {
            this.serverInterface = Objects.requireNonNull(factory);
            return this;
        }

        /**
         * Server: failed attempts allowed before the connection ends (default 6, as sshd's MaxAuthTries).
         *
         * @param n the number of attempts, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code n} is below 1
         */
        public Builder maxAuthTries(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxAuthTries must be at least 1");
            }
            this.maxAuthTries = n;
            return this;
        }

        /**
         * Server: how long a connection may stay unauthenticated (default 120 s, as sshd's LoginGraceTime).
         *
         * @param d the grace time
         * @return this builder
         */
        public Builder loginGraceTime(Duration d) {
            this.loginGraceTime = Objects.requireNonNull(d);
            return this;
        }

        /**
         * Server: how many session channels (shell, exec, subsystem) one connection may hold open
         * at once (default 10, as sshd's MaxSessions). One more is refused as sshd refuses it,
         * with CONNECT_FAILED and "open failed". 0 refuses every session while other channel
         * types (forwardings) still open; 1 disables multiplexing.
         *
         * @param n the limit, 0 or more
         * @return this builder
         * @throws IllegalArgumentException if {@code n} is negative
         */
        public Builder maxSessions(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("maxSessions must not be negative");
            }
            this.maxSessions = n;
            return this;
        }

        /**
         * Server: after this long without a packet from the client, send it
         * {@code keepalive@openssh.com} with want-reply, and again every interval while it stays
         * silent (sshd's ClientAliveInterval). Zero (the default) turns probing off.
         *
         * @param d the interval, or zero
         * @return this builder
         * @throws IllegalArgumentException if {@code d} is negative
         */
        public Builder clientAliveInterval(Duration d) {
            this.clientAliveInterval = nonNegative("clientAliveInterval", d);
            return this;
        }

        /**
         * Server: probes that may go unanswered (default 3, as sshd's ClientAliveCountMax). When
         * the last of them has had an interval to be answered, the connection ends with
         * BY_APPLICATION "Timeout, client not responding", so a silent client is dropped after
         * about (count + 1) × interval, as sshd drops it. Any packet from the client counts as
         * an answer. 0 drops a client after one interval of silence, without probing.
         *
         * @param n the count, 0 or more
         * @return this builder
         * @throws IllegalArgumentException if {@code n} is negative
         */
        public Builder clientAliveCountMax(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("clientAliveCountMax must not be negative");
            }
            this.clientAliveCountMax = n;
            return this;
        }

        /**
         * Server: close an authenticated connection that has had no open channel for this long
         * (sshd's UnusedConnectionTimeout), counted from authentication and from each moment
         * the last channel closed. Zero (the default): never.
         *
         * @param d the timeout, or zero
         * @return this builder
         * @throws IllegalArgumentException if {@code d} is negative
         */
        public Builder unusedConnectionTimeout(Duration d) {
            this.unusedConnectionTimeout = nonNegative("unusedConnectionTimeout", d);
            return this;
        }

        /**
         * Server: close a {@code session} channel after this long without data in either
         * direction (sshd's {@code ChannelTimeout session=...}); its command is then ended as on
         * any close. Zero: no timeout (the default).
         *
         * @param d the timeout, or zero
         * @return this builder
         * @throws IllegalArgumentException if {@code d} is negative
         */
        public Builder channelTimeout(Duration d) {
            return channelTimeout("session", d);
        }

        /**
         * Server: the inactivity timeout for channels whose type matches {@code typePattern}
         * ({@code *} and {@code ?} wildcards, e.g. {@code direct-tcpip} or {@code *}); the first
         * pattern set that matches a channel's type applies. Zero exempts the types it matches.
         *
         * @param typePattern the channel type pattern
         * @param d           the timeout, or zero
         * @return this builder
         * @throws IllegalArgumentException if {@code d} is negative
         */
        public Builder channelTimeout(String typePattern, Duration d) {
            channelTimeouts.put(Objects.requireNonNull(typePattern), nonNegative("channelTimeout", d));
            return this;
        }

        private static Duration nonNegative(String what, Duration d) {
            if (d.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative");
            }
            return d;
        }

        /**
         * Server: the signature algorithms announced in {@code server-sig-algs} (RFC 8308 §3.1); each must be one
         * Tether implements.
         *
         * @param names the algorithm names
         * @return this builder
         * @throws IllegalArgumentException if the list is empty or names an algorithm Tether does not implement
         */
        public Builder userAuthSignatureAlgorithms(List<String> names) {
            check("signature algorithm", names, SignatureAlgorithms.SUPPORTED);
            this.userAuthSignatureAlgorithms = new ArrayList<>(names);
            return this;
        }

        private static void check(String what, List<String> names, List<String> known) {
            if (names.isEmpty()) {
                throw new IllegalArgumentException("empty " + what + " list");
            }
            for (String n : names) {
                if (!known.contains(n)) {
                    throw new IllegalArgumentException("unknown " + what + " " + n + "; supported: " + String.join(",", known));
                }
            }
        }

        /**
         * The configuration.
         *
         * @return the configuration
         * @throws IllegalArgumentException if no key exchange method is left
         */
        public TransportConfig build() {
            if (kexAlgorithms.isEmpty()) {
                throw new IllegalArgumentException("no key exchange methods");
            }
            return new TransportConfig(this);
        }
    }
}
