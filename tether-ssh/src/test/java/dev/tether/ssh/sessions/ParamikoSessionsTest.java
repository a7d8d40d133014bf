package dev.tether.ssh.sessions;

import dev.tether.ssh.ExecResult;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.TestKeys;
import dev.tether.testkit.Paramiko;
import dev.tether.testkit.Processes;
import dev.tether.testkit.TempDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.tether.ssh.sessions.Sessions.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * paramiko 2.12 as the second implementation, both ways: its client runs commands on our
 * Portal server (exec, exit status with {@code recv_exit_status()}, 16 MiB read and checksummed),
 * and our client runs a command on a paramiko {@code ServerInterface} that answers exec with a
 * known payload and exit status 3. The scripts are in {@code src/test/resources/sessions/}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ParamikoSessionsTest {
    private Path dir;
    private Paramiko py;

    @BeforeEach
    void setUp() {
        py = new Paramiko("/sessions/"); // skips (fails where peers are required) unless /usr/bin/python3 imports paramiko
        dir = Sessions.tempDir("paramiko");
    }

    @AfterEach
    void tearDown() {
        TempDirs.deleteTree(dir);
        if (py != null) {
            py.close();
        }
    }

    @Test
    void paramikoClientRunsCommandsOnOurServer() throws Exception {
        Path work = Files.createDirectory(dir.resolve("work"));
        Sessions.UserKeyFiles key = Sessions.userKey(dir);
        long size = 16L * MIB;
        String sha = Sessions.writeRandomFile(work.resolve("big.bin"), size, 16);
        String hostKey = Base64.getEncoder().encodeToString(SignatureAlgorithms.encodePublicKey(TestKeys.ed25519().getPublic()));
        try (SshServer server = Sessions.startPortalServer(key.authorizedKeys(), work)) {
            Processes.Result p = py.run("paramiko_session_client.py", List.of(
                    Integer.toString(server.port()), Sessions.USER, key.privateKey().toString(), hostKey, "big.bin"),
                    Duration.ofSeconds(75));
            Map<String, String> r = results(p.stdout());
            assertEquals("", r.getOrDefault("error", ""), p.describe());
            assertEquals("ok", r.get("host_key"), p.describe());
            assertEquals("out\n", text(r.get("exec_stdout")), p.describe());
            assertEquals("err\n", text(r.get("exec_stderr")), p.describe());
            assertEquals("7", r.get("exec_status"), p.describe());
            assertEquals(Long.toString(size), r.get("big_bytes"), p.describe());
            assertEquals(sha, r.get("big_sha256"), p.describe());
            assertEquals("", text(r.get("big_stderr")), p.describe());
            assertEquals("0", r.get("big_status"), p.describe());
            assertEquals("", r.get("done"), p.describe());
            assertEquals(0, p.exitCode(), p.describe());
        }
    }

    @Test
    void ourClientRunsACommandOnAParamikoServer() throws Exception {
        KeyPair hostKey = SignatureAlgorithms.generate("ssh-ed25519", 0);
        Path hostKeyFile = dir.resolve("host_ed25519");
        OpenSshKeyFile.write(hostKeyFile, hostKey, "paramiko-host");
        try (Paramiko.Running server = py.start("paramiko_session_server.py", List.of(hostKeyFile.toString(), "60"))) {
            String portLine = server.nextLine(Duration.ofSeconds(30));
            assertNotNull(portLine, () -> "no port from the paramiko server; stderr:\n" + server.stderr());
            int port = Integer.parseInt(portLine.strip());
            HostKeyVerifier v = HostKeyVerifier.acceptKeys(List.of(SignatureAlgorithms.encodePublicKey(hostKey.getPublic())));
            try (Transport t = Transport.connect(Sessions.LOOPBACK, port, TransportConfig.builder().build(), v)) {
                assertEquals(List.of(), t.authPassword("tester", "secret"));
                ExecResult r = t.exec("give me the payload", Duration.ofSeconds(30));
                byte[] expected = new byte[MIB];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = (byte) i;
                }
                assertEquals(MIB, r.stdout().length);
                assertArrayEquals(expected, r.stdout());
                assertEquals("stderr for: give me the payload\n", r.stderrText());
                assertEquals(3, r.exitStatus());
                assertNull(r.exitSignal());
            }
            String served = server.nextLine(Duration.ofSeconds(20));
            assertEquals("served 1", served, () -> "stderr:\n" + server.stderr());
        }
    }

    private static Map<String, String> results(String stdout) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : stdout.lines().toList()) {
            int sp = line.indexOf(' ');
            if (sp < 0) {
                m.put(line, "");
            } else {
                m.putIfAbsent(line.substring(0, sp), line.substring(sp + 1));
            }
        }
        return m;
    }

    private static String text(String hex) {
        return hex == null ? null : new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8);
    }
}
