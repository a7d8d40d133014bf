package dev.tether.ssh.keys;

import dev.tether.ssh.keys.KnownHosts.Status;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshKeygen;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.tether.ssh.keys.KnownHostsTest.EC256;
import static dev.tether.ssh.keys.KnownHostsTest.ED;
import static dev.tether.ssh.keys.KnownHostsTest.ED2;
import static dev.tether.ssh.keys.KnownHostsTest.RSA;
import static dev.tether.ssh.keys.KnownHostsTest.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Agreement with OpenSSH's ssh-keygen on known_hosts: files hashed by {@code ssh-keygen -H} match
 * as the plain file did, {@code ssh-keygen -F} finds the same lines we find, and finds the lines
 * we append.
 */
class KnownHostsInteropTest {
    private static final Pattern FOUND = Pattern.compile("^# Host (\\S+) found: line (\\d+)", Pattern.MULTILINE);

    /** Queries as ssh-keygen -F takes them, with the host and port we look up for each. */
    private static final List<String[]> QUERIES = List.of(
            new String[] {"alpha.example.com", "alpha.example.com", "22"},
            new String[] {"ALPHA.Example.com", "ALPHA.Example.com", "22"},
            new String[] {"beta.example.com", "beta.example.com", "22"},
            new String[] {"192.0.2.7", "192.0.2.7", "22"},
            new String[] {"[gamma.example.com]:2222", "gamma.example.com", "2222"},
            new String[] {"gamma.example.com", "gamma.example.com", "22"},
            new String[] {"x.wild.example.com", "x.wild.example.com", "22"},
            new String[] {"bad.wild.example.com", "bad.wild.example.com", "22"},
            new String[] {"foo.ca.example.com", "foo.ca.example.com", "22"},
            new String[] {"[delta.example.com]:2022", "delta.example.com", "2022"},
            new String[] {"2001:db8::1", "2001:db8::1", "22"},
            new String[] {"[2001:db8::1]:830", "2001:db8::1", "830"},
            new String[] {"host5.example.org", "host5.example.org", "22"},
            new String[] {"nothing.example.net", "nothing.example.net", "22"});

    @TempDir
    Path dir;

    @BeforeAll
    static void requireSshKeygen() {
        Peers.requireSshKeygen();
    }

    private String sample() {
        return String.join("\n",
                "# sample known_hosts",
                "alpha.example.com " + key(ED),
                "beta.example.com,192.0.2.7 " + key(ED2) + " a comment",
                "[gamma.example.com]:2222 " + key(ED),
                "*.wild.example.com,!bad.wild.example.com " + key(EC256),
                "@revoked nothing.example.net " + key(ED2),
                "@cert-authority *.ca.example.com " + key(ED),
                "[delta.example.com]:2022,2001:db8::1,[2001:db8::1]:830 " + key(RSA),
                "host?.example.org " + key(ED)) + "\n";
    }

    /** The line numbers ssh-keygen -F reports for a query. */
    private List<Integer> keygenFind(Path file, String query) throws Exception {
        Processes.Result r = SshKeygen.run(dir, null, "-F", query, "-f", file.toString());
        List<Integer> lines = new ArrayList<>();
        Matcher m = FOUND.matcher(r.stdout());
        while (m.find()) {
            lines.add(Integer.parseInt(m.group(2)));
        }
        assertEquals(lines.isEmpty() ? 1 : 0, r.exitCode(), "ssh-keygen -F " + query + ": " + r.stderr());
        return lines;
    }

    private void assertLookupAgrees(Path file) throws Exception {
        KnownHosts kh = KnownHosts.loadStrict(file);
        for (String[] q : QUERIES) {
            List<Integer> ours = kh.lookup(q[1], Integer.parseInt(q[2])).stream().map(KnownHostsEntry::line).toList();
            // ssh(1) lower-cases the host name before it looks it up (hashed or not); ssh-keygen -F
            // hashes the query as given, so it gets the name the way ssh would look it up
            String query = q[0].toLowerCase(java.util.Locale.ROOT);
            assertEquals(keygenFind(file, query), ours, "lines for " + q[0] + " in\n" + Files.readString(file));
        }
    }

