package dev.tether.cli;

import dev.tether.testkit.Peers;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshKeygen;
import dev.tether.testkit.TempDirs;
import dev.tether.testkit.TetherCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tether keygen} against ssh-keygen: keys it writes are read by ssh-keygen (with and
 * without a passphrase), and {@code -l} and {@code -y} print what ssh-keygen prints.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeygenCommandTest {
    private Path home;
    private Path dir;

    @BeforeAll
    void setUp() throws IOException {
        home = TempDirs.create("tether-cli-home-");
        dir = Files.createDirectories(home.resolve("keys"));
    }

    @AfterAll
    void tearDown() {
        TempDirs.deleteTree(home);
    }

    static Stream<Arguments> kinds() {
        List<Arguments> out = new ArrayList<>();
        for (String[] k : new String[][]{{"ed25519", ""}, {"ecdsa", ""}, {"ecdsa", "384"}, {"ecdsa", "521"}, {"rsa", "2048"}, {"rsa", ""}}) {
            out.add(Arguments.of(k[0], k[1], ""));
            out.add(Arguments.of(k[0], k[1], "s3cret pass"));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} passphrase=''{2}''")
    @MethodSource("kinds")
    void generatedKeysAreReadByOpenSsh(String type, String bits, String passphrase) throws IOException {
        Peers.requireSshKeygen();
        Path key = dir.resolve("id_" + type + bits + (passphrase.isEmpty() ? "" : "_enc"));
        List<String> args = new ArrayList<>(List.of("keygen", "-t", type, "-f", key.toString(), "-N", passphrase,
                "-C", "tester@example"));
        if (!bits.isEmpty()) {
            args.addAll(List.of("-b", bits));
        }
        Processes.Result gen = TetherCli.run(home, args.toArray(new String[0]));
        assertEquals(0, gen.exitCode(), gen.describe());
        assertTrue(gen.stdout().contains("Your identification has been saved in " + key), gen.describe());
        assertTrue(gen.stdout().contains("The key's randomart image is:"), gen.describe());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        String pub = Files.readString(Path.of(key + ".pub")).trim();
        assertTrue(pub.endsWith(" tester@example"), pub);

        // ssh-keygen decrypts and reads the private key: the same public key
        Processes.Result y = Processes.runOk(List.of(Peers.SSH_KEYGEN.toString(), "-y", "-P", passphrase, "-f", key.toString()), Map.of(), null, TetherCli.TIMEOUT);
        assertEquals(fields(pub, 2), fields(y.stdout().trim(), 2));
        if (passphrase.isEmpty()) {
            assertEquals(pub, y.stdout().trim(), "ssh-keygen -y shows the comment of an unencrypted key");
        } else {
            // the wrong passphrase is refused by ssh-keygen: the key really is encrypted
            Processes.Result wrong = Processes.run(List.of(Peers.SSH_KEYGEN.toString(), "-y", "-P", "wrong", "-f", key.toString()),
                    null, null, null, TetherCli.TIMEOUT);
            assertTrue(wrong.exitCode() != 0, wrong.describe());
        }

        // -l agrees with ssh-keygen -l, on the private key and on the .pub
        for (Path f : List.of(key, Path.of(key + ".pub"))) {
            Processes.Result theirs = Processes.runOk(List.of(Peers.SSH_KEYGEN.toString(), "-l", "-f", f.toString()), Map.of(), null, TetherCli.TIMEOUT);
            Processes.Result ours = TetherCli.run(home, "keygen", "-l", "-f", f.toString());
            assertEquals(0, ours.exitCode(), ours.describe());
            assertEquals(theirs.stdout(), ours.stdout(), "fingerprint of " + f);
        }
        // -y agrees with ssh-keygen -y
        Processes.Result ours = TetherCli.run(home, "keygen", "-y", "-P", passphrase, "-f", key.toString());
        assertEquals(0, ours.exitCode(), ours.describe());
        assertEquals(y.stdout().trim(), ours.stdout().trim());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ed25519", "ecdsa-256", "ecdsa-384", "ecdsa-521", "rsa-3072", "rsa-pem"})
    void fingerprintsOfOpenSshKeysMatchSshKeygen(String kind) throws IOException {
        Peers.requireSshKeygen();
        String[] k = kind.split("-");
        Path key;
        if (kind.equals("rsa-pem")) {
            key = dir.resolve("openssh_rsa_pem");
            Processes.runOk(List.of(Peers.SSH_KEYGEN.toString(), "-q", "-N", "", "-t", "rsa", "-b", "2048", "-m", "PEM",
                    "-C", "pem key", "-f", key.toString()), Map.of(), null, TetherCli.TIMEOUT);
        } else {
            key = SshKeygen.generate(dir, "openssh_" + kind, k[0], k.length > 1 ? Integer.parseInt(k[1]) : 0);
        }
        for (Path f : List.of(key, Path.of(key + ".pub"))) {
            for (List<String> flags : List.of(List.of("-l"), List.of("-l", "-v"), List.of("-l", "-E", "md5"))) {
                List<String> theirsCmd = new ArrayList<>(List.of(Peers.SSH_KEYGEN.toString()));
                theirsCmd.addAll(flags);
                theirsCmd.addAll(List.of("-f", f.toString()));
                List<String> oursArgs = new ArrayList<>(List.of("keygen"));
                oursArgs.addAll(flags);
                oursArgs.addAll(List.of("-f", f.toString()));
                Processes.Result theirs = Processes.runOk(theirsCmd, Map.of(), null, TetherCli.TIMEOUT);
                Processes.Result ours = TetherCli.run(home, oursArgs.toArray(new String[0]));
                assertEquals(0, ours.exitCode(), ours.describe());
                assertEquals(theirs.stdout().strip(), ours.stdout().strip(), flags + " " + f);
            }
        }
        Processes.Result theirs = Processes.runOk(List.of(Peers.SSH_KEYGEN.toString(), "-y", "-f", key.toString()), Map.of(), null, TetherCli.TIMEOUT);
        Processes.Result ours = TetherCli.run(home, "keygen", "-y", "-f", key.toString());
        assertEquals(theirs.stdout(), ours.stdout(), ours.describe());
    }

    @Test
    void privateKeyWithoutPubAndKnownHostsFiles() throws IOException {
        Peers.requireSshKeygen();
        Path enc = SshKeygen.generateEncrypted(dir, "lonely", "ecdsa", 384, "pw");
        Path plain = SshKeygen.generate(dir, "lonely_plain", "ed25519", 0);
        Path other = SshKeygen.generate(dir, "other", "rsa", 2048);
        Files.delete(Path.of(enc + ".pub"));
        Files.delete(Path.of(plain + ".pub"));
        // encrypted without .pub: the header's public key, "no comment"; unencrypted: the private comment
        for (Path f : List.of(enc, plain)) {
            Processes.Result theirs = Processes.runOk(List.of(Peers.SSH_KEYGEN.toString(), "-l", "-f", f.toString()), Map.of(), null, TetherCli.TIMEOUT);
            Processes.Result ours = TetherCli.run(home, "keygen", "-l", "-f", f.toString());
            assertEquals(theirs.stdout(), ours.stdout(), ours.describe());
        }
        // a known_hosts / authorized_keys style file: one line per key, leading fields skipped
        Path kh = dir.resolve("known_hosts");
        String otherPub = Files.readString(Path.of(other + ".pub")).trim();
        String[] f = otherPub.split(" ");
        Files.writeString(kh, "# comment\n\n[127.0.0.1]:2222 " + f[0] + " " + f[1] + "\n"
                + "host1,host2 " + f[0] + " " + f[1] + " with a comment\n"
                + "command=\"echo hi there\",no-pty " + otherPub + "\n"
                + "not a key line\n");
        Processes.Result theirs = Processes.runOk(List.of(Peers.SSH_KEYGEN.toString(), "-l", "-f", kh.toString()), Map.of(), null, TetherCli.TIMEOUT);
        Processes.Result ours = TetherCli.run(home, "keygen", "-l", "-f", kh.toString());
        assertEquals(theirs.stdout(), ours.stdout(), ours.describe());
        assertEquals(3, ours.stdout().lines().count());
    }

    @Test
    void failuresAndBadFlags() throws IOException {
        Processes.Result missing = TetherCli.run(home, "keygen", "-l", "-f", dir.resolve("nope").toString());
        assertEquals(1, missing.exitCode(), missing.describe());
        assertTrue(missing.stderr().contains("No such file or directory"), missing.describe());
        Path junk = Files.writeString(dir.resolve("junk"), "hello\n");
        Processes.Result notKey = TetherCli.run(home, "keygen", "-l", "-f", junk.toString());
        assertEquals(1, notKey.exitCode(), notKey.describe());
        assertTrue(notKey.stderr().contains("is not a public key file"), notKey.describe());

        for (String[] bad : new String[][]{{"keygen", "-t", "dsa", "-f", dir.resolve("x").toString()},
                {"keygen", "-t", "ecdsa", "-b", "300", "-f", dir.resolve("x").toString()},
                {"keygen", "-t", "rsa", "-b", "512", "-f", dir.resolve("x").toString()},
                {"keygen", "-Z"}, {"keygen", "-l"}, {"keygen", "-l", "-y", "-f", "x"}, {"keygen", "-b", "many"},
                {"keygen", "-E", "sha1", "-l", "-f", "x"}}) {
            Processes.Result r = TetherCli.run(home, bad);
            assertEquals(2, r.exitCode(), r.describe());
            assertTrue(r.stderr().contains("Usage: tether keygen"), r.describe());
            assertEquals("", r.stdout(), r.describe());
        }
        assertTrue(Files.notExists(dir.resolve("x")));
    }

    @Test
    void existingFileIsOnlyReplacedWhenConfirmed() throws IOException {
        Path key = dir.resolve("twice");
        assertEquals(0, TetherCli.run(home, "keygen", "-q", "-N", "", "-f", key.toString()).exitCode());
        String first = Files.readString(key);
        // stdin is /dev/null: no "y", so the key stays
        Processes.Result again = TetherCli.run(home, "keygen", "-q", "-N", "", "-f", key.toString());
        assertEquals(1, again.exitCode(), again.describe());
        assertTrue(again.stdout().contains("already exists"), again.describe());
        assertEquals(first, Files.readString(key));
        Path yes = Files.writeString(dir.resolve("yes"), "y\n");
        Processes.Result confirmed = Processes.run(TetherCli.command("keygen", "-q", "-N", "", "-f", key.toString()),
                TetherCli.env(home), yes, null, TetherCli.TIMEOUT);
        assertEquals(0, confirmed.exitCode(), confirmed.describe());
        assertTrue(!first.equals(Files.readString(key)));
    }

    @Test
    void defaultFileIsUnderHome() throws IOException {
        Path fresh = TempDirs.create("tether-cli-home2-");
        try {
            Processes.Result r = TetherCli.run(fresh, "keygen", "-t", "ed25519", "-N", "");
            assertEquals(0, r.exitCode(), r.describe());
            assertTrue(Files.isRegularFile(fresh.resolve(".ssh/id_ed25519")), r.describe());
            assertTrue(Files.isRegularFile(fresh.resolve(".ssh/id_ed25519.pub")), r.describe());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh.resolve(".ssh"))));
        } finally {
            TempDirs.deleteTree(fresh);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"server", "ssh", "keygen"})
    void helpWorksOnEverySubcommand(String sub) throws IOException {
        Processes.Result r = TetherCli.run(home, sub, "--help");
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(r.stdout().startsWith("Usage: tether " + sub), r.describe());
        Processes.Result h = TetherCli.run(home, sub, "-h");
        assertEquals(0, h.exitCode(), h.describe());
        assertEquals(r.stdout(), h.stdout());
    }

    private static String fields(String line, int n) {
        String[] f = line.split("\\s+");
        return String.join(" ", java.util.Arrays.copyOf(f, Math.min(n, f.length)));
    }
}
