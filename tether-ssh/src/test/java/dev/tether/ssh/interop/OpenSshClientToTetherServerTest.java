package dev.tether.ssh.interop;

import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.DisconnectException;
import dev.tether.ssh.common.NegotiatedAlgorithms;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.kex.KexAlgorithms;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.transport.CipherAlgorithms;
import dev.tether.ssh.transport.TransportEngine;
import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Peers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenSSH client ({@code ssh -vvv}) against our server, once for every key exchange method,
 * cipher, MAC and host key algorithm that both implement. Each run forces one algorithm in its
 * category (MAC runs also force {@value Interop#CIPHER_FOR_MAC_TESTS}, since an AEAD cipher
 * would make the MAC moot) and leaves the rest to the defaults. ssh must complete the key
 * exchange with the forced algorithm, see our host key, get SERVICE_ACCEPT, reach user
 * authentication and give up with "Permission denied" (exit 255).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OpenSshClientToTetherServerTest {
    private static Map<String, KeyPair> hostKeys;
    private static TetherTestServer server;
    private static OpenSshClient ssh;

    @BeforeAll
    static void startServer() throws Exception {
        Peers.requireSsh();
        hostKeys = TetherTestServer.generateHostKeys();
        server = TetherTestServer.start(TetherTestServer.everythingConfig(new ArrayList<>(hostKeys.values())));
        ssh = new OpenSshClient();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
        if (ssh != null) {
            ssh.close();
        }
    }

    static Stream<Arguments> algorithms() {
        List<Arguments> out = new ArrayList<>();
        Interop.common(OpenSshClient.query("kex"), KexAlgorithms.supported()).forEach(a -> out.add(Arguments.of("kex", a)));
        Interop.common(OpenSshClient.query("cipher"), CipherAlgorithms.CIPHERS).forEach(a -> out.add(Arguments.of("cipher", a)));
        Interop.common(OpenSshClient.query("mac"), CipherAlgorithms.MACS).forEach(a -> out.add(Arguments.of("mac", a)));
        Interop.common(OpenSshClient.query("key-sig"), SignatureAlgorithms.SUPPORTED).forEach(a -> out.add(Arguments.of("hostkey", a)));
        return out.stream();
    }

    @ParameterizedTest(name = "ssh -> tether, {0} {1}")
    @MethodSource("algorithms")
    void sshNegotiatesEachCommonAlgorithm(String category, String algorithm) throws Exception {
        OpenSshClient.Invocation o = ssh.to(server.port(), "user").preferred("none");
        switch (category) {
            case "kex" -> o.kex(algorithm);
            case "cipher" -> o.ciphers(algorithm);
            case "mac" -> o.ciphers(Interop.CIPHER_FOR_MAC_TESTS).macs(algorithm);
            case "hostkey" -> o.hostKeyAlgorithms(algorithm);
            default -> throw new IllegalArgumentException(category);
        }
        server.clearAccepted();
        OpenSshClient.Result r = o.run();
        String why = r.describe();

        assertFalse(r.timedOut(), why);
        // key exchange, from ssh's side
        String kex = r.after("debug1: kex: algorithm: ");
        String hostKeyAlg = r.after("debug1: kex: host key algorithm: ");
        String s2c = r.after("debug1: kex: server->client cipher: ");
        String c2s = r.after("debug1: kex: client->server cipher: ");
        assertNotNull(kex, "no 'kex: algorithm' line\n" + why);
        assertNotNull(s2c, why);
        assertNotNull(c2s, why);
        switch (category) {
            case "kex" -> assertEquals(algorithm, kex, why);
            case "cipher" -> {
                assertTrue(s2c.startsWith(algorithm + " "), why);
                assertTrue(c2s.startsWith(algorithm + " "), why);
            }
            case "mac" -> {
                assertTrue(s2c.startsWith(Interop.CIPHER_FOR_MAC_TESTS + " MAC: " + algorithm + " "), why);
                assertTrue(c2s.startsWith(Interop.CIPHER_FOR_MAC_TESTS + " MAC: " + algorithm + " "), why);
            }
            case "hostkey" -> assertEquals(algorithm, hostKeyAlg, why);
            default -> throw new IllegalArgumentException(category);
        }
        // ssh saw (and stored) our host key of the negotiated type
        String keyType = TetherTestServer.keyTypeFor(hostKeyAlg);
        byte[] ourBlob = SignatureAlgorithms.encodePublicKey(hostKeys.get(keyType).getPublic());
        assertTrue(r.hasLine("debug1: Server host key: " + keyType + " " + SignatureAlgorithms.fingerprint(ourBlob)),
                "ssh did not report our " + keyType + " key " + SignatureAlgorithms.fingerprint(ourBlob) + "\n" + why);
        List<byte[]> stored = OpenSshClient.knownHostKeys(r.knownHosts());
        assertEquals(1, stored.size(), why);
        assertArrayEquals(ourBlob, stored.get(0), why);
        // the service and user authentication were reached, and refused
        assertTrue(r.hasLine("debug1: SSH2_MSG_SERVICE_ACCEPT received"), why);
        assertTrue(r.hasLine("Authentications that can continue: " + TetherTestServer.AUTH_METHODS), why);
        assertTrue(r.hasLine("Permission denied"), why);
        assertEquals(255, r.exitCode(), why);

        // the same connection, from our server's side
        TetherTestServer.Connection c = server.nextConnection(Duration.ofSeconds(5));
        assertNotNull(c, "our server accepted no connection\n" + why);
        NegotiatedAlgorithms a = c.transport().negotiatedAlgorithms();
        assertNotNull(a, "our server finished no key exchange: " + c.transport().closeCause() + "\n" + why);
        assertEquals(kex, a.kex(), why);
        assertEquals(hostKeyAlg, a.hostKey(), why);
        assertTrue(s2c.startsWith(a.cipherServerToClient() + " "), a + "\n" + why);
        assertTrue(c2s.startsWith(a.cipherClientToServer() + " "), a + "\n" + why);
        if (category.equals("mac")) {
            assertEquals(algorithm, a.macClientToServer(), why);
            assertEquals(algorithm, a.macServerToClient(), why);
        }
        assertTrue(c.transport().peerVersion().startsWith("SSH-2.0-OpenSSH_"), c.transport().peerVersion());
        String auth = c.authRequests().poll(5, TimeUnit.SECONDS);
        assertEquals("user none ssh-connection", auth, why);
        // ssh gave up and left: our side must see an orderly end, not a packet it could not decrypt or verify
        TransportEngine t = c.transport();
        t.closeFuture().get(10, TimeUnit.SECONDS);
        assertOrderlyEnd(t.closeCause(), why);
    }

    /** The peer disconnected or hung up; nothing our server itself had to complain about. */
    static void assertOrderlyEnd(Throwable cause, String why) {
        if (cause == null || (cause instanceof DisconnectException de && de.fromPeer())) {
            return;
        }
        if (cause instanceof SshException se) {
            throw new AssertionError("our server ended the connection itself: " + se.reason() + " " + se.getMessage() + "\n" + why, se);
        }
        // a plain IOException (EOF, reset) is how a client that does not send DISCONNECT leaves
    }

    /**
     * {@code -o Compression=yes}: {@code zlib@openssh.com} (delayed) is negotiated in both
     * directions. Authentication never succeeds, so compression never actually starts.
     */
    @Test
    void sshCompressionNegotiatesDelayedZlib() throws Exception {
        server.clearAccepted();
        OpenSshClient.Result r = ssh.to(server.port(), "user").preferred("none").option("Compression", "yes").run();
        String why = r.describe();
        assertFalse(r.timedOut(), why);
        assertTrue(r.after("debug1: kex: server->client cipher: ").endsWith(" compression: zlib@openssh.com"), why);
        assertTrue(r.after("debug1: kex: client->server cipher: ").endsWith(" compression: zlib@openssh.com"), why);
        assertTrue(r.hasLine("debug1: SSH2_MSG_SERVICE_ACCEPT received"), why);
        assertTrue(r.hasLine("Authentications that can continue: " + TetherTestServer.AUTH_METHODS), why);
        assertEquals(255, r.exitCode(), why);
        TransportEngine t = server.nextConnection(Duration.ofSeconds(5)).transport();
        assertEquals("zlib@openssh.com", t.negotiatedAlgorithms().compressionClientToServer());
        assertEquals("zlib@openssh.com", t.negotiatedAlgorithms().compressionServerToClient());
        assertFalse(t.isAuthenticated());
    }

    /** SshServer exactly as an application would start it: host keys only, its own default ssh-userauth service. */
    @Test
    void sshAgainstSshServerDefaults() throws Exception {
        KeyPair ed = hostKeys.get("ssh-ed25519");
        try (TetherTestServer plain = TetherTestServer.startPlain(TransportConfig.builder().hostKeys(List.of(ed)).build())) {
            OpenSshClient.Result r = ssh.to(plain.port(), "user").preferred("none").run();
            String why = r.describe();
            assertFalse(r.timedOut(), why);
            assertEquals("ssh-ed25519", r.after("debug1: kex: host key algorithm: "), why);
            // RFC 8308: our EXT_INFO, right after NEWKEYS, announces the signature algorithms we accept
            assertTrue(r.hasLine("debug1: SSH2_MSG_EXT_INFO received"), why);
            assertEquals("<" + String.join(",", SignatureAlgorithms.DEFAULT) + ">", r.after("debug1: kex_input_ext_info: server-sig-algs="), why);
            assertTrue(r.hasLine("debug1: SSH2_MSG_SERVICE_ACCEPT received"), why);
            assertTrue(r.hasLine("Authentications that can continue: " + TetherTestServer.AUTH_METHODS), why);
            assertTrue(r.hasLine("Permission denied"), why);
            assertEquals(255, r.exitCode(), why);
        }
    }

    /** Every category has at least one algorithm in common; the lists are printed for the record. */
    @Test
    void commonAlgorithmListsAreNotEmpty() {
        List<String> kex = Interop.common(OpenSshClient.query("kex"), KexAlgorithms.supported());
        List<String> ciphers = Interop.common(OpenSshClient.query("cipher"), CipherAlgorithms.CIPHERS);
        List<String> macs = Interop.common(OpenSshClient.query("mac"), CipherAlgorithms.MACS);
        List<String> keys = Interop.common(OpenSshClient.query("key-sig"), SignatureAlgorithms.SUPPORTED);
        System.out.println("common with ssh: kex " + kex + "\n ciphers " + ciphers + "\n macs " + macs + "\n host keys " + keys);
        assertTrue(kex.contains("curve25519-sha256"), kex.toString());
        assertEquals(CipherAlgorithms.CIPHERS, ciphers, "OpenSSH 9.2 has every cipher we implement");
        assertEquals(CipherAlgorithms.MACS, macs, "OpenSSH 9.2 has every MAC we implement");
        assertEquals(SignatureAlgorithms.SUPPORTED, keys, "OpenSSH 9.2 has every host key algorithm we implement");
    }
}
