package dev.tether.ssh.interop;

import dev.tether.ssh.Engines;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.NegotiatedAlgorithms;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.kex.KexAlgorithms;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.Json;
import dev.tether.ssh.transport.CipherAlgorithms;
import dev.tether.ssh.transport.TransportEngine;
import dev.tether.testkit.Paramiko;
import dev.tether.testkit.Poll;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshKeygen;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * paramiko 2.12 as a second, independent implementation, in both roles.
 * <ul>
 *   <li>(a) paramiko's client against our server ({@code paramiko_client.py}): one python process
 *       runs every case, each on a fresh connection: {@code start_client}, the server key's
 *       SHA256 fingerprint against ours, then {@code auth_none}, which must fail with
 *       BadAuthenticationType and our method list. Cases: paramiko's defaults, then every key
 *       exchange method, cipher, MAC and host key algorithm both implement, one forced at a time.
 *       Three passes: plain; paramiko starting a key re-exchange before auth_none; our server
 *       starting one when the USERAUTH_REQUEST arrives.</li>
 *   <li>(b) our client against paramiko's server ({@code paramiko_server.py}, a ServerInterface
 *       subclass; ed25519, ECDSA P-256/384/521 and RSA 3072 host keys made by ssh-keygen, all of
 *       which paramiko 2.12 serves): key exchange, host key checked against the .pub file,
 *       SERVICE_ACCEPT for ssh-userauth, for every common algorithm; then again with a key
 *       re-exchange from our side and a USERAUTH_REQUEST (none) under the new keys.</li>
 * </ul>
 * paramiko 2.12 predates strict KEX, so every connection here must run without it. (OpenSSH,
 * unlike paramiko, refuses any key re-exchange before authentication, which is why the
 * re-exchange tests live here.)
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ParamikoInteropTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static Paramiko py;
    private static Map<String, KeyPair> hostKeys;
    private static TetherTestServer server;
    private static TetherTestServer rekeyingServer;
    private static final List<Case> clientCases = new ArrayList<>();
    private static final Map<ClientMode, ClientRun> clientRuns = new LinkedHashMap<>();

    private static final List<Case> serverCases = new ArrayList<>();
    private static final Map<String, Path> paramikoHostKeys = new LinkedHashMap<>();
    private static Paramiko.Running paramikoServer;
    private static int paramikoPort;

    /** One forced algorithm ({@code category} null: all defaults). */
    record Case(String category, String algorithm) {
        String id() {
            return category == null ? "defaults" : category + ":" + algorithm;
        }

        @Override
        public String toString() {
            return id();
        }
    }

    /** How paramiko's client cases run: plain, with a re-exchange paramiko starts, or one our server starts. */
    enum ClientMode {
        PLAIN, PARAMIKO_REKEYS, SERVER_REKEYS
    }

    /** One python run over all client cases: its results and our server's connections, by case id. */
    record ClientRun(Map<String, Map<String, Object>> results, Map<String, TetherTestServer.Connection> connections, String log) {
    }

    @SuppressWarnings("unchecked")
    private static List<String> list(Map<String, Object> m, String key) {
        return (List<String>) m.get(key);
    }

    private static List<Case> cases(Map<String, Object> peer, List<String> hostKeyAlgorithmsServed) {
        List<Case> out = new ArrayList<>();
        out.add(new Case(null, null));
        Interop.common(list(peer, "kex"), KexAlgorithms.supported()).forEach(a -> out.add(new Case("kex", a)));
        Interop.common(list(peer, "ciphers"), CipherAlgorithms.CIPHERS).forEach(a -> out.add(new Case("cipher", a)));
        Interop.common(list(peer, "macs"), CipherAlgorithms.MACS).forEach(a -> out.add(new Case("mac", a)));
        Interop.common(list(peer, "keys"), hostKeyAlgorithmsServed).forEach(a -> out.add(new Case("hostkey", a)));
        return out;
    }

    @BeforeAll
    static void start() throws Exception {
        py = new Paramiko("/interop/"); // skips (fails where peers are required) unless /usr/bin/python3 imports paramiko
        hostKeys = TetherTestServer.generateHostKeys();
        server = TetherTestServer.start(TetherTestServer.everythingConfig(new ArrayList<>(hostKeys.values())));
        rekeyingServer = TetherTestServer.start(TetherTestServer.everythingConfig(new ArrayList<>(hostKeys.values())), true);
        listClientCases();
        for (ClientMode mode : ClientMode.values()) {
            clientRuns.put(mode, runParamikoClient(mode));
        }
        startParamikoServer();
    }

    private static void listClientCases() throws Exception {
        Processes.Result listed = py.run("paramiko_client.py", List.of("--list"), Duration.ofSeconds(30));
        assertEquals(0, listed.exitCode(), listed.describe());
        clientCases.addAll(cases(Json.object(listed.stdout().trim()), SignatureAlgorithms.SUPPORTED));
    }

    /** (a): runs every client case in one python process and files the results by case id. */
    private static ClientRun runParamikoClient(ClientMode mode) throws Exception {
        TetherTestServer target = mode == ClientMode.SERVER_REKEYS ? rekeyingServer : server;
        Map<String, Object> fingerprints = new LinkedHashMap<>();
        hostKeys.forEach((type, kp) -> fingerprints.put(type, SignatureAlgorithms.fingerprint(
                SignatureAlgorithms.encodePublicKey(kp.getPublic()))));
        List<Object> specs = new ArrayList<>();
        for (Case c : clientCases) {
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("id", c.id());
            if (c.category() != null) {
                switch (c.category()) {
                    case "kex" -> spec.put("kex", List.of(c.algorithm()));
                    case "cipher" -> spec.put("ciphers", List.of(c.algorithm()));
                    case "mac" -> spec.put("macs", List.of(c.algorithm()));
                    case "hostkey" -> spec.put("keys", List.of(c.algorithm()));
                    default -> throw new IllegalArgumentException(c.category());
                }
            }
            spec.put("rekey", mode == ClientMode.PARAMIKO_REKEYS);
            specs.add(spec);
        }
        target.clearAccepted();
        Processes.Result r = py.run("paramiko_client.py", List.of(Interop.LOOPBACK, Integer.toString(target.port()), "user",
                Json.write(fingerprints), Json.write(specs)), Duration.ofSeconds(120));
        Map<String, Map<String, Object>> results = new LinkedHashMap<>();
        for (String line : r.stdout().lines().filter(l -> l.startsWith("{")).toList()) {
            Map<String, Object> m = Json.object(line);
            results.put((String) m.get("id"), m);
        }
        // Match our server's connections to the cases by the client's port.
        Map<Integer, TetherTestServer.Connection> byPort = new LinkedHashMap<>();
        TetherTestServer.Connection conn;
        while ((conn = target.nextConnection(Duration.ofMillis(500))) != null) {
            byPort.put(conn.transport().remotePort(), conn);
        }
        Map<String, TetherTestServer.Connection> connections = new LinkedHashMap<>();
        for (Map<String, Object> m : results.values()) {
            if (m.get("local_port") instanceof Double port && byPort.containsKey(port.intValue())) {
                connections.put((String) m.get("id"), byPort.get(port.intValue()));
            }
        }
        return new ClientRun(results, connections, r.describe());
    }

    /** (b): starts paramiko's server with ed25519, ECDSA (all three curves) and RSA host keys. */
    private static void startParamikoServer() throws Exception {
        Path dir = py.dir();
        paramikoHostKeys.put("ssh-ed25519", SshKeygen.generate(dir, "p_ed25519", "ed25519", 0, false));
        paramikoHostKeys.put("ecdsa-sha2-nistp256", SshKeygen.generate(dir, "p_ecdsa256", "ecdsa", 256, true));
        paramikoHostKeys.put("ecdsa-sha2-nistp384", SshKeygen.generate(dir, "p_ecdsa384", "ecdsa", 384, true));
        paramikoHostKeys.put("ecdsa-sha2-nistp521", SshKeygen.generate(dir, "p_ecdsa521", "ecdsa", 521, true));
        paramikoHostKeys.put("ssh-rsa", SshKeygen.generate(dir, "p_rsa", "rsa", 3072, true));

        Processes.Result listed = py.run("paramiko_server.py", List.of("--list"), Duration.ofSeconds(30));
        assertEquals(0, listed.exitCode(), listed.describe());
        List<String> served = SignatureAlgorithms.SUPPORTED.stream()
                .filter(a -> paramikoHostKeys.containsKey(TetherTestServer.keyTypeFor(a))).toList();
        serverCases.addAll(cases(Json.object(listed.stdout().trim()), served));

        List<String> args = new ArrayList<>(List.of("--max-connections", "1000", "--timeout", "170"));
        paramikoHostKeys.forEach((type, path) -> args.add((type.equals("ssh-ed25519") ? "ed25519"
                : type.startsWith("ecdsa") ? "ecdsa" : "rsa") + ":" + path));
        paramikoServer = py.start("paramiko_server.py", args);
        String first = paramikoServer.nextLine(Duration.ofSeconds(30));
        assertNotNull(first, "paramiko server printed no port\n" + paramikoServer.describe());
        paramikoPort = Integer.parseInt(first.trim());
    }

    @AfterAll
    static void stop() {
        if (paramikoServer != null) {
            paramikoServer.close();
        }
        if (server != null) {
            server.close();
        }
        if (rekeyingServer != null) {
            rekeyingServer.close();
        }
        if (py != null) {
            py.close();
        }
    }

    static Stream<Arguments> clientCases() {
        return clientCases.stream().map(Arguments::of);
    }

    static Stream<Arguments> serverCases() {
        return serverCases.stream().map(Arguments::of);
    }

    // ------------------------------------------------------------------ (a) paramiko client -> our server

    @ParameterizedTest(name = "paramiko -> tether, {0}")
    @MethodSource("clientCases")
    void paramikoClientReachesUserAuth(Case c) throws Exception {
        checkClientCase(c, ClientMode.PLAIN);
    }

    /** paramiko starts a key re-exchange after the first; auth_none then runs under the new keys. */
    @ParameterizedTest(name = "paramiko -> tether, paramiko rekeys, {0}")
    @MethodSource("clientCases")
    void paramikoClientRekeys(Case c) throws Exception {
        checkClientCase(c, ClientMode.PARAMIKO_REKEYS);
    }

    /** Our server starts a key re-exchange when paramiko's USERAUTH_REQUEST arrives and answers it under the new keys. */
    @ParameterizedTest(name = "paramiko -> tether, server rekeys, {0}")
    @MethodSource("clientCases")
    void serverRekeysWithParamikoClient(Case c) throws Exception {
        checkClientCase(c, ClientMode.SERVER_REKEYS);
    }

    private static void checkClientCase(Case c, ClientMode mode) throws Exception {
        ClientRun run = clientRuns.get(mode);
        Map<String, Object> r = run.results().get(c.id());
        assertNotNull(r, "no result for " + c + "\n" + run.log());
        String why = r + "\n" + run.log();
        assertNull(r.get("error"), why);
        assertEquals(Boolean.TRUE, r.get("fingerprint_ok"), why);
        assertEquals("BadAuthenticationType", r.get("auth"), why);
        assertEquals(List.of(TetherTestServer.AUTH_METHODS.split(",")), r.get("allowed_types"), why);
        assertTrue(((String) r.get("remote_version")).startsWith("SSH-2.0-Tether_"), why);
        if (c.category() != null) {
            switch (c.category()) {
                case "kex" -> assertEquals(c.algorithm(), r.get("kex"), why);
                case "cipher" -> {
                    assertEquals(c.algorithm(), r.get("cipher_c2s"), why);
                    assertEquals(c.algorithm(), r.get("cipher_s2c"), why);
                }
                case "mac" -> {
                    assertEquals(c.algorithm(), r.get("mac_c2s"), why);
                    assertEquals(c.algorithm(), r.get("mac_s2c"), why);
                }
                case "hostkey" -> assertEquals(c.algorithm(), r.get("host_key_algorithm"), why);
                default -> throw new IllegalArgumentException(c.category());
            }
        }
        // our server's view of the same connection
        TetherTestServer.Connection conn = run.connections().get(c.id());
        assertNotNull(conn, "our server did not accept a connection for " + c + "\n" + why);
        NegotiatedAlgorithms a = conn.transport().negotiatedAlgorithms();
        assertNotNull(a, "no key exchange on our side: " + conn.transport().closeCause());
        assertEquals(r.get("kex"), a.kex(), why);
        assertEquals(r.get("host_key_algorithm"), a.hostKey(), why);
        assertEquals(r.get("cipher_c2s"), a.cipherClientToServer(), why);
        assertEquals(r.get("cipher_s2c"), a.cipherServerToClient(), why);
        assertEquals(r.get("mac_c2s"), a.macClientToServer(), why);
        assertEquals(r.get("mac_s2c"), a.macServerToClient(), why);
        assertFalse(conn.transport().isStrictKex(), "strict KEX with a peer that does not offer it");
        assertEquals("user none ssh-connection", conn.authRequests().poll(5, TimeUnit.SECONDS), why);
        int expectedKex = mode == ClientMode.PLAIN ? 1 : 2;
        TransportEngine t = conn.transport();
        assertTrue(Poll.until(() -> t.keyExchangeCount() == expectedKex, Duration.ofSeconds(5), Duration.ofMillis(10), null),
                "key exchanges on our side: " + t.keyExchangeCount() + ", expected " + expectedKex + "\n" + why);
        assertEquals(mode == ClientMode.PARAMIKO_REKEYS ? Boolean.TRUE : null, r.get("rekeyed"), why);
    }

    // ------------------------------------------------------------------ (b) our client -> paramiko server

    /** How our client connects to paramiko's server for a case: its config, and the host key algorithm and blob it must see. */
    private record ClientSetup(TransportConfig config, String hostKeyAlgorithm, byte[] hostKeyBlob) {
    }

    private static ClientSetup clientSetup(Case c) throws IOException {
        TransportConfig.Builder b = TransportConfig.builder().handshakeTimeout(TIMEOUT);
        String hostKeyAlg = TransportConfig.defaults().hostKeyAlgorithms().stream()
                .filter(x -> paramikoHostKeys.containsKey(TetherTestServer.keyTypeFor(x))).findFirst().orElseThrow();
        if (c.category() != null) {
            switch (c.category()) {
                case "kex" -> b.kexAlgorithms(List.of(c.algorithm()));
                case "cipher" -> b.ciphers(List.of(c.algorithm()));
                case "mac" -> b.ciphers(List.of(Interop.CIPHER_FOR_MAC_TESTS)).macs(List.of(c.algorithm()));
                case "hostkey" -> {
                    b.hostKeyAlgorithms(List.of(c.algorithm()));
                    hostKeyAlg = c.algorithm();
                }
                default -> throw new IllegalArgumentException(c.category());
            }
        }
        return new ClientSetup(b.build(), hostKeyAlg, paramikoHostKeyBlob(TetherTestServer.keyTypeFor(hostKeyAlg)));
    }

    /** The public blob of paramiko's host key of this type, from its .pub file. */
    private static byte[] paramikoHostKeyBlob(String keyType) throws IOException {
        return SshKeygen.publicKeyBlob(Path.of(paramikoHostKeys.get(keyType) + ".pub"));
    }

    /** Our client connected to paramiko's server, accepting only {@code hostKeyBlob}. */
    private static Transport connectToParamiko(TransportConfig config, byte[] hostKeyBlob) throws IOException {
        return Transport.connect(Interop.LOOPBACK, paramikoPort, config, HostKeyVerifier.acceptKeys(List.of(hostKeyBlob)));
    }

    /**
     * paramiko reports every connection once it has ended: consume this one's report so that the
     * next test reads its own, and show it with the failure {@code e}.
     */
    private static void addServerReport(Throwable e) {
        String report = paramikoServer.nextLine(Duration.ofSeconds(15));
        e.addSuppressed(new AssertionError("paramiko server's report: " + report + "\n" + paramikoServer.describe()));
    }

    @ParameterizedTest(name = "tether -> paramiko, {0}")
    @MethodSource("serverCases")
    void clientCompletesKexWithParamikoServer(Case c) throws Exception {
        ClientSetup setup = clientSetup(c);
        NegotiatedAlgorithms a;
        try (Transport t = connectToParamiko(setup.config(), setup.hostKeyBlob())) {
            Engines.of(t).requestService("ssh-userauth", TIMEOUT);
            a = t.negotiatedAlgorithms();
            assertTrue(t.peerVersion().startsWith("SSH-2.0-paramiko_"), t.peerVersion());
            assertFalse(t.isStrictKex(), "strict KEX with paramiko 2.12, which does not offer it");
            assertArrayEquals(setup.hostKeyBlob(), t.remoteHostKeyBlob());
            assertEquals(setup.hostKeyAlgorithm(), a.hostKey(), a.toString());
            if (c.category() != null) {
                switch (c.category()) {
                    case "kex" -> assertEquals(c.algorithm(), a.kex(), a.toString());
                    case "cipher" -> {
                        assertEquals(c.algorithm(), a.cipherClientToServer(), a.toString());
                        assertEquals(c.algorithm(), a.cipherServerToClient(), a.toString());
                    }
                    case "mac" -> {
                        assertEquals(c.algorithm(), a.macClientToServer(), a.toString());
                        assertEquals(c.algorithm(), a.macServerToClient(), a.toString());
                    }
                    case "hostkey" -> assertEquals(c.algorithm(), a.hostKey(), a.toString());
                    default -> throw new IllegalArgumentException(c.category());
                }
            }
        } catch (Exception | AssertionError e) {
            addServerReport(e);
            throw e;
        }
        Map<String, Object> seen = nextServerReport();
        String why = seen + "\n" + paramikoServer.describe();
        assertNull(seen.get("error"), why);
        assertEquals("ssh-userauth", seen.get("service_accepted"), why);
        assertEquals(a.kex(), seen.get("kex"), why);
        assertEquals(a.hostKey(), seen.get("host_key_algorithm"), why);
        assertEquals(a.cipherClientToServer(), seen.get("cipher_c2s"), why);
        assertEquals(a.cipherServerToClient(), seen.get("cipher_s2c"), why);
        assertEquals(a.macClientToServer(), seen.get("mac_c2s"), why);
        assertEquals(a.macServerToClient(), seen.get("mac_s2c"), why);
        assertTrue(((String) seen.get("remote_version")).startsWith("SSH-2.0-Tether_"), why);
    }

    /** Our client re-exchanges keys with paramiko's server, then proves them with a USERAUTH_REQUEST (none). */
    @ParameterizedTest(name = "tether -> paramiko, rekey, {0}")
    @MethodSource("serverCases")
    void clientRekeysWithParamikoServer(Case c) throws Exception {
        ClientSetup setup = clientSetup(c);
        try (Transport t = connectToParamiko(setup.config(), setup.hostKeyBlob())) {
            Engines.of(t).requestService("ssh-userauth", TIMEOUT);
            NegotiatedAlgorithms first = t.negotiatedAlgorithms();
            byte[] sessionId = t.sessionId();
            t.renegotiateKeys(TIMEOUT);
            assertEquals(2, t.keyExchangeCount());
            assertEquals(first, t.negotiatedAlgorithms());
            assertArrayEquals(sessionId, t.sessionId());
            assertEquals(List.of("publickey", "password"), AuthProbe.none(t, "user", TIMEOUT));
        } catch (Exception | AssertionError e) {
            addServerReport(e);
            throw e;
        }
        Map<String, Object> seen = nextServerReport();
        assertNull(seen.get("error"), seen + "\n" + paramikoServer.describe());
    }

    /** requireStrictKex: paramiko 2.12 does not offer strict KEX, so our client must refuse to go on. */
    @Test
    void requireStrictKexRefusesParamiko() throws Exception {
        byte[] blob = paramikoHostKeyBlob("ssh-ed25519");
        TransportConfig config = TransportConfig.builder().handshakeTimeout(TIMEOUT).requireStrictKex(true)
                .hostKeyAlgorithms(List.of("ssh-ed25519")).build();
        SshException e = assertThrows(SshException.class,
                () -> connectToParamiko(config, blob).close());
        assertEquals(DisconnectReason.KEY_EXCHANGE_FAILED, e.reason(), e.toString());
        Map<String, Object> seen = nextServerReport();
        assertNull(seen.get("service_accepted"), seen.toString());
    }

    /** A key other than paramiko's host key is refused. */
    @Test
    void wrongHostKeyIsRefusedByClient() throws Exception {
        byte[] wrong = paramikoHostKeyBlob("ecdsa-sha2-nistp256");
        TransportConfig config = TransportConfig.builder().handshakeTimeout(TIMEOUT).hostKeyAlgorithms(List.of("ssh-ed25519")).build();
        SshException e = assertThrows(SshException.class,
                () -> connectToParamiko(config, wrong).close());
        assertEquals(DisconnectReason.HOST_KEY_NOT_VERIFIABLE, e.reason(), e.toString());
        nextServerReport();
    }

    private static Map<String, Object> nextServerReport() {
        String line = paramikoServer.nextLine(Duration.ofSeconds(15));
        if (line == null) {
            fail("paramiko server reported no connection\n" + paramikoServer.describe());
        }
        return Json.object(line);
    }
}
