package dev.tether.ssh;

import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.Pair;
import dev.tether.ssh.testutil.TestKeys;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's library quick starts, extracted from README.md, compiled against the library and
 * run as programs, so that the README can never drift from the API.
 */
class ReadmeExamplesTest {
    @TempDir
    static Path classes;

    @BeforeAll
    static void compileTheReadme() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        List<String> files = new ArrayList<>();
        while (block.find()) {
            String source = block.group(1);
            Matcher name = Pattern.compile("public class (\\w+)").matcher(source);
            if (name.find()) {
                Path f = classes.resolve(name.group(1) + ".java");
                Files.writeString(f, source);
                files.add(f.toString());
            }
        }
        assertEquals(2, files.size(), "the README should hold the client and the server example");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                "--release", "17"));
        args.addAll(files);
        assertEquals(0, javac.run(null, null, null, args.toArray(String[]::new)), "README examples must compile");
    }

    private static ProcessBuilder java(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classes + java.io.File.pathSeparator + System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    @Test
    void clientExampleRunsACommand(@TempDir Path dir) throws Exception {
        KeyPair user = SignatureAlgorithms.generate("ssh-ed25519", 0);
        Path key = dir.resolve("id");
        OpenSshKeyFile.write(key, user, "me");
        Path ak = dir.resolve("authorized_keys");
        Files.writeString(ak, OpenSshKeyFile.publicKeyLine(user.getPublic(), "me") + "\n");
        Portal portal = Portal.builder().publicKeys(AuthorizedKeysChecker.forUser("me", ak)).processSessions(dir).build();
        try (SshServer server = SshServer.start("127.0.0.1", 0, TransportConfig.builder().hostKeys(List.of(TestKeys.ed25519()))
                .serverInterface(portal.serverInterface()).build())) {
            Path knownHosts = dir.resolve("known_hosts");
            Process p = java("RunCommand", "127.0.0.1", String.valueOf(server.port()), "me", key.toString(),
                    knownHosts.toString(), "echo hello; exit 3").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the example did not finish");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(3, p.exitValue(), out);
            assertEquals("hello\n", out);
            assertTrue(Files.readString(knownHosts).contains("[127.0.0.1]:" + server.port()), "accept-new recorded the host key");
        }
    }

    @Test
    void serverExampleServesItsPolicy() throws Exception {
        Process p = java("EchoServer", "0").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String first = out.readLine();
            assertTrue(first != null && first.startsWith("listening on "), String.valueOf(first));
            int port = Integer.parseInt(first.substring("listening on ".length()));
            try (Transport t = Transport.connect("127.0.0.1", port, TransportConfig.builder().build(),
                    HostKeyVerifier.insecureAcceptAny())) {
                AuthenticationException wrong = org.junit.jupiter.api.Assertions.assertThrows(AuthenticationException.class,
                        () -> t.authPassword("demo", "guess"));
                assertEquals(List.of("password"), wrong.allowed());
                t.authPassword("demo", "secret");
                ExecResult r = t.exec("hi there", Duration.ofSeconds(30));
                assertEquals("you said: hi there\n", r.stdoutText());
                assertEquals(0, r.exitStatus());
            }
        } finally {
            p.getOutputStream().close(); // the example stops when stdin closes
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the server example did not stop");
            assertEquals(0, p.exitValue());
        }
    }
}
