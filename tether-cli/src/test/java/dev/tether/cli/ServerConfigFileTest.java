package dev.tether.cli;

import dev.tether.testkit.FreePorts;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshKeygen;
import dev.tether.testkit.TetherCli;
import dev.tether.testkit.TetherServerProcess;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tether server --config FILE} with sshd_config keywords whose effects OpenSSH's
 * {@code ssh} observes, flags overriding the file, warnings and errors naming FILE:LINE, and the
 * event log on stderr.
 */
class ServerConfigFileTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private static String fingerprint(Path pub) throws Exception {
        return Processes.runOk(List.of(Peers.SSH_KEYGEN.toString(), "-l", "-f", pub.toString()), Map.of(), null, TetherCli.TIMEOUT).stdout().split(" ")[1];
    }

    @Test
    void keywordsFromTheFileTakeEffectAndEventsAreLogged() throws Exception {
        int port = FreePorts.freePort();
        String user = Cli.localUser();
        try (TetherServerProcess server = TetherServerProcess.start(false, dir -> {
            try {
                SshKeygen.generate(dir, "config_host_key", "ed25519", 0);
                Files.writeString(dir.resolve("banner.txt"), "Authorised use only, says tether\n");
                Files.writeString(dir.resolve("passwords"), user + ":"
                        + OpenBSDBCrypt.generate("2y", "pw".toCharArray(), new byte[16], 4) + "\n");
                Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                        "# tether test config",                                              // 1
                        "port " + port,                                                        // 2
                        "HostKey=config_host_key",                                             // 3
                        "PasswordAuthentication no",                                           // 4
                        "Ciphers \"aes256-gcm@openssh.com,chacha20-poly1305@openssh.com\"",    // 5
                        "Ciphers aes128-ctr",                                                  // 6: first value wins
                        "Banner banner.txt",                                                   // 7
                        "AllowUsers nobody " + user + "@127.0.0.0/8",                          // 8
                        "AcceptEnv TETHER_*",                                                  // 9
                        "UsePAM no",                                                           // 10: warned
                        "MaxAuthTries 1   # overridden by --max-auth-tries",                   // 11
                        "LoginGraceTime 1m30s",                                                // 12
                        ""));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return List.of("--config", dir.resolve("sshd_config").toString(),
                    "--authorized-keys", dir.resolve("authorized_keys").toString(), "--root", dir.toString(),
                    "--passwords", dir.resolve("passwords").toString(), "--max-auth-tries", "2");
        })) {
            Path cfg = server.dir().resolve("sshd_config");
            // Port and HostKey
            assertEquals(port, server.port());
            assertTrue(server.stdout().contains("host key ssh-ed25519 " + fingerprint(server.dir().resolve("config_host_key.pub"))),
                    server.stdout());
            assertTrue(server.stderr().contains("tether: " + cfg + ":10: unsupported keyword UsePAM"), server.stderr());

            // Banner, AcceptEnv, AllowUsers (the user is listed), Ciphers
            Processes.Result ok = server.ssh(List.of("-o", "SetEnv=TETHER_GREETING=hello LANGUAGE=xx"),
                    "echo \"$TETHER_GREETING/${LANGUAGE:-unset}\"");
            assertEquals(0, ok.exitCode(), ok.describe());
            assertEquals("hello/unset\n", ok.stdout());
            assertTrue(ok.stderr().contains("Authorised use only, says tether"), ok.describe());
            Processes.Result cipher = server.ssh(List.of("-o", "Ciphers=aes128-ctr"), "true");
            assertEquals(255, cipher.exitCode(), cipher.describe());
            assertTrue(cipher.stderr().contains("no matching cipher"), cipher.describe());

            // PasswordAuthentication no: the server offers only publickey, --passwords notwithstanding
            Processes.Result pw = server.ssh(List.of("-v", "-o", "PubkeyAuthentication=no",
                    "-o", "PreferredAuthentications=password,keyboard-interactive"), "true");
            assertEquals(255, pw.exitCode(), pw.describe());
            assertTrue(pw.stderr().contains("Authentications that can continue: publickey\n")
                    || pw.stderr().contains("Authentications that can continue: publickey\r\n"), pw.describe());

            // --max-auth-tries 2 overrides MaxAuthTries 1: a wrong key, then the right one
            Path wrong = SshKeygen.generate(tmp, "wrong_key", "ed25519", 0);
            List<String> cmd = new ArrayList<>(server.sshCommand(List.of(), "exit 7"));
            cmd.addAll(cmd.indexOf("-i"), List.of("-i", wrong.toString()));
            Processes.Result twoKeys = Processes.run(cmd, Map.of("LC_ALL", "C"), null, null, WAIT);
            assertEquals(7, twoKeys.exitCode(), twoKeys.describe());

            // the event log: connect, auth with method and key fingerprint, session with status, disconnect
            String userFp = Pattern.quote(fingerprint(Path.of(server.userKey() + ".pub")));
            String wrongFp = Pattern.quote(fingerprint(Path.of(wrong + ".pub")));
            String tag = "(#\\d+) 127\\.0\\.0\\.1:\\d+";
            server.awaitStderr(" INFO events - " + tag + " connect$", WAIT);
            server.awaitStderr(tag + " auth accepted " + Pattern.quote(user) + " publickey ssh-ed25519 " + userFp + "$", WAIT);
            server.awaitStderr(tag + " auth failed " + Pattern.quote(user) + " publickey ssh-ed25519 " + wrongFp + " \\(1 of 2\\)$", WAIT);
            server.awaitStderr(tag + " session 0 start exec \"echo .*\"$", WAIT);
            server.awaitStderr(tag + " session 0 end exec \"exit 7\" status 7$", WAIT);
            server.awaitStderr(tag + " disconnect by peer \\(11\\): disconnected by user$", WAIT);
            server.awaitStderr(tag + " disconnect by server \\(3\\): no matching cipher", WAIT);
            assertEquals(0, server.stop(), server.stderr());
        }
    }

    @Test
    void allowUsersRefusesAUserItDoesNotList() throws Exception {
        try (TetherServerProcess server = TetherServerProcess.start(true, dir -> {
            try {
                Files.writeString(dir.resolve("sshd_config"), "AllowUsers someone-else root?x\nDenyUsers nobody\n");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return List.of("--config", dir.resolve("sshd_config").toString());
        })) {
            Processes.Result r = server.ssh(List.of(), "echo in");
            assertEquals(255, r.exitCode(), r.describe());
            assertFalse(r.stdout().contains("in"), r.describe());
            assertTrue(r.stderr().contains("is not allowed to log in (not in AllowUsers)"), r.describe());
            server.awaitStderr("auth refused " + Pattern.quote(Cli.localUser()) + " publickey .*not in AllowUsers", WAIT);
        }
    }

    @Test
    void aBadValueNamesFileAndLineAndExitsTwo() throws Exception {
        Path cfg = Files.writeString(tmp.resolve("bad_config"), "# ok so far\nPort 0\nMaxAuthTries many\n");
        Processes.Result r = TetherCli.run(tmp, "server", "--config", cfg.toString());
        assertEquals(2, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains(cfg + ":3: MaxAuthTries"), r.describe());
        assertFalse(r.stdout().contains("listening"), r.describe());

        Path ciphers = Files.writeString(tmp.resolve("bad_ciphers"), "Port 0\n\nCiphers +rot13-cbc\n");
        Processes.Result c = TetherCli.run(tmp, "server", "--config", ciphers.toString());
        assertEquals(2, c.exitCode(), c.describe());
        assertTrue(c.stderr().contains(ciphers + ":3: Ciphers: unsupported algorithm 'rot13-cbc'"), c.describe());
    }

    /**
     * ChannelTimeout, UnusedConnectionTimeout and PerSourcePenalties from the file, observed
     * through OpenSSH's ssh: an idle session is closed, an idle connection is closed, and a
     * failed login gets the source refused with code 1.
     */
    @Test
    void idleTimeoutsAndPenaltiesFromTheFile() throws Exception {
        try (TetherServerProcess server = TetherServerProcess.start(true, dir -> {
            try {
                Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                        "ChannelTimeout session=2",
                        "UnusedConnectionTimeout 2",
                        "PerSourcePenalties authfail:1m min:1s",
                        ""));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return List.of("--config", dir.resolve("sshd_config").toString());
        })) {
            // an idle command: no traffic either way, so the channel is closed; ssh exits 255
            long t0 = System.nanoTime();
            Processes.Result idle = server.ssh(List.of(), "sleep 60");
            assertEquals(255, idle.exitCode(), idle.describe());
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(40).toNanos(), "closed well before the sleep ended");

            // ssh -N opens no channel: the unused-connection timeout ends it
            Processes.Result unused = server.ssh(List.of("-N"));
            assertEquals(255, unused.exitCode(), unused.describe());
            server.awaitStderr("unused connection timeout", WAIT);

            // a stranger's key fails authentication: the source is penalised, then refused with code 1
            Path stranger = SshKeygen.generate(server.dir(), "stranger", "ed25519", 0);
            List<String> asStranger = new ArrayList<>(server.sshCommand(List.of(), "true"));
            asStranger.set(asStranger.indexOf(server.userKey().toString()), stranger.toString());
            Processes.Result failed = Processes.run(asStranger, Map.of("LC_ALL", "C"), null, null, WAIT);
            assertEquals(255, failed.exitCode(), failed.describe());
            Processes.Result refused = server.ssh(List.of("-v"), "echo should-not-run");
            assertEquals(255, refused.exitCode(), refused.describe());
            assertTrue(refused.stderr().matches("(?s).*Received disconnect from 127\\.0\\.0\\.1 port \\d+:1: penalty.*"),
                    refused.describe());
        }
    }
}
