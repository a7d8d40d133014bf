package dev.tether.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.protocol.FileAttributes;
import dev.tether.sftp.protocol.SftpConstants;
import dev.tether.sftp.protocol.SftpRequest;
import dev.tether.sftp.protocol.SftpResponse;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.keys.HostKeyVerifier;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's SFTP server example, extracted from README.md, compiled against the library and
 * run as a program: a client uploads into its jail, and the example's policy refuses a removal
 * with its own message.
 */
class ReadmeSftpExampleTest {
    @TempDir
    Path dir;

    @Test
    void theJailedSftpServerExampleServesItsJailAndPolicy() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        String source = null;
        while (block.find()) {
            if (block.group(1).contains("public class JailedSftpServer")) {
                source = block.group(1);
            }
        }
        assertTrue(source != null, "README.md has the JailedSftpServer example");
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Path file = classes.resolve("JailedSftpServer.java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, "-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                "--release", "17", file.toString()), "the README example must compile");

        Path jail = Files.createDirectories(dir.resolve("jail"));
        Files.writeString(jail.resolve("keep.txt"), "keep");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", classes + File.pathSeparator + System.getProperty("java.class.path"),
                "JailedSftpServer", "0", jail.toString()).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("CLASSPATH");
        Process p = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String first = out.readLine();
            assertTrue(first != null && first.startsWith("listening on "), String.valueOf(first));
            int port = Integer.parseInt(first.substring("listening on ".length()));
            Transport t = Transport.connect("127.0.0.1", port, TransportConfig.builder().build(), HostKeyVerifier.insecureAcceptAny());
            t.authPassword("demo", "secret");
            try (RawSftp raw = new RawSftp(t)) {
                byte[] h = RawSftp.handle(raw.call(new SftpRequest.Open(raw.nextId(), "/up.txt",
                        SftpConstants.SSH_FXF_WRITE | SftpConstants.SSH_FXF_CREAT | SftpConstants.SSH_FXF_TRUNC, FileAttributes.EMPTY)));
                byte[] data = "uploaded".getBytes(StandardCharsets.UTF_8);
                assertEquals(SftpConstants.SSH_FX_OK, RawSftp.status(raw.call(new SftpRequest.Write(raw.nextId(), h, 0, data, 0, data.length))));
                assertEquals(SftpConstants.SSH_FX_OK, RawSftp.status(raw.call(new SftpRequest.Close(raw.nextId(), h))));
                assertEquals("uploaded", Files.readString(jail.resolve("up.txt")));
                SftpResponse refused = raw.call(new SftpRequest.PathRequest(SftpConstants.SSH_FXP_REMOVE, raw.nextId(), "/keep.txt"));
                assertEquals(SftpConstants.SSH_FX_PERMISSION_DENIED, RawSftp.status(refused));
                assertEquals("nothing is ever deleted here", ((SftpResponse.Status) refused).message());
                assertTrue(Files.exists(jail.resolve("keep.txt")));
            }
        } finally {
            p.getOutputStream().close(); // the example stops when stdin closes
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the example did not stop");
        }
        assertEquals(0, p.exitValue());
    }

    @Test
    void theFetchExampleDownloadsThroughAnSshConfigAlias() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        String source = null;
        while (block.find()) {
            if (block.group(1).contains("public class Fetch")) {
                source = block.group(1);
            }
        }
        assertTrue(source != null, "README.md has the Fetch example");
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Path file = classes.resolve("Fetch.java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, "-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                "--release", "17", file.toString()), "the README example must compile");

        Path root = Files.createDirectories(dir.resolve("root"));
        byte[] data = new byte[300_000];
        new java.util.Random(7).nextBytes(data);
        Files.write(root.resolve("report.bin"), data);
        try (SftpTestServer server = new SftpTestServer(dir, SftpServer.builder().root(dev.tether.sftp.policy.SftpRoot.jail(root)).build())) {
            // the program's home: a Host alias with the server's port, user and key, as ~/.ssh/config
            Path home = Files.createDirectories(dir.resolve("home/.ssh")).getParent();
            Files.writeString(home.resolve(".ssh/config"), "Host files\n  HostName 127.0.0.1\n  Port " + server.port()
                    + "\n  User " + SftpTestServer.USER + "\n  IdentityFile " + server.clientKey
                    + "\n  StrictHostKeyChecking accept-new\n");
            Path local = dir.resolve("report-copy.bin");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "-Duser.home=" + home, "-cp",
                    classes + File.pathSeparator + System.getProperty("java.class.path"), "Fetch", "files", "/report.bin",
                    local.toString()).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().remove("CLASSPATH");
            pb.environment().remove("SSH_AUTH_SOCK");
            Process p = pb.start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the example did not finish");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            assertEquals(data.length + " bytes\n", out);
            org.junit.jupiter.api.Assertions.assertArrayEquals(data, Files.readAllBytes(local));
        }
    }
}
