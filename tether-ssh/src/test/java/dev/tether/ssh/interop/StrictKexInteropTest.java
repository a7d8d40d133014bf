package dev.tether.ssh.interop;

import dev.tether.ssh.Engines;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.transport.TransportEngine;
import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Peers;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.PrivateSshd.HostKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Strict key exchange (kex-strict-*-v00@openssh.com, the Terrapin countermeasure) as the peer
 * sees it. OpenSSH 9.2p1 Debian-2+deb12u2 and later carry the backported fix; both ssh and sshd
 * log {@value #STRICT_LINE} (at DEBUG3, from kex_choose_conf) when both sides offered strict KEX,
 * and log nothing of the kind otherwise. That line is the proof asserted here, in both directions,
 * together with the negative case (our side configured without strict KEX).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StrictKexInteropTest {
    static final String STRICT_LINE = "debug3: kex_choose_conf: will use strict KEX ordering";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static PrivateSshd sshd;
    private static TetherTestServer strictServer;
    private static TetherTestServer lenientServer;
    private static OpenSshClient ssh;

    @BeforeAll
    static void start() throws Exception {
        Peers.requireSshd();
        Peers.requireSsh();
        sshd = PrivateSshd.start(EnumSet.of(HostKey.ED25519), List.of());
        List<KeyPair> keys = new ArrayList<>(TetherTestServer.generateHostKeys().values());
        strictServer = TetherTestServer.start(TetherTestServer.everythingConfig(keys));
        lenientServer = TetherTestServer.start(TetherTestServer.everythingConfig(keys).strictKex(false));
        ssh = new OpenSshClient();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[]{sshd, strictServer, lenientServer, ssh}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    // keep closing the others
                }
            }
        }
    }

    @Test
    void sshSeesStrictKexWithOurServer() throws Exception {
        strictServer.clearAccepted();
        OpenSshClient.Result r = ssh.to(strictServer.port(), "user").preferred("none").run();
        String why = r.describe();
        assertTrue(r.hasLine("kex-strict-s-v00@openssh.com"), "our KEXINIT as ssh printed it lacks the strict marker\n" + why);
        assertTrue(r.hasLine(STRICT_LINE), why);
        assertTrue(r.hasLine("debug1: SSH2_MSG_SERVICE_ACCEPT received"), why);
        assertEquals(255, r.exitCode(), why);
        TransportEngine t = strictServer.nextConnection(Duration.ofSeconds(5)).transport();
        assertTrue(t.isStrictKex(), "our server did not switch to strict KEX");
    }

    @Test
    void sshSeesNoStrictKexWhenOurServerDoesNotOfferIt() throws Exception {
        lenientServer.clearAccepted();
        OpenSshClient.Result r = ssh.to(lenientServer.port(), "user").preferred("none").run();
        String why = r.describe();
        assertFalse(r.hasLine(STRICT_LINE), why);
        assertFalse(r.hasLine("kex-strict-s-v00@openssh.com"), why);
        assertTrue(r.hasLine("debug1: SSH2_MSG_SERVICE_ACCEPT received"), why);
        assertTrue(r.hasLine("Authentications that can continue: " + TetherTestServer.AUTH_METHODS), why);
        assertEquals(255, r.exitCode(), why);
        TransportEngine t = lenientServer.nextConnection(Duration.ofSeconds(5)).transport();
        assertFalse(t.isStrictKex());
    }

    @Test
    void sshdSeesStrictKexWithOurClient() throws Exception {
        long mark = sshd.logMark();
        try (Transport t = connectToSshd(TransportConfig.builder().handshakeTimeout(TIMEOUT).build())) {
            assertTrue(t.isStrictKex(), "our client did not switch to strict KEX with sshd");
        }
        String log = sshd.awaitLog(mark, "debug1: kex: algorithm: ", Duration.ofSeconds(5));
        assertTrue(log.contains("kex-strict-c-v00@openssh.com"), "sshd did not see our strict marker\n" + log);
        assertTrue(log.contains(STRICT_LINE), log);
    }

    @Test
    void sshdSeesNoStrictKexWhenOurClientDoesNotOfferIt() throws Exception {
        long mark = sshd.logMark();
        try (Transport t = connectToSshd(TransportConfig.builder().handshakeTimeout(TIMEOUT).strictKex(false).build())) {
            assertFalse(t.isStrictKex());
        }
        String log = sshd.awaitLog(mark, "debug1: kex: algorithm: ", Duration.ofSeconds(5));
        assertTrue(log.contains("debug1: kex: algorithm: "), log);
        assertFalse(log.contains(STRICT_LINE), log);
        assertFalse(log.contains("kex-strict-c-v00@openssh.com"), log);
    }

    /** requireStrictKex against a peer that offers it: fine. (Against paramiko, which does not, see ParamikoInteropTest.) */
    @Test
    void requireStrictKexSucceedsWithSshd() throws Exception {
        try (Transport t = connectToSshd(TransportConfig.builder().handshakeTimeout(TIMEOUT).requireStrictKex(true).build())) {
            assertTrue(t.isStrictKex());
        }
    }

    private static Transport connectToSshd(TransportConfig config) throws Exception {
        byte[] blob = sshd.hostKeyBlob(HostKey.ED25519);
        Transport t = Transport.connect(Interop.LOOPBACK, sshd.port(), config, HostKeyVerifier.acceptKeys(List.of(blob)));
        try {
            Engines.of(t).requestService("ssh-userauth", TIMEOUT);
            assertNotNull(t.negotiatedAlgorithms());
            return t;
        } catch (Exception | AssertionError e) {
            t.close();
            throw e;
        }
    }
}