    @Test
    void lookupAgreesWithSshKeygenOnPlainFiles() throws Exception {
        Path f = dir.resolve("known_hosts");
        Files.writeString(f, sample());
        assertLookupAgrees(f);
    }

    @Test
    void hashedBySshKeygenMatchesAsBefore() throws Exception {
        Path f = dir.resolve("known_hosts");
        Files.writeString(f, sample());
        KnownHosts before = KnownHosts.loadStrict(f);
        SshKeygen.run(dir, null, "-H", "-f", f.toString()).expectSuccess();
        String hashed = Files.readString(f);
        assertFalse(hashed.contains("alpha.example.com"), hashed);
        assertTrue(hashed.contains("|1|"), hashed);
        KnownHosts after = KnownHosts.loadStrict(f);
        assertTrue(after.entries().stream().filter(KnownHostsEntry::isHashed).count() >= 6, hashed);
        assertLookupAgrees(f);
        for (String[] q : QUERIES) {
            String host = q[1];
            int port = Integer.parseInt(q[2]);
            for (byte[] blob : List.of(ED, ED2, EC256, RSA)) {
                String alg = KnownHostsEntry.blobType(blob);
                Status s1 = before.check(host, port, alg, blob).status();
                Status s2 = after.check(host, port, alg, blob).status();
                assertEquals(s1, s2, q[0] + " " + alg);
            }
        }
        assertEquals(Status.MATCH, after.check("alpha.example.com", 22, "ssh-ed25519", ED).status());
        assertEquals(Status.MATCH, after.check("2001:DB8::1", 830, "rsa-sha2-512", RSA).status());
        assertEquals(Status.MISMATCH, after.check("192.0.2.7", 22, "ssh-ed25519", ED).status());
    }

    @Test
    void sshKeygenFindsWhatWeAppend() throws Exception {
        Path f = dir.resolve("known_hosts");
        Files.writeString(f, "# started by hand, no final newline");
        KnownHosts.append(f, "Plain.Example.com", 22, ED, false);
        KnownHosts.append(f, "hashed.example.com", 22, EC256, true);
        KnownHosts.append(f, "ported.example.com", 2222, RSA, true);
        KnownHosts.append(f, "2001:db8::5", 22, ED2, true);
        KnownHosts.append(f, "2001:db8::5", 8022, ED2, false);
        assertEquals(List.of(2), keygenFind(f, "plain.example.com"));
        assertEquals(List.of(3), keygenFind(f, "hashed.example.com"));
        assertEquals(List.of(4), keygenFind(f, "[ported.example.com]:2222"));
        assertEquals(List.of(), keygenFind(f, "ported.example.com"));
        assertEquals(List.of(5), keygenFind(f, "2001:db8::5"));
        assertEquals(List.of(6), keygenFind(f, "[2001:db8::5]:8022"));
        // ssh-keygen prints the key it found; it must be ours
        Processes.Result r = SshKeygen.run(dir, null, "-F", "[ported.example.com]:2222", "-f", f.toString()).expectSuccess();
        assertTrue(r.stdout().contains(key(RSA)), r.stdout());
        // and ssh-keygen -R removes what we wrote
        SshKeygen.run(dir, null, "-R", "hashed.example.com", "-f", f.toString()).expectSuccess();
        KnownHosts kh = KnownHosts.loadStrict(f);
        assertEquals(Status.UNKNOWN, kh.check("hashed.example.com", 22, "ecdsa-sha2-nistp256", EC256).status());
        assertEquals(Status.MATCH, kh.check("plain.example.com", 22, "ssh-ed25519", ED).status());
        assertEquals(Status.MATCH, kh.check("ported.example.com", 2222, "ssh-rsa", RSA).status());
    }
}
