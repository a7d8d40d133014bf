package dev.tether.ssh.authinterop;

import dev.tether.ssh.SshServer;
import dev.tether.ssh.policy.Login;
import dev.tether.ssh.testutil.Json;
import dev.tether.testkit.Paramiko;
import dev.tether.testkit.Processes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * paramiko (2.12, a second independent implementation) logs into our SshServer behind a portal:
 * {@code SSHClient.connect} with a password and with key files of each type
 * ({@code look_for_keys=False, allow_agent=False}), {@code Transport.auth_interactive}, and
 * key-then-password on a two-factor portal. The script,
 * {@code src/test/resources/authinterop/paramiko_login.py}, runs every case in one process and
 * prints one JSON object per case.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ParamikoLoginToTetherServerTest {
    private static PortalFixture fx;
    private static SshServer server;
    private static SshServer twoFactor;
    private static Paramiko paramiko;
    private static final Map<String, Map<String, Object>> results = new LinkedHashMap<>();
    private static final List<Login> logins = new ArrayList<>();
    private static Processes.Result run;

    @BeforeAll
    static void runScript() throws Exception {
        paramiko = new Paramiko("/authinterop/"); // skips (fails where peers are required) unless /usr/bin/python3 imports paramiko
        fx = new PortalFixture();
        server = fx.start(fx.portal().build(), 10);
        twoFactor = fx.start(fx.portal().require(List.of("publickey", "password")).build(), 10);

        List<String> cases = new ArrayList<>();
        cases.add(caseJson("password", server, "\"password\": " + Json.quote(PortalFixture.PASSWORD)));
        cases.add(caseJson("wrong-password", server, "\"password\": " + Json.quote("not the password")));
        cases.add(caseJson("empty-password", server, "\"password\": \"\""));
        cases.add(keyCase("ed25519", "Ed25519Key", fx.keys.get("ed25519"), ""));
        cases.add(keyCase("ecdsa256", "ECDSAKey", fx.keys.get("ecdsa256"), ""));
        cases.add(keyCase("ecdsa384", "ECDSAKey", fx.keys.get("ecdsa384"), ""));
        cases.add(keyCase("ecdsa521", "ECDSAKey", fx.keys.get("ecdsa521"), ""));
        cases.add(keyCase("rsa", "RSAKey", fx.keys.get("rsa"), ""));
        cases.add(keyCase("rsa-sha2-256", "RSAKey", fx.keys.get("rsa"), ", \"disabled_pubkeys\": [\"rsa-sha2-512\"]"));
        cases.add(keyCase("unknown-key", "Ed25519Key", fx.unknownKey, ""));
        cases.add(caseJson("keyboard-interactive", server, "\"interactive\": " + Json.quote(PortalFixture.PASSWORD)));
        cases.add(caseJson("keyboard-interactive-wrong", server, "\"interactive\": \"nope\""));
        cases.add(caseJson("two-factor", twoFactor, "\"key\": " + Json.quote(fx.keys.get("ed25519").toString())
                + ", \"key_class\": \"Ed25519Key\", \"password\": " + Json.quote(PortalFixture.PASSWORD)));
        cases.add(caseJson("unknown-key-then-password", server, "\"key\": " + Json.quote(fx.unknownKey.toString())
                + ", \"key_class\": \"Ed25519Key\", \"password\": " + Json.quote(PortalFixture.PASSWORD)));
        cases.add(caseJson("two-factor-password-only", twoFactor, "\"password\": " + Json.quote(PortalFixture.PASSWORD)));

        run = paramiko.run("paramiko_login.py", List.of(AuthInterop.LOOPBACK, fx.user,
                "[" + String.join(", ", cases) + "]"), Map.of("AUTHINTEROP_PARAMIKO_LOG", paramikoLog().toString()), Duration.ofSeconds(45));
        for (String line : run.stdout().lines().toList()) {
            if (line.startsWith("{")) {
                Map<String, Object> r = Json.object(line);
                results.put((String) r.get("id"), r);
            }
        }
        fx.logins.drainTo(logins);
    }

    private static Path paramikoLog() {
        return paramiko.dir().resolve("paramiko.log");
    }

    /** The script's output and the gist of paramiko's log, for failure messages. */
    private static String describe() {
        String log;
        try {
            // its INFO lines (connections, auth results, disconnects) and the methods that can continue
            log = Files.exists(paramikoLog()) ? String.join("\n", Files.readAllLines(paramikoLog()).stream()
                    .filter(l -> l.startsWith("INF") || l.contains("Methods:") || l.contains("Trying")).toList()) : "(no paramiko log)";
        } catch (java.io.IOException e) {
            log = e.toString();
        }
        return run.describe() + "\n--- paramiko log ---\n" + log;
    }

    private static String caseJson(String id, SshServer s, String rest) {
        return "{\"id\": " + Json.quote(id) + ", \"port\": " + s.port() + ", " + rest + "}";
    }

    private static String keyCase(String id, String keyClass, Path key, String rest) {
        return caseJson(id, server, "\"key\": " + Json.quote(key.toString()) + ", \"key_class\": " + Json.quote(keyClass) + rest);
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
        if (paramiko != null) {
            paramiko.close();
        }
    }

    private static Map<String, Object> result(String id) {
        Map<String, Object> r = results.get(id);
        assertNotNull(r, "no result for case " + id + "\n" + describe());
        return r;
    }

    private static void assertAuthenticated(String id) {
        Map<String, Object> r = result(id);
        assertEquals(Boolean.TRUE, r.get("authenticated"), () -> r + "\n" + describe());
        assertNull(r.get("error_type"), r.toString());
        // the recording host key policy saw our server's ed25519 key
        @SuppressWarnings("unchecked")
        List<List<Object>> seen = (List<List<Object>>) r.get("host_keys");
        assertEquals(1, seen.size(), r.toString());
        assertEquals("ssh-ed25519", seen.get(0).get(1), r.toString());
        assertEquals(fx.hostKeyFingerprint(), seen.get(0).get(2), r.toString());
    }

    private static void assertRefused(String id) {
        Map<String, Object> r = result(id);
        assertEquals(Boolean.FALSE, r.get("authenticated"), r.toString());
        assertEquals("AuthenticationException", r.get("error_type"), r.toString());
    }

    @Test
    void password() {
        assertAuthenticated("password");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"wrong-password", "empty-password", "unknown-key", "keyboard-interactive-wrong"})
    void refused(String id) {
        assertRefused(id);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ed25519", "ecdsa256", "ecdsa384", "ecdsa521"})
    void keyFile(String id) {
        assertAuthenticated(id);
    }

    /** paramiko follows our server-sig-algs to rsa-sha2-512, and to rsa-sha2-256 when 512 is disabled. */
    @Test
    void rsaKeyFile() {
        assertAuthenticated("rsa");
        assertEquals("rsa-sha2-512", result("rsa").get("pubkey_algorithm"));
        assertAuthenticated("rsa-sha2-256");
        assertEquals("rsa-sha2-256", result("rsa-sha2-256").get("pubkey_algorithm"));
    }

    @Test
    void keyboardInteractive() {
        assertAuthenticated("keyboard-interactive");
        assertEquals(List.of("Password: "), result("keyboard-interactive").get("prompts"));
    }

    /** SSHClient with a key and a password: the key is a partial success, then the password logs in. */
    @Test
    void twoFactorKeyThenPassword() {
        assertAuthenticated("two-factor");
    }

    /**
     * A password alone is a partial success only: paramiko's SSHClient.connect returns without
     * error after a partial success, but the transport is not authenticated.
     */
    @Test
    void twoFactorPasswordAloneIsNotEnough() {
        Map<String, Object> r = result("two-factor-password-only");
        assertEquals(Boolean.FALSE, r.get("authenticated"), r.toString());
    }

    /**
     * SSHClient with a key the server does not know and the right password: the key fails, then
     * the password logs in, on the same connection. paramiko sends a SERVICE_REQUEST for
     * ssh-userauth before every method it tries (OpenSSH's sshd accepts that).
     */
    @Test
    void unknownKeyThenPassword() {
        assertAuthenticated("unknown-key-then-password");
    }

    /**
     * The realm saw a login for exactly the cases paramiko reports authenticated, in order, with
     * the methods each used (keyboard-interactive counts as password).
     */
    @Test
    void realmSawEachLogin() {
        Map<String, List<String>> methodsOf = Map.ofEntries(
                Map.entry("password", List.of("password")),
                Map.entry("ed25519", List.of("publickey")),
                Map.entry("ecdsa256", List.of("publickey")),
                Map.entry("ecdsa384", List.of("publickey")),
                Map.entry("ecdsa521", List.of("publickey")),
                Map.entry("rsa", List.of("publickey")),
                Map.entry("rsa-sha2-256", List.of("publickey")),
                Map.entry("keyboard-interactive", List.of("password")),
                Map.entry("two-factor", List.of("publickey", "password")),
                Map.entry("unknown-key-then-password", List.of("password")));
        List<List<String>> expected = results.values().stream().filter(r -> Boolean.TRUE.equals(r.get("authenticated")))
                .map(r -> methodsOf.get((String) r.get("id"))).toList();
        assertTrue(expected.size() >= 8, results.toString());
        List<List<String>> methods = logins.stream().map(Login::methods).toList();
        assertEquals(expected, methods, describe());
        assertFalse(logins.stream().anyMatch(l -> !l.username().equals(fx.user)), logins.toString());
        assertTrue(run.exitCode() == 0, run.describe());
    }
}
