package dev.tether.ssh.interop;

import dev.tether.ssh.Engines;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.kex.KexAlgorithms;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.transport.CipherAlgorithms;
import dev.tether.ssh.transport.Compression;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.transport.PacketConnection;
import dev.tether.ssh.transport.TransportEngine;
import dev.tether.ssh.userauth.NoAuthService;
import dev.tether.ssh.wire.MessageNumbers;

import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Our {@link SshServer} on 127.0.0.1 and a free port, with a window onto its connections for
 * assertions from the server's side.
 *
 * <p>The {@code ssh-userauth} service is the one SshServer installs by default
 * ({@link NoAuthService} with {@value #AUTH_METHODS} and 6 attempts), wrapped so that the test
 * learns which Transport reached it and which USERAUTH_REQUESTs it got. The wrapper only
 * observes: every message goes to the NoAuthService unchanged. (A test that wants SshServer's
 * untouched default uses {@link #startPlain}.)
 */
final class TetherTestServer implements AutoCloseable {
    static final String AUTH_METHODS = "publickey,password,keyboard-interactive";

    /** One connection that requested ssh-userauth, and the USERAUTH_REQUESTs it made ("user method service"). */
    /** One accepted connection, seen through its engine (the observing service gets the engine, not the public Transport). */
    record Connection(TransportEngine transport, BlockingQueue<String> authRequests) {
    }

    private final BlockingQueue<Connection> accepted = new LinkedBlockingQueue<>();
    private final boolean rekeyOnFirstAuthRequest;
    private SshServer server;

    private TetherTestServer(boolean rekeyOnFirstAuthRequest) {
        this.rekeyOnFirstAuthRequest = rekeyOnFirstAuthRequest;
    }

    /** Host keys of every kind we sign with: ed25519, ECDSA on the three NIST curves, RSA 3072. */
    static Map<String, KeyPair> generateHostKeys() throws SshException {
        Map<String, KeyPair> keys = new LinkedHashMap<>();
        keys.put("ssh-ed25519", SignatureAlgorithms.generate("ssh-ed25519", 0));
        keys.put("ecdsa-sha2-nistp256", SignatureAlgorithms.generate("ecdsa-sha2-nistp256", 0));
        keys.put("ecdsa-sha2-nistp384", SignatureAlgorithms.generate("ecdsa-sha2-nistp384", 0));
        keys.put("ecdsa-sha2-nistp521", SignatureAlgorithms.generate("ecdsa-sha2-nistp521", 0));
        keys.put("ssh-rsa", SignatureAlgorithms.generate("ssh-rsa", 3072));
        return keys;
    }

    /** The key type (as in a public key blob) that serves a host key algorithm. */
    static String keyTypeFor(String hostKeyAlgorithm) {
        return hostKeyAlgorithm.startsWith("rsa-sha2-") ? "ssh-rsa" : hostKeyAlgorithm;
    }

    /**
     * A server configuration that offers everything we implement, SHA-1 and other
     * off-by-default algorithms included, so that a peer can force any one of them.
     */
    static TransportConfig.Builder everythingConfig(List<KeyPair> hostKeys) {
        return TransportConfig.builder()
                .hostKeys(hostKeys)
                .kexAlgorithms(KexAlgorithms.supported())
                .hostKeyAlgorithms(SignatureAlgorithms.SUPPORTED)
                .ciphers(CipherAlgorithms.CIPHERS)
                .macs(CipherAlgorithms.MACS)
                .compression(List.of(Compression.NONE, Compression.ZLIB_DELAYED))
                .handshakeTimeout(Duration.ofSeconds(30));
    }

    /** Starts SshServer with the observing ssh-userauth wrapper. */
    static TetherTestServer start(TransportConfig.Builder config) throws IOException {
        return start(config, false);
    }

    /**
     * @param rekeyOnFirstAuthRequest start a key re-exchange from our side when the first
     *                                USERAUTH_REQUEST arrives, so that the USERAUTH_FAILURE goes
     *                                out under the new keys
     */
    static TetherTestServer start(TransportConfig.Builder config, boolean rekeyOnFirstAuthRequest) throws IOException {
        TetherTestServer s = new TetherTestServer(rekeyOnFirstAuthRequest);
        s.server = SshServer.start(Interop.LOOPBACK, 0, Engines.service(config, "ssh-userauth", s::observe).build());
        return s;
    }

    /** SshServer exactly as configured, with its own default ssh-userauth service; {@link #nextConnection} sees nothing. */
    static TetherTestServer startPlain(TransportConfig config) throws IOException {
        TetherTestServer s = new TetherTestServer(false);
        s.server = SshServer.start(Interop.LOOPBACK, 0, config);
        return s;
    }

    private MessageHandler observe(PacketConnection t) {
        BlockingQueue<String> requests = new LinkedBlockingQueue<>();
        accepted.add(new Connection((TransportEngine) t, requests));
        NoAuthService delegate = new NoAuthService(t, List.of(AUTH_METHODS.split(",")), 6);
        return new MessageHandler() {
            private boolean rekeyed;

            @Override
            public boolean handle(int m, SshReader payload) throws IOException {
                if (m == MessageNumbers.USERAUTH_REQUEST && rekeyOnFirstAuthRequest && !rekeyed) {
                    rekeyed = true;
                    ((TransportEngine) t).renegotiateKeys(); // queues our KEXINIT; the reply below waits behind the new keys
                }
                if (m == MessageNumbers.USERAUTH_REQUEST) {
                    SshReader copy = new SshReader(payload.array(), payload.position(), payload.remaining());
                    String user = copy.utf8();
                    String service = copy.ascii();
                    String method = copy.ascii();
                    requests.add(user + " " + method + " " + service);
                }
                return delegate.handle(m, payload);
            }

            @Override
            public void closed(Throwable cause) {
                delegate.closed(cause);
            }
        };
    }

    int port() {
        return server.port();
    }

    /** Forgets connections seen so far (call before starting the peer whose connection you want). */
    void clearAccepted() {
        accepted.clear();
    }

    /** The next connection that requested ssh-userauth, waiting at most {@code timeout}; null if none. */
    Connection nextConnection(Duration timeout) throws InterruptedException {
        return accepted.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
