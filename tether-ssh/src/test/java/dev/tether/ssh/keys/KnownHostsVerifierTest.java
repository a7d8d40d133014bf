package dev.tether.ssh.keys;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.KnownHostsVerifier.Mode;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshKeygen;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.tether.ssh.keys.KnownHostsTest.EC256;
import static dev.tether.ssh.keys.KnownHostsTest.ED;
import static dev.tether.ssh.keys.KnownHostsTest.ED2;
import static dev.tether.ssh.keys.KnownHostsTest.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The known_hosts {@link HostKeyVerifier} in its three StrictHostKeyChecking modes. */
class KnownHostsVerifierTest {
    @TempDir
    Path dir;

    private Path file;

    @BeforeAll
    static void keys() {
        // touch the shared keys so RSA generation is not attributed to the first test
        assertTrue(ED.length > 0 && ED2.length > 0);
    }

    private Path knownHosts(String... lines) throws Exception {
        file = dir.resolve("known_hosts");
        Files.writeString(file, lines.length == 0 ? "" : String.join("\n", lines) + "\n");
        return file;
    }

    @Test
    void knownKeysAreAcceptedInEveryMode() throws Exception {
        knownHosts("server " + key(ED), "[server]:2222 " + key(EC256));
        for (Mode m : Mode.values()) {
            HostKeyVerifier v = KnownHostsVerifier.of(file, m);
            assertTrue(v.verify("server", 22, "ssh-ed25519", ED), m.toString());
            assertTrue(v.verify("SERVER", 2222, "ecdsa-sha2-nistp256", EC256), m.toString());
        }
        assertEquals(2, KnownHosts.loadStrict(file).entries().size(), "nothing appended");
    }

    @Test
    void strictRefusesUnknownHosts() throws Exception {
        knownHosts("other " + key(ED));
        KnownHostsVerifier v = KnownHostsVerifier.of(file, Mode.STRICT);
        SshException e = assertThrows(SshException.class, () -> v.verify("server", 22, "ssh-ed25519", ED));
        assertEquals(DisconnectReason.HOST_KEY_NOT_VERIFIABLE, e.reason());
        assertTrue(e.getMessage().contains("No ED25519 host key is known for server and you have requested strict checking"),
                e.getMessage());
        assertTrue(e.getMessage().contains(SignatureAlgorithms.fingerprint(ED)), e.getMessage());
        assertTrue(e.getMessage().endsWith("Host key verification failed."));
        assertEquals(1, KnownHosts.loadStrict(file).entries().size(), "nothing appended");
    }

    @Test
    void strictRefusesWhenTheFileIsMissing() {
        KnownHostsVerifier v = KnownHostsVerifier.of(dir.resolve("nope/known_hosts"), Mode.STRICT);
        assertThrows(SshException.class, () -> v.verify("server", 22, "ssh-ed25519", ED));
        assertFalse(Files.exists(dir.resolve("nope")));
    }

    @Test
    void acceptNewAppendsThenRecognises() throws Exception {
        Path f = dir.resolve(".ssh/known_hosts");
        KnownHostsVerifier v = KnownHostsVerifier.of(f, Mode.ACCEPT_NEW);
        assertTrue(v.verify("New.Example.com", 22, "ssh-ed25519", ED));
        assertTrue(v.verify("new.example.com", 2222, "ecdsa-sha2-nistp256", EC256));
        assertEquals("new.example.com " + key(ED) + "\n[new.example.com]:2222 " + key(EC256) + "\n", Files.readString(f));
        // a second connection finds the keys: nothing more is written
        assertTrue(v.verify("new.example.com", 22, "ssh-ed25519", ED));
        assertEquals(2, KnownHosts.loadStrict(f).entries().size());
        // and a strict verifier now accepts them
        assertTrue(KnownHostsVerifier.of(f, Mode.STRICT).verify("new.example.com", 2222, "ecdsa-sha2-nistp256", EC256));
    }

    @Test
    void acceptNewAddsKeysOfANewTypeForAKnownHost() throws Exception {
        knownHosts("server " + key(EC256));
        assertTrue(KnownHostsVerifier.of(file, Mode.ACCEPT_NEW).verify("server", 22, "ssh-ed25519", ED));
        assertEquals(2, KnownHosts.loadStrict(file).entries().size());
    }

