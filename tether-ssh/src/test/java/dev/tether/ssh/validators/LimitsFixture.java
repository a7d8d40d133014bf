package dev.tether.ssh.validators;

import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.policy.ServerLimits;
import dev.tether.ssh.testutil.Pair;
import dev.tether.ssh.testutil.TestKeys;
import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Poll;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A public-key server on 127.0.0.1 (user {@code u}, key {@code DIR/id}; every command prints
 * {@code ok}) and the OpenSSH client against it, for the MaxStartups, penalty and crowd tests.
 */
final class LimitsFixture {
    /** One {@code ssh -v} run: exit code, everything it printed, and how long it took. */
    record Run(int exit, String output, Duration took) {
    }

    final Path dir;
    final KeyPair user;

    LimitsFixture(Path dir) throws Exception {
        this.dir = dir;
        this.user = SignatureAlgorithms.generate("ssh-ed25519", 0);
        OpenSshKeyFile.write(dir.resolve("id"), user, "u");
        Files.writeString(dir.resolve("authorized_keys"), OpenSshKeyFile.publicKeyLine(user.getPublic(), "u") + "\n");
        OpenSshKeyFile.write(dir.resolve("stranger"), SignatureAlgorithms.generate("ssh-ed25519", 0), "stranger");
    }

    SshServer server(ServerLimits limits) throws Exception {
        return server(limits, b -> b);
    }

    /** The server, its transport config adjusted by {@code tune} (e.g. a short login grace time). */
    SshServer server(ServerLimits limits, UnaryOperator<TransportConfig.Builder> tune) throws Exception {
        Portal portal = Portal.builder().publicKeys(AuthorizedKeysChecker.forUser("u", dir.resolve("authorized_keys")))
                .commands(cmd -> ctx -> {
                    ctx.stdout().write("ok\n".getBytes(StandardCharsets.US_ASCII));
                    return 0;
                }).build();
        TransportConfig.Builder b = TransportConfig.builder().hostKeys(List.of(TestKeys.ed25519()))
                .serverInterface(portal.serverInterface());
        return SshServer.start("127.0.0.1", 0, tune.apply(b).build(), limits);
    }

    /** {@code ssh -v -i DIR/id u@127.0.0.1 COMMAND}. */
    Run ssh(int port, String command) throws Exception {
        return ssh(port, "id", command);
    }

    /** {@code ssh -v} with the key {@code DIR/KEY} ({@code id} is authorized, {@code stranger} is not). */
    Run ssh(int port, String key, String command) throws Exception {
        long t0 = System.nanoTime();
        OpenSshClient.Result r = new OpenSshClient(dir).to(port, "u").identity(dir.resolve(key))
                .knownHosts(dir.resolve("known_hosts")).verbose(1).option("ConnectTimeout", "20").command(command).run();
        if (r.timedOut()) {
            throw new AssertionError("ssh did not finish: " + r.output());
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        return new Run(r.exitCode(), r.output(), took);
    }

    /** Our own client: key exchange done, not authenticated (an unauthenticated connection that is past KEX). */
    Transport kexOnly(SshServer s) throws Exception {
        Transport t = kexOnlyFrom(s, null);
        if (t == null) {
            throw new AssertionError("the server refused the connection");
        }
        return t;
    }

    /**
     * As {@link #kexOnly}, from the local address {@code source} (null: any), e.g. 127.0.0.2 for a
     * second source on loopback; null when the server refuses the connection with code 12.
     */
    Transport kexOnlyFrom(SshServer s, String source) throws Exception {
        long before = keyed(s);
        Socket socket = new Socket();
        Transport t;
        try {
            if (source != null) {
                socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            }
            socket.connect(new InetSocketAddress("127.0.0.1", s.port()), 10_000);
            t = Transport.startClient(socket, "127.0.0.1", s.port(), TransportConfig.builder().build(), Pair.trustAllTestKeys());
        } catch (IOException e) {
            socket.close();
            if (String.valueOf(e.getMessage()).contains("too many unauthenticated connections")) {
                return null;
            }
            throw e;
        }
        // the server finishes its side of the exchange a moment after the client: wait for it,
        // so that the limits see this connection as past KEX
        if (!Poll.until(() -> keyed(s) > before, Duration.ofSeconds(10))) {
            throw new AssertionError("the server never finished the key exchange");
        }
        for (Transport c : s.connections()) {
            if (c.keyExchangeCount() >= 1) {
                c.awaitKeyExchange(Duration.ofSeconds(10));
            }
        }
        return t;
    }

    private static long keyed(SshServer s) {
        return s.connections().stream().filter(c -> c.keyExchangeCount() >= 1).count();
    }

    /** Our own client, authenticated as {@code u}. */
    Transport loggedIn(SshServer s) throws Exception {
        Transport t = kexOnly(s);
        t.authPublickey("u", user);
        return t;
    }
}
