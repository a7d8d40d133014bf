package dev.tether.ssh.testutil;

import dev.tether.ssh.Engines;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.userauth.NoAuthService;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A connected client and server Transport, in memory or over loopback TCP. */
public final class Pair implements AutoCloseable {
    public final Transport client;
    public final Transport server;

    private Pair(Transport client, Transport server) {
        this.client = client;
        this.server = server;
    }

    /** The server config: every test host key and a denying ssh-userauth service. */
    public static TransportConfig.Builder serverConfig() {
        return Engines.service(TransportConfig.builder().hostKeys(TestKeys.all()),
                "ssh-userauth", t -> new NoAuthService(t, List.of("publickey"), 6));
    }

    public static HostKeyVerifier trustAllTestKeys() {
        return HostKeyVerifier.acceptKeys(TestKeys.all().stream()
                .map(KeyPair::getPublic).map(SignatureAlgorithms::encodePublicKey).toList());
    }

    public static Pair inMemory(TransportConfig clientConfig, TransportConfig serverConfig) throws IOException {
        Duplex d = new Duplex();
        Transport server = Transport.startServer(d.serverIn, d.serverOut, serverConfig);
        try {
            Transport client = Transport.startClient(d.clientIn, d.clientOut, clientConfig, trustAllTestKeys());
            server.awaitKeyExchange(Duration.ofSeconds(30));
            return new Pair(client, server);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    public static Pair overTcp(TransportConfig clientConfig, TransportConfig serverConfig) throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Transport> server = CompletableFuture.supplyAsync(() -> {
                try {
                    Socket s = ss.accept();
                    return Transport.startServer(s, serverConfig);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            Transport client = Transport.connect("127.0.0.1", ss.getLocalPort(), clientConfig, trustAllTestKeys());
            Transport st = server.get(30, TimeUnit.SECONDS);
            st.awaitKeyExchange(Duration.ofSeconds(30));
            return new Pair(client, st);
        }
    }

    @Override
    public void close() throws Exception {
        client.close();
        server.close();
        client.closeFuture().get(10, TimeUnit.SECONDS);
        server.closeFuture().get(10, TimeUnit.SECONDS);
    }
}