    @Test
    void aChangedKeyIsRefusedWithOpenSshsWarning() throws Exception {
        knownHosts("# first line", "server.example.com " + key(ED));
        for (Mode m : List.of(Mode.STRICT, Mode.ACCEPT_NEW)) {
            KnownHostsVerifier v = KnownHostsVerifier.of(file, m);
            SshException e = assertThrows(SshException.class, () -> v.verify("server.example.com", 22, "ssh-ed25519", ED2));
            String msg = e.getMessage();
            assertEquals(DisconnectReason.HOST_KEY_NOT_VERIFIABLE, e.reason());
            assertTrue(msg.contains("REMOTE HOST IDENTIFICATION HAS CHANGED"), msg);
            assertTrue(msg.contains(SignatureAlgorithms.fingerprint(ED2)), "the offered fingerprint: " + msg);
            assertTrue(msg.contains(SignatureAlgorithms.fingerprint(ED)), "the known fingerprint: " + msg);
            assertTrue(msg.contains("Offending ED25519 key in " + file + ":2"), "file:line: " + msg);
            assertTrue(msg.contains("Host key for server.example.com has changed and you have requested strict checking."), msg);
        }
        assertEquals(1, KnownHosts.loadStrict(file).entries().size(), "the changed key is not recorded");
    }

    @Test
    void offAcceptsChangedKeysWithoutRecordingThem() throws Exception {
        knownHosts("server " + key(ED));
        KnownHostsVerifier v = KnownHostsVerifier.of(file, Mode.OFF);
        assertTrue(v.verify("server", 22, "ssh-ed25519", ED2));
        assertEquals(1, KnownHosts.loadStrict(file).entries().size());
        assertTrue(v.verify("fresh", 22, "ssh-ed25519", ED2), "unknown hosts are accepted");
        assertEquals(2, KnownHosts.loadStrict(file).entries().size(), "and appended, as StrictHostKeyChecking=no does");
    }

    @Test
    void revokedKeysAreRefusedInEveryMode() throws Exception {
        knownHosts("server " + key(ED), "@revoked * " + key(ED));
        for (Mode m : Mode.values()) {
            KnownHostsVerifier v = KnownHostsVerifier.of(file, m);
            SshException e = assertThrows(SshException.class, () -> v.verify("server", 22, "ssh-ed25519", ED), m.toString());
            assertTrue(e.getMessage().contains("REVOKED HOST KEY DETECTED"), e.getMessage());
            assertTrue(e.getMessage().contains(file + ":2"), e.getMessage());
        }
        assertThrows(SshException.class, () -> KnownHostsVerifier.of(file, Mode.OFF).verify("unknown", 22, "ssh-ed25519", ED));
        assertEquals(2, KnownHosts.loadStrict(file).entries().size());
    }

    @Test
    void hashingAndReadOnlyFiles() throws Exception {
        Path global = dir.resolve("ssh_known_hosts");
        Files.writeString(global, "global.example.com " + key(EC256) + "\n");
        knownHosts();
        KnownHostsVerifier v = KnownHostsVerifier.of(file, Mode.ACCEPT_NEW).withHashing(true).withReadOnlyFiles(global);
        assertTrue(v.verify("global.example.com", 22, "ecdsa-sha2-nistp256", EC256));
        assertEquals("", Files.readString(file), "known from the read-only file: nothing appended");
        assertThrows(SshException.class, () -> v.verify("global.example.com", 22, "ecdsa-sha2-nistp256", KnownHostsTest.freshBlob("ecdsa-sha2-nistp256")));
        assertTrue(v.verify("secret.example.com", 22, "ssh-ed25519", ED));
        String written = Files.readString(file);
        assertFalse(written.contains("secret"), written);
        assertTrue(written.startsWith("|1|"), written);
        assertEquals("global.example.com " + key(EC256) + "\n", Files.readString(global), "read-only file untouched");
        assertTrue(KnownHostsVerifier.of(file, Mode.STRICT).verify("secret.example.com", 22, "ssh-ed25519", ED));
    }

    @Test
    void badLinesAreSkippedNotFatal() throws Exception {
        knownHosts("garbage here", "server " + key(ED));
        assertTrue(KnownHostsVerifier.of(file, Mode.STRICT).verify("server", 22, "ssh-ed25519", ED));
    }

    @Test
    void sshKeygenFindsWhatAcceptNewAdded() throws Exception {
        Peers.requireSshKeygen();
        knownHosts("existing " + key(EC256));
        KnownHostsVerifier v = KnownHostsVerifier.of(file, Mode.ACCEPT_NEW).withHashing(true);
        assertTrue(v.verify("added.example.com", 2200, "ssh-ed25519", ED));
        Processes.Result r = SshKeygen.run(dir, null, "-F", "[added.example.com]:2200", "-f", file.toString()).expectSuccess();
        Matcher m = Pattern.compile("found: line (\\d+)").matcher(r.stdout());
        assertTrue(m.find(), r.stdout());
        assertEquals("2", m.group(1));
        assertTrue(r.stdout().contains(key(ED)), r.stdout());
    }
}
