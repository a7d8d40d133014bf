package dev.tether.ssh.interop;

import dev.tether.ssh.interop.OpenSshServer.HostKey;
import dev.tether.ssh.testutil.OpenSsh;
import dev.tether.ssh.testutil.Ports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness itself: port retry, readiness, log capture, clean shutdown. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpenSshServerHarnessTest {

    /** The first candidate port is taken: sshd fails to bind, and the harness retries on another. */
    @Test
    void retriesWhenThePortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(Interop.LOOPBACK, 0));
            AtomicInteger calls = new AtomicInteger();
            OpenSshServer.PortSource ports = () -> calls.getAndIncrement() == 0 ? taken.getLocalPort() : Ports.freePort();
            try (OpenSshServer sshd = OpenSshServer.start(EnumSet.of(HostKey.ED25519), List.of(), ports)) {
                assertEquals(2, calls.get());
                assertNotEquals(taken.getLocalPort(), sshd.port());
                assertTrue(Interop.readGreeting(sshd.port(), Duration.ofSeconds(5)).startsWith("SSH-2.0-OpenSSH_"));
            }
        }
    }

    @Test
    void closeStopsSshdAndRemovesItsFiles() throws Exception {
        OpenSshServer sshd = OpenSshServer.start(EnumSet.of(HostKey.ED25519, HostKey.ECDSA_384), List.of("MaxAuthTries 3"));
        Path dir = sshd.dir();
        int port = sshd.port();
        assertTrue(Files.readString(sshd.configFile()).contains("MaxAuthTries 3"));
        assertTrue(Files.readString(sshd.configFile()).contains("HostKey " + sshd.hostKeyFiles().get(HostKey.ECDSA_384)));
        assertEquals("ecdsa-sha2-nistp384", OpenSsh.publicKeyType(Path.of(sshd.hostKeyFiles().get(HostKey.ECDSA_384) + ".pub")));
        assertTrue(sshd.log().contains("Server listening on 127.0.0.1 port " + port), sshd.log());
        sshd.close();
        assertFalse(sshd.isAlive());
        assertFalse(Files.exists(dir));
        assertFalse(Interop.accepts(port, Duration.ofMillis(500)));
    }

    /** A bad extra line is reported with sshd's own complaint, not as a start-up timeout. */
    @Test
    void rejectedConfigurationIsReported() {
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> OpenSshServer.start(EnumSet.of(HostKey.ED25519), List.of("KexAlgorithms no-such-kex")).close());
        assertTrue(e.getMessage().contains("no-such-kex"), e.getMessage());
    }
}
