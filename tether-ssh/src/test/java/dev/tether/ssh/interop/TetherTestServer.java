package dev.tether.ssh.interop;

import dev.tether.ssh.SshException;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.kex.KexAlgorithms;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.transport.CipherAlgorithms;
import dev.tether.ssh.transport.Compression;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.wire.MessageNumbers;
import dev.tether.ssh.wire.SshWriter;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyPair;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Our side as a server, for the peers' clients: a loopback listener that runs
 * {@link Transport#startServer} on every accepted socket. Its {@code ssh-userauth} service
 * answers every USERAUTH_REQUEST, {@code none} included, with USERAUTH_FAILURE listing
 * {@value #AUTH_METHODS}, so a peer always reaches user authentication and never gets further.
 *
 * <p>(The library has no {@code SshServer} class yet; this test-scope listener stands in for it
 * and uses only the public Transport API.)
 */
final class TetherTestServer implements AutoCloseable {
    static final String AUTH_METHODS = "publickey,password,keyboard-interactive";

    /** One accepted connection and the user authentication requests it made ("user method"). */
    record Connection(Transport transport, BlockingQueue<String> authRequests) {
    }

    private final ServerSocket listener;
    private final TransportConfig config;
    private final Map<Transport, BlockingQueue<String>> authLogs = new ConcurrentHashMap<>();
    private final BlockingQueue<Connection> accepted = new LinkedBlockingQueue<>();
    private final List<Transport> all = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean closed;

    private TetherTestServer(ServerSocket listener, TransportConfig.Builder config) {
        this.listener = listener;
        this.config = config.service("ssh-userauth", this::refusingAuth).build();
        this.acceptor = new Thread(this::acceptLoop, "tether-interop-acceptor-" + listener.getLocalPort());
        this.acceptor.setDaemon(true);
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
     * A server configuration that offers everything we implement, SHA-1 and weak-but-supported
     * algorithms included, so that a peer can force any one of them.
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

    /** Starts listening on 127.0.0.1 and a free port; adds the refusing {@code ssh-userauth} service to {@code config}. */
    static TetherTestServer start(TransportConfig.Builder config) throws IOException {
        ServerSocket ss = new ServerSocket();
        try {
            ss.bind(new InetSocketAddress(Interop.LOOPBACK, 0));
            TetherTestServer server = new TetherTestServer(ss, config);
            server.acceptor.start();
            return server;
        } catch (IOException | RuntimeException e) {
            ss.close();
            throw e;
        }
    }

    private MessageHandler refusingAuth(Transport t) {
        BlockingQueue<String> requests = authLogs.computeIfAbsent(t, k -> new LinkedBlockingQueue<>());
        return (m, payload) -> {
            if (m != MessageNumbers.USERAUTH_REQUEST) {
                return false;
            }
            String user = payload.utf8();
            String service = payload.ascii();
            String method = payload.ascii();
            requests.add(user + " " + method + " " + service);
            t.send(new SshWriter(64).byteValue(MessageNumbers.USERAUTH_FAILURE)
                    .nameList(List.of(AUTH_METHODS.split(","))).bool(false).toByteArray());
            return true;
        };
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            try {
                Transport t = Transport.startServer(s, config);
                all.add(t);
                accepted.add(new Connection(t, authLogs.computeIfAbsent(t, k -> new LinkedBlockingQueue<>())));
            } catch (IOException | RuntimeException e) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // nothing
                }
            }
        }
    }

    int port() {
        return listener.getLocalPort();
    }

    TransportConfig config() {
        return config;
    }

    /** Forgets connections accepted so far (call before starting the peer whose connection you want). */
    void clearAccepted() {
        accepted.clear();
    }

    /** The next connection accepted, waiting at most {@code timeout}; null if none. */
    Connection nextConnection(Duration timeout) throws InterruptedException {
        return accepted.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            // ignore
        }
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Transport t : all) {
            t.close();
        }
    }
}
