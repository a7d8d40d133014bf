package dev.tether.testkit;

import dev.tether.testkit.PrivateSshd.HostKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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

/** The rig itself: port retry, readiness, log capture, clean shutdown, the caller's lines replacing defaults. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrivateSshdTest {

    /** One connection attempt: true if something accepts on the port within the timeout. */
    private static boolean accepts(int port, Duration timeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(FreePorts.LOOPBACK, port), (int) timeout.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads the first line (up to LF) of an SSH server's greeting, bounded by the socket timeout. */
    private static String readGreeting(int port, Duration timeout) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(FreePorts.LOOPBACK, port), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n' && sb.length() < 255) {
                sb.append((char) c);
            }
            return sb.toString().strip();
        }
    }

    /** The first candidate port is taken: sshd fails to bind, and the harness retries on another. */
    @Test
    void retriesWhenThePortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(FreePorts.LOOPBACK, 0));
            AtomicInteger calls = new AtomicInteger();
            PrivateSshd.PortSource ports = () -> calls.getAndIncrement() == 0 ? taken.getLocalPort() : FreePorts.freePort();
            try (PrivateSshd sshd = PrivateSshd.start(EnumSet.of(HostKey.ED25519), List.of(), ports)) {
                assertEquals(2, calls.get());
                assertNotEquals(taken.getLocalPort(), sshd.port());
                assertTrue(readGreeting(sshd.port(), Duration.ofSeconds(5)).startsWith("SSH-2.0-OpenSSH_"));
            }
        }
    }

    @Test
    void closeStopsSshdAndRemovesItsFiles() throws Exception {
        PrivateSshd sshd = PrivateSshd.start(EnumSet.of(HostKey.ED25519, HostKey.ECDSA_384), List.of("MaxAuthTries 3"));
        Path dir = sshd.dir();
        int port = sshd.port();
        assertTrue(Files.readString(sshd.configFile()).contains("MaxAuthTries 3"));
        assertTrue(Files.readString(sshd.configFile()).contains("HostKey " + sshd.hostKeyFiles().get(HostKey.ECDSA_384)));
        assertEquals("ecdsa-sha2-nistp384", SshKeygen.publicKeyType(Path.of(sshd.hostKeyFiles().get(HostKey.ECDSA_384) + ".pub")));
        assertTrue(sshd.log().contains("Server listening on 127.0.0.1 port " + port), sshd.log());
        sshd.close();
        assertFalse(sshd.isAlive());
        assertFalse(Files.exists(dir));
        assertFalse(accepts(port, Duration.ofMillis(500)));
    }

    /** A bad extra line is reported with sshd's own complaint, not as a start-up timeout. */
    @Test
    void rejectedConfigurationIsReported() {
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> PrivateSshd.start(EnumSet.of(HostKey.ED25519), List.of("KexAlgorithms no-such-kex")).close());
        assertTrue(e.getMessage().contains("no-such-kex"), e.getMessage());
    }

    /** sshd keeps a keyword's first value, so a caller's line drops the default it names; lines in a Match block do not. */
    @Test
    void aCallersLineReplacesTheDefaultWithItsKeyword() {
        List<String> lines = PrivateSshd.configLines(Path.of("/d"), 2222, List.of(Path.of("/d/k")),
                List.of("UsePAM yes", "loglevel=INFO", "Match User nobody", "  PasswordAuthentication no"));
        assertEquals(List.of("Port 2222", "ListenAddress 127.0.0.1", "HostKey /d/k", "PidFile /d/sshd.pid",
                "AuthorizedKeysFile /d/authorized_keys", "StrictModes no", "PermitRootLogin yes", "PasswordAuthentication yes",
                "KbdInteractiveAuthentication yes", "Subsystem sftp /usr/lib/openssh/sftp-server",
                "UsePAM yes", "loglevel=INFO", "Match User nobody", "  PasswordAuthentication no"), lines);
    }

    /** The lazily made user key is in authorized_keys, and the known_hosts line names the ed25519 host key. */
    @Test
    void userKeyAndKnownHostsLine() throws Exception {
        try (PrivateSshd sshd = PrivateSshd.start(EnumSet.of(HostKey.ED25519), List.of())) {
            Path key = sshd.userKey();
            assertEquals(key, sshd.userKey());
            assertEquals(SshKeygen.pubLine(key) + "\n", Files.readString(sshd.authorizedKeys()));
            String[] pub = Files.readString(sshd.hostKeyPub(HostKey.ED25519)).trim().split("\\s+");
            assertEquals("[127.0.0.1]:" + sshd.port() + " ssh-ed25519 " + pub[1], sshd.knownHostsLine());
        }
    }
}
