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
import dev.tether.ssh.transport.CipherAlgorithms;
import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Peers;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.PrivateSshd.HostKey;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshKeygen;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our client against a real sshd (OpenSSH 9.2), once for every key exchange method, cipher, MAC
 * and host key algorithm that both implement. sshd offers all of them (its lists are set to the
 * intersection, SHA-1 ones included); our client forces one per run and keeps its defaults for the
 * rest. Each run must finish the key exchange with the forced algorithm, accept sshd's host key
 * only because it equals the blob in sshd's own .pub file, and get SERVICE_ACCEPT for ssh-userauth.
 * sshd's DEBUG3 log must agree on the algorithm.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TetherClientToOpenSshServerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static PrivateSshd sshd;

    static List<String> commonKex() {
        return Interop.common(OpenSshClient.query("kex"), KexAlgorithms.supported());
    }

    static List<String> commonCiphers() {
        return Interop.common(OpenSshClient.query("cipher"), CipherAlgorithms.CIPHERS);
    }

    static List<String> commonMacs() {
        return Interop.common(OpenSshClient.query("mac"), CipherAlgorithms.MACS);
    }

    static List<String> commonHostKeyAlgorithms() {
        return Interop.common(OpenSshClient.query("key-sig"), SignatureAlgorithms.SUPPORTED);
    }

    @BeforeAll
    static void startSshd() throws Exception {
        Peers.requireSshd();
        Peers.requireSsh(); // ssh -Q gives this OpenSSH build's algorithm lists
        sshd = PrivateSshd.start(EnumSet.allOf(HostKey.class), List.of(
                "KexAlgorithms " + String.join(",", commonKex()),
                "Ciphers " + String.join(",", commonCiphers()),
                "MACs " + String.join(",", commonMacs()),
                "HostKeyAlgorithms " + String.join(",", commonHostKeyAlgorithms())));
    }

    @AfterAll
    static void stopSshd() {
        if (sshd != null) {
            sshd.close();
        }
    }

    static Stream<Arguments> algorithms() {
        List<Arguments> out = new ArrayList<>();
        commonKex().forEach(a -> out.add(Arguments.of("kex", a)));
        commonCiphers().forEach(a -> out.add(Arguments.of("cipher", a)));
        commonMacs().forEach(a -> out.add(Arguments.of("mac", a)));
        commonHostKeyAlgorithms().forEach(a -> out.add(Arguments.of("hostkey", a)));
        return out.stream();
    }

    /** The host key algorithm our client will pick when it does not force one: its first default that sshd has. */
    private static String defaultHostKeyAlgorithm() {
        List<String> ours = TransportConfig.defaults().hostKeyAlgorithms();
        return ours.stream().filter(commonHostKeyAlgorithms()::contains).findFirst().orElseThrow();
    }

    @ParameterizedTest(name = "tether -> sshd, {0} {1}")
    @MethodSource("algorithms")
    void clientNegotiatesEachCommonAlgorithm(String category, String algorithm) throws Exception {
        TransportConfig.Builder b = TransportConfig.builder().handshakeTimeout(TIMEOUT);
        String expectedHostKeyAlg = defaultHostKeyAlgorithm();
        switch (category) {
            case "kex" -> b.kexAlgorithms(List.of(algorithm));
            case "cipher" -> b.ciphers(List.of(algorithm));
            case "mac" -> b.ciphers(List.of(Interop.CIPHER_FOR_MAC_TESTS)).macs(List.of(algorithm));
            case "hostkey" -> {
                b.hostKeyAlgorithms(List.of(algorithm));
                expectedHostKeyAlg = algorithm;
            }
            default -> throw new IllegalArgumentException(category);
        }
        byte[] blob = sshd.hostKeyBlob(HostKey.forAlgorithm(expectedHostKeyAlg));
        long mark = sshd.logMark();
        NegotiatedAlgorithms a;
        try (Transport t = Transport.connect(Interop.LOOPBACK, sshd.port(), b.build(), HostKeyVerifier.acceptKeys(List.of(blob)))) {
            Engines.of(t).requestService("ssh-userauth", TIMEOUT);
            a = t.negotiatedAlgorithms();
            assertNotNull(a);
            assertTrue(t.peerVersion().startsWith("SSH-2.0-OpenSSH_"), t.peerVersion());
            assertArrayEquals(blob, t.remoteHostKeyBlob());
            assertEquals(expectedHostKeyAlg, a.hostKey(), a.toString());
            // sshd's EXT_INFO (RFC 8308) came before SERVICE_ACCEPT
            String sigAlgs = t.peerExtensions().get("server-sig-algs");
            assertNotNull(sigAlgs, "no server-sig-algs from sshd: " + t.peerExtensions());
            assertTrue(List.of(sigAlgs.split(",")).containsAll(List.of("ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256")), sigAlgs);
            switch (category) {
                case "kex" -> assertEquals(algorithm, a.kex(), a.toString());
                case "cipher" -> {
                    assertEquals(algorithm, a.cipherClientToServer(), a.toString());
                    assertEquals(algorithm, a.cipherServerToClient(), a.toString());
                }
                case "mac" -> {
                    assertEquals(algorithm, a.macClientToServer(), a.toString());
                    assertEquals(algorithm, a.macServerToClient(), a.toString());
                }
                case "hostkey" -> assertEquals(algorithm, a.hostKey(), a.toString());
                default -> throw new IllegalArgumentException(category);
            }
        }
        // sshd agrees (its per-connection child logs the choice before it answers the key exchange)
        String log = sshd.awaitLog(mark, "debug1: kex: algorithm: " + a.kex(), Duration.ofSeconds(5));
        assertTrue(log.contains("debug1: kex: algorithm: " + a.kex()), log);
        assertTrue(log.contains("debug1: kex: host key algorithm: " + a.hostKey()), log);
        String mac = a.macClientToServer() == null ? "<implicit>" : a.macClientToServer();
        assertTrue(log.contains("debug1: kex: client->server cipher: " + a.cipherClientToServer() + " MAC: " + mac), log);
        // close() sent DISCONNECT under the negotiated keys; sshd must have decrypted and verified it
        log = sshd.awaitLog(mark, "Received disconnect from 127.0.0.1", Duration.ofSeconds(5));
        assertTrue(log.contains("Received disconnect from 127.0.0.1"), "sshd did not read our DISCONNECT\n" + log);
        assertTrue(log.contains(":11: "), "our DISCONNECT should carry BY_APPLICATION (11)\n" + Interop.grep(log, "disconnect"));
        assertFalse(log.contains("Corrupted MAC") || log.contains("Bad packet length") || log.contains("ssh_dispatch_run_fatal"), log);
    }

    /**
     * OpenSSH does not re-exchange keys before authentication: sshd 9.2 answers a KEXINIT in
     * preauth with {@code dispatch_protocol_error: type 20 seq N} and SSH_MSG_UNIMPLEMENTED for
     * that sequence number. Our client must then fail the re-exchange, not wait for a KEXINIT that
     * never comes with its outbound queue held shut (which leaves the connection alive but unable
     * to send anything, with no error, for ever).
     */
    @Test
    void rekeyRefusedBySshdFailsInsteadOfHanging() throws Exception {
        byte[] blob = sshd.hostKeyBlob(HostKey.ED25519);
        TransportConfig config = TransportConfig.builder().handshakeTimeout(TIMEOUT).hostKeyAlgorithms(List.of("ssh-ed25519")).build();
        long mark = sshd.logMark();
        try (Transport t = Transport.connect(Interop.LOOPBACK, sshd.port(), config, HostKeyVerifier.acceptKeys(List.of(blob)))) {
            Engines.of(t).requestService("ssh-userauth", TIMEOUT);
            Duration budget = Duration.ofSeconds(10);
            SshException e = assertThrows(SshException.class, () -> t.renegotiateKeys(budget));
            String log = sshd.awaitLog(mark, "dispatch_protocol_error: type 20", Duration.ofSeconds(5));
            assertTrue(log.contains("dispatch_protocol_error: type 20"), "sshd accepted the re-exchange after all?\n" + log);
            assertFalse(e.getMessage().startsWith("timed out"),
                    "renegotiateKeys only timed out although sshd answered our KEXINIT with UNIMPLEMENTED at once: " + e
                            + "; transport active=" + t.isActive() + ", key exchanges " + t.keyExchangeCount());
        }
    }

    /** sshd restricted by its own configuration; our client, with its defaults, must land on sshd's choice. */
    @Test
    void clientFollowsAlgorithmsForcedBySshdConfig() throws Exception {
        try (PrivateSshd restricted = PrivateSshd.start(EnumSet.of(HostKey.ED25519, HostKey.RSA), List.of(
                "KexAlgorithms diffie-hellman-group14-sha256",
                "Ciphers aes256-ctr",
                "MACs hmac-sha2-512",
                "HostKeyAlgorithms rsa-sha2-256"))) {
            byte[] blob = restricted.hostKeyBlob(HostKey.RSA);
            TransportConfig config = TransportConfig.builder().handshakeTimeout(TIMEOUT).build();
            try (Transport t = Transport.connect(Interop.LOOPBACK, restricted.port(), config, HostKeyVerifier.acceptKeys(List.of(blob)))) {
                Engines.of(t).requestService("ssh-userauth", TIMEOUT);
                assertEquals(new NegotiatedAlgorithms("diffie-hellman-group14-sha256", "rsa-sha2-256",
                        "aes256-ctr", "aes256-ctr", "hmac-sha2-512", "hmac-sha2-512", "none", "none"), t.negotiatedAlgorithms());
            }
        }
    }

    /** A host key other than sshd's is refused: the client must not connect. */
    @Test
    void differentHostKeyIsRefused() throws Exception {
        Path other = SshKeygen.generate(sshd.dir(), "not_the_host_key", "ed25519", 0, false);
        byte[] otherBlob = SshKeygen.publicKeyBlob(Path.of(other + ".pub"));
        TransportConfig config = TransportConfig.builder().handshakeTimeout(TIMEOUT).hostKeyAlgorithms(List.of("ssh-ed25519")).build();
        SshException e = assertThrows(SshException.class, () -> {
            try (Transport t = Transport.connect(Interop.LOOPBACK, sshd.port(), config, HostKeyVerifier.acceptKeys(List.of(otherBlob)))) {
                Engines.of(t).requestService("ssh-userauth", TIMEOUT);
            }
        });
        assertEquals(DisconnectReason.HOST_KEY_NOT_VERIFIABLE, e.reason(), e.toString());
    }

    /** sshd's genuine key of another type does not vouch for the one it presents. */
    @Test
    void hostKeyOfAnotherTypeIsRefused() throws Exception {
        byte[] ecdsa = sshd.hostKeyBlob(HostKey.ECDSA_256);
        TransportConfig config = TransportConfig.builder().handshakeTimeout(TIMEOUT).hostKeyAlgorithms(List.of("ssh-ed25519")).build();
        SshException e = assertThrows(SshException.class,
                () -> Transport.connect(Interop.LOOPBACK, sshd.port(), config, HostKeyVerifier.acceptKeys(List.of(ecdsa))).close());
        assertEquals(DisconnectReason.HOST_KEY_NOT_VERIFIABLE, e.reason(), e.toString());
    }

    /** The fingerprint form of the verifier agrees with ssh-keygen -l on sshd's key. */
    @Test
    void fingerprintVerifierMatchesSshKeygen() throws Exception {
        Path pub = Path.of(sshd.hostKeyFiles().get(HostKey.ED25519) + ".pub");
        Processes.Result r = Processes.run(List.of(Peers.SSH_KEYGEN.toString(), "-l", "-E", "sha256", "-f", pub.toString()),
                sshd.dir(), Duration.ofSeconds(20));
        assertEquals(0, r.exitCode(), r.describe());
        String fp = r.stdout().trim().split("\\s+")[1];
        assertEquals(fp, SignatureAlgorithms.fingerprint(SshKeygen.publicKeyBlob(pub)));
        TransportConfig config = TransportConfig.builder().handshakeTimeout(TIMEOUT).hostKeyAlgorithms(List.of("ssh-ed25519")).build();
        try (Transport t = Transport.connect(Interop.LOOPBACK, sshd.port(), config, HostKeyVerifier.acceptFingerprint(fp))) {
            Engines.of(t).requestService("ssh-userauth", TIMEOUT);
        }
    }
}
