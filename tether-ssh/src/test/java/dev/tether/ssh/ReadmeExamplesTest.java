package dev.tether.ssh;

import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.common.AuthenticationException;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.TestKeys;
import dev.tether.testkit.arch.ModuleExports;
import dev.tether.testkit.arch.PackageGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's library quick starts, extracted from README.md, compiled against the library and
 * run as programs, so that the README can never drift from the API. Each is compiled and run twice:
 * on the class path, and as a module-path consumer ({@code module readme.examples { requires dev.tether.ssh; }},
 * the sources put in package {@code readme}, since a module cannot hold the unnamed package) against
 * tether-ssh's {@code target/classes} (module dev.tether.ssh) and its runtime dependency jars, which
 * proves the module descriptor resolves and exports what the examples need.
 */
class ReadmeExamplesTest {

    enum Launch { CLASS_PATH, MODULE_PATH }

    @TempDir
    static Path classes;
    @TempDir
    static Path moduleWork;

    @BeforeAll
    static void compileTheReadme() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        List<String> files = new ArrayList<>();
        while (block.find()) {
            String source = block.group(1);
            if (source.contains("import dev.tether.sftp.")) {
                continue; // tether-sftp's example: its own module's test compiles and runs it
            }
            Matcher name = Pattern.compile("public class (\\w+)").matcher(source);
            if (name.find()) {
                Path f = classes.resolve(name.group(1) + ".java");
                Files.writeString(f, source);
                files.add(f.toString());
            }
        }
        assertEquals(4, files.size(), "the README should hold two client and two server examples: " + files);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                "--release", "17"));
        args.addAll(files);
        assertEquals(0, javac.run(null, null, null, args.toArray(String[]::new)), "README examples must compile");

        // the same sources as a named module on the module path
        Path src = moduleWork.resolve("src");
        Path pkg = src.resolve("readme");
        Files.createDirectories(pkg);
        List<String> modArgs = new ArrayList<>(List.of("-d", moduleClasses().toString(), "--module-path", modulePath(false),
                "--release", "17"));
        Files.writeString(src.resolve("module-info.java"), "module readme.examples { requires dev.tether.ssh; }\n");
        modArgs.add(src.resolve("module-info.java").toString());
        for (String f : files) {
            Path copy = pkg.resolve(Path.of(f).getFileName());
            Files.writeString(copy, "package readme;\n" + Files.readString(Path.of(f)));
            modArgs.add(copy.toString());
        }
        assertEquals(0, javac.run(null, null, null, modArgs.toArray(String[]::new)),
                "README examples must compile as a module requiring dev.tether.ssh, module path: " + modulePath(false));

        // and they must not need more than the API packages (module-info exports engine packages for now)
        PackageGraph g = PackageGraph.scan("", moduleClasses());
        Set<String> used = g.uses("readme").stream().filter(p -> p.startsWith("dev.tether.")).collect(Collectors.toCollection(TreeSet::new));
        used.removeAll(apiPackages());
        assertEquals(Set.of(), used, "README examples use engine packages, which the module does not export");
    }

    /** The packages module dev.tether.ssh exports, read from its compiled descriptor. */
    private static Set<String> apiPackages() {
        Set<String> out = ModuleExports.of(Path.of("target", "classes"), "dev.tether.ssh");
        assertTrue(out.contains("dev.tether.ssh") && !out.contains("dev.tether.ssh.transport"), out.toString());
        return out;
    }

    private static Path moduleClasses() {
        return moduleWork.resolve("classes");
    }

    /**
     * tether-ssh's own classes (a module: target/classes holds module-info.class) and its runtime
     * dependencies, taken from this test's class path; with {@code run}, also the slf4j binding the
     * class-path run has.
     */
    private static String modulePath(boolean run) {
        Path own = Path.of("target", "classes").toAbsolutePath();
        assertTrue(Files.exists(own.resolve("module-info.class")), "tether-ssh is compiled as a module");
        List<String> entries = new ArrayList<>(List.of(own.toString()));
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(e).getFileName().toString();
            if (name.startsWith("bcprov-jdk18on-") || name.startsWith("slf4j-api-") || run && name.startsWith("slf4j-simple-")) {
                entries.add(e);
            }
        }
        assertEquals(run ? 4 : 3, entries.size(), "tether-ssh, bcprov, slf4j-api" + (run ? ", slf4j-simple" : "") + ": " + entries);
        return String.join(File.pathSeparator, entries);
    }

    private static ProcessBuilder java(Launch path, String mainClass, String... args) {
        return java(path, List.of(), mainClass, args);
    }

    private static ProcessBuilder java(Launch path, List<String> jvmArgs, String mainClass, String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(jvmArgs);
        cmd.addAll(path == Launch.CLASS_PATH
                ? List.of("-cp", classes + File.pathSeparator + System.getProperty("java.class.path"), mainClass)
                : List.of("--module-path", moduleClasses() + File.pathSeparator + modulePath(true),
                        "-m", "readme.examples/readme." + mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("CLASSPATH");
        return pb;
    }

    @ParameterizedTest
    @EnumSource(Launch.class)
    void clientExampleRunsACommand(Launch path, @TempDir Path dir) throws Exception {
        KeyPair user = SignatureAlgorithms.generate("ssh-ed25519", 0);
        Path key = dir.resolve("id");
        OpenSshKeyFile.write(key, user, "me");
        Path ak = dir.resolve("authorized_keys");
        Files.writeString(ak, OpenSshKeyFile.publicKeyLine(user.getPublic(), "me") + "\n");
        Portal portal = Portal.builder().publicKeys(AuthorizedKeysChecker.forUser("me", ak)).processSessions(dir).build();
        try (SshServer server = SshServer.start("127.0.0.1", 0, TransportConfig.builder().hostKeys(List.of(TestKeys.ed25519()))
                .serverInterface(portal.serverInterface()).build())) {
            Path knownHosts = dir.resolve("known_hosts");
            Process p = java(path, "RunCommand", "127.0.0.1", String.valueOf(server.port()), "me", key.toString(),
                    knownHosts.toString(), "echo hello; exit 3").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the example did not finish");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(3, p.exitValue(), out);
            assertEquals("hello\n", out);
            assertTrue(Files.readString(knownHosts).contains("[127.0.0.1]:" + server.port()), "accept-new recorded the host key");
        }
    }

    @ParameterizedTest
    @EnumSource(Launch.class)
    void sshClientExampleResolvesAHostAliasFromSshConfig(Launch path, @TempDir Path home) throws Exception {
        KeyPair user = SignatureAlgorithms.generate("ssh-ed25519", 0);
        Path ssh = Files.createDirectories(home.resolve(".ssh"));
        OpenSshKeyFile.write(ssh.resolve("id_demo"), user, "me");
        Path ak = home.resolve("authorized_keys");
        Files.writeString(ak, OpenSshKeyFile.publicKeyLine(user.getPublic(), "me") + "\n");
        Portal portal = Portal.builder().publicKeys(AuthorizedKeysChecker.forUser("me", ak)).processSessions(home).build();
        try (SshServer server = SshServer.start("127.0.0.1", 0, TransportConfig.builder().hostKeys(List.of(TestKeys.ed25519()))
                .serverInterface(portal.serverInterface()).build())) {
            // the program's home (ssh(1) and SshClient take it from user.home): an alias with its port, user and key
            Files.writeString(ssh.resolve("config"), "Host demo\n  HostName 127.0.0.1\n  Port " + server.port()
                    + "\n  User me\n  IdentityFile ~/.ssh/id_demo\n  StrictHostKeyChecking accept-new\n");
            ProcessBuilder pb = java(path, List.of("-Duser.home=" + home), "Hello", "demo").redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().remove("SSH_AUTH_SOCK");
            Process p = pb.start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the example did not finish");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.startsWith("Linux "), out);
            assertTrue(Files.readString(ssh.resolve("known_hosts")).contains("127.0.0.1]:" + server.port())
                    || Files.readString(ssh.resolve("known_hosts")).startsWith("|1|"), "accept-new recorded the host key");
        }
    }

    @ParameterizedTest
    @EnumSource(Launch.class)
    void tinyServerExampleRunsCommandsForAuthorizedKeys(Launch path, @TempDir Path dir) throws Exception {
        KeyPair user = SignatureAlgorithms.generate("ssh-ed25519", 0);
        Path ak = dir.resolve("authorized_keys");
        Files.writeString(ak, OpenSshKeyFile.publicKeyLine(user.getPublic(), "me") + "\n");
        Process p = java(path, "TinyServer", "0", "me", ak.toString(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String first = out.readLine();
            assertTrue(first != null && first.startsWith("listening on "), String.valueOf(first));
            int port = Integer.parseInt(first.substring("listening on ".length()));
            try (Transport other = Transport.connect("127.0.0.1", port, TransportConfig.builder().build(),
                    HostKeyVerifier.insecureAcceptAny())) {
                org.junit.jupiter.api.Assertions.assertThrows(AuthenticationException.class,
                        () -> other.authPublickey("someone-else", user));
            }
            try (Transport t = Transport.connect("127.0.0.1", port, TransportConfig.builder().build(),
                    HostKeyVerifier.insecureAcceptAny())) {
                t.authPublickey("me", user);
                ExecResult r = t.exec("pwd; echo hi", Duration.ofSeconds(30));
                assertEquals(dir.toRealPath() + "\nhi\n", r.stdoutText());
                assertEquals(0, r.exitStatus());
            }
        } finally {
            p.getOutputStream().close(); // the example stops when stdin closes
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the server example did not stop");
            assertEquals(0, p.exitValue());
        }
    }

    @ParameterizedTest
    @EnumSource(Launch.class)
    void serverExampleServesItsPolicy(Launch path) throws Exception {
        Process p = java(path, "EchoServer", "0").redirectError(ProcessBuilder.Redirect.DISCARD).start();
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
