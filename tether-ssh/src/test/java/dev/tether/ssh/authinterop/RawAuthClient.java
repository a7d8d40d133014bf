package dev.tether.ssh.authinterop;

import dev.tether.ssh.Engines;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.DisconnectException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.wire.MessageNumbers;

import java.io.IOException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client that speaks ssh-userauth by hand over our Transport: it sends hand-built payloads
 * with {@link Transport#send} and records every message of 50 and up that the server sends, so a
 * test can try what a well-behaved client never would.
 */
final class RawAuthClient implements AutoCloseable {
    static final String SERVICE = "ssh-connection";

    /** One message from the server: its number and payload (after the number). */
    record Reply(int type, byte[] body) {
        SshReader reader() {
            return new SshReader(body);
        }

        /** USERAUTH_FAILURE: the methods that can continue. */
        List<String> methods() {
            try {
                return reader().nameList();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** USERAUTH_FAILURE: the partial success flag. */
        boolean partial() {
            try {
                SshReader r = reader();
                r.nameList();
                return r.bool();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public String toString() {
            return MessageNumbers.name(type) + (type == MessageNumbers.USERAUTH_FAILURE ? " " + methods() + " partial=" + partial() : "");
        }
    }

    private static final Reply CLOSED = new Reply(-1, new byte[0]);

    final Transport transport;
    private final BlockingQueue<Reply> replies = new LinkedBlockingQueue<>();
    private final List<Reply> all = new ArrayList<>();

    private RawAuthClient(Transport transport) {
        this.transport = transport;
        Engines.of(transport).setMessageHandler(new dev.tether.ssh.transport.MessageHandler() {
            @Override
            public boolean handle(int m, SshReader payload) {
                byte[] copy = new byte[payload.remaining()];
                System.arraycopy(payload.array(), payload.position(), copy, 0, copy.length);
                Reply r = new Reply(m, copy);
                synchronized (all) {
                    all.add(r);
                }
                if (m != MessageNumbers.USERAUTH_BANNER) {
                    replies.add(r);
                }
                return true;
            }

            @Override
            public void closed(Throwable cause) {
                replies.add(CLOSED);
            }
        });
    }

    /** Connects and finishes the key exchange, but requests no service. */
    static RawAuthClient connectOnly(int port, KeyPair hostKey) throws IOException {
        return connectOnly(port, SignatureAlgorithms.encodePublicKey(hostKey.getPublic()));
    }

    static RawAuthClient connectOnly(int port, byte[] hostKeyBlob) throws IOException {
        TransportConfig config = TransportConfig.builder().handshakeTimeout(AuthInterop.TIMEOUT)
                .hostKeyAlgorithms(hostKeyAlgorithmsFor(new SshReader(hostKeyBlob).ascii())).build();
        Transport t = Transport.connect(AuthInterop.LOOPBACK, port, config, HostKeyVerifier.acceptKeys(List.of(hostKeyBlob)));
        return new RawAuthClient(t);
    }

    private static List<String> hostKeyAlgorithmsFor(String keyType) {
        return keyType.equals("ssh-rsa") ? List.of("rsa-sha2-512", "rsa-sha2-256") : List.of(keyType);
    }

    /** Connects and gets SERVICE_ACCEPT for ssh-userauth. */
    static RawAuthClient connect(int port, KeyPair hostKey) throws IOException {
        return connect(port, SignatureAlgorithms.encodePublicKey(hostKey.getPublic()));
    }

    /** Connects to a server with this host key (blob) and gets SERVICE_ACCEPT for ssh-userauth. */
    static RawAuthClient connect(int port, byte[] hostKeyBlob) throws IOException {
        RawAuthClient c = connectOnly(port, hostKeyBlob);
        try {
            Engines.of(c.transport).requestService("ssh-userauth", AuthInterop.TIMEOUT);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    void send(byte[] payload) throws IOException {
        Engines.of(transport).send(payload);
    }

    /** The next reply, or null if none arrives in time; a closed connection gives a reply of type -1. */
    Reply next(Duration timeout) throws InterruptedException {
        Reply r = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (r == CLOSED) {
            replies.add(CLOSED);
        }
        return r;
    }

    /** Every message of 50 and up received so far, banners included. */
    List<Reply> received() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    /** Waits (bounded) for the connection to end and returns the DISCONNECT the server sent; fails otherwise. */
    DisconnectException awaitDisconnect(Duration timeout) throws InterruptedException {
        try {
            transport.closeFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // closed with a cause: looked at below
        } catch (TimeoutException e) {
            throw new AssertionError("the server did not end the connection within " + timeout + "; received " + received());
        }
        Throwable cause = transport.closeCause();
        if (cause instanceof DisconnectException d && d.fromPeer()) {
            return d;
        }
        throw new AssertionError("the connection ended without a DISCONNECT from the server: " + cause + "; received " + received(), cause);
    }

    // ------------------------------------------------------------------ payloads

    static SshWriter request(String user, String method) {
        return new SshWriter(256).byteValue(MessageNumbers.USERAUTH_REQUEST).string(user).string(SERVICE).string(method);
    }

    static byte[] password(String user, String password) {
        return request(user, "password").bool(false).string(password).toByteArray();
    }

    static byte[] none(String user) {
        return request(user, "none").toByteArray();
    }

    /** A publickey query (has-signature FALSE). */
    static byte[] query(String user, String alg, byte[] blob) {
        return request(user, "publickey").bool(false).string(alg).string(blob).toByteArray();
    }

    /** The data a publickey signature covers (RFC 4252 §7), over {@code sessionId}. */
    static byte[] signedData(byte[] sessionId, String user, String alg, byte[] blob) {
        return new SshWriter(512).string(sessionId).byteValue(MessageNumbers.USERAUTH_REQUEST).string(user).string(SERVICE)
                .string("publickey").bool(true).string(alg).string(blob).toByteArray();
    }

    /** A signed publickey request whose signature covers {@code sessionId}. */
    static byte[] signed(byte[] sessionId, String user, String alg, byte[] blob, PrivateKey key) throws IOException {
        byte[] sig = SignatureAlgorithms.sign(alg, key, signedData(sessionId, user, alg, blob));
        return request(user, "publickey").bool(true).string(alg).string(blob).string(sig).toByteArray();
    }

    /** A signed publickey request over this connection's own session identifier. */
    byte[] signed(String user, String alg, KeyPair key) throws IOException {
        byte[] blob = SignatureAlgorithms.encodePublicKey(key.getPublic());
        return signed(transport.sessionId(), user, alg, blob, key.getPrivate());
    }

    /** CHANNEL_OPEN "session" (RFC 4254 §6.1). */
    static byte[] channelOpenSession() {
        return new SshWriter(64).byteValue(MessageNumbers.CHANNEL_OPEN).string("session").uint32(0).uint32(2 * 1024 * 1024)
                .uint32(32768).toByteArray();
    }

    @Override
    public void close() {
        transport.close();
    }
}
