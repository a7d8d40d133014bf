package dev.tether.ssh.testutil;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The OpenSSH programs the interop tests run as peers, ssh-keygen key files, and a private ssh-agent. */
public final class OpenSsh {
    public static final Path SSH = Path.of("/usr/bin/ssh");
    public static final Path SSHD = Path.of("/usr/sbin/sshd");
    public static final Path SSH_KEYGEN = Path.of("/usr/bin/ssh-keygen");
    public static final Path SSH_AGENT = Path.of("/usr/bin/ssh-agent");
    public static final Path SSH_ADD = Path.of("/usr/bin/ssh-add");

    private static final Duration KEYGEN_TIMEOUT = Duration.ofSeconds(60);

    private OpenSsh() {
    }

    // ------------------------------------------------------------------ key files

    /** A key pair in OpenSSH's own format, its comment the file name: {@link #keygen(Path, String, String, int, boolean, String)}. */
    public static Path keygen(Path dir, String name, String type, int bits) throws IOException {
        return keygen(dir, name, type, bits, false, name);
    }

    /** A key pair, in PEM if {@code pem}, its comment the file name: {@link #keygen(Path, String, String, int, boolean, String)}. */
    public static Path keygen(Path dir, String name, String type, int bits, boolean pem) throws IOException {
        return keygen(dir, name, type, bits, pem, name);
    }

    /**
     * {@code ssh-keygen -q -N "" -t TYPE [-b BITS] [-m PEM] -C COMMENT -f DIR/NAME}: an
     * unencrypted key pair; returns the private key path (the public key is PATH.pub).
     */
    public static Path keygen(Path dir, String name, String type, int bits, boolean pem, String comment) throws IOException {
        Path key = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of(SSH_KEYGEN.toString(), "-q", "-N", "", "-t", type));
        if (bits > 0) {
            cmd.addAll(List.of("-b", Integer.toString(bits)));
        }
        if (pem) {
            cmd.addAll(List.of("-m", "PEM"));
        }
        cmd.addAll(List.of("-C", comment, "-f", key.toString()));
        Processes.Result r = Processes.run(cmd, Processes.withoutAgent(Map.of()), null, dir, KEYGEN_TIMEOUT);
        if (r.exitCode() != 0) {
            throw new IOException("ssh-keygen failed: " + r.describe());
        }
        return key;
    }

    /** The first line of a key's .pub file, without its trailing newline. */
    public static String pubLine(Path key) throws IOException {
        return Files.readString(Path.of(key + ".pub"), StandardCharsets.US_ASCII).strip();
    }

    /** The base64-decoded key field of a public key (or certificate) line: the SSH wire blob. */
    public static byte[] blobOf(String line) {
        return Base64.getDecoder().decode(line.strip().split("\\s+")[1]);
    }

    /** The SSH wire blob of a public key file ({@code TYPE BASE64 COMMENT}): the decoded base64 field. */
    public static byte[] publicKeyBlob(Path pubFile) throws IOException {
        String[] f = Files.readString(pubFile, StandardCharsets.US_ASCII).trim().split("\\s+");
        if (f.length < 2) {
            throw new IOException("not a public key file: " + pubFile);
        }
        return Base64.getDecoder().decode(f[1]);
    }

    /** The key type field of a public key file, e.g. {@code ecdsa-sha2-nistp384}. */
    public static String publicKeyType(Path pubFile) throws IOException {
        return Files.readString(pubFile, StandardCharsets.US_ASCII).trim().split("\\s+")[0];
    }

    // ------------------------------------------------------------------ ssh-agent

    /**
     * Starts {@code ssh-agent -D -a SOCKET} (its stderr to {@code errFile}) and returns it once it
     * has printed its {@code SSH_AUTH_SOCK=SOCKET;} line, which it does after it has bound the
     * socket and listens. Its stdout is drained until it exits.
     *
     * @throws IOException if it does not get that far within {@code timeout}; it is killed then
     */
    public static Process startAgent(Path socket, Path errFile, Duration timeout) throws IOException {
        Process p = new ProcessBuilder(SSH_AGENT.toString(), "-D", "-a", socket.toString())
                .redirectError(errFile.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        CompletableFuture<String> firstLine = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line = r.readLine();
                firstLine.complete(line == null ? "" : line);
                while (r.readLine() != null) {
                    // drain until the agent exits
                }
            } catch (IOException e) {
                firstLine.completeExceptionally(e);
            }
        }, "ssh-agent-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            String line = firstLine.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!line.startsWith("SSH_AUTH_SOCK=" + socket + ";")) {
                throw new IOException("ssh-agent did not start: \"" + line + "\" " + Files.readString(errFile).strip());
            }
            if (!Files.exists(socket)) {
                throw new IOException("ssh-agent reported " + socket + " but it does not exist");
            }
            return p;
        } catch (InterruptedException e) {
            Processes.kill(p);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting ssh-agent", e);
        } catch (ExecutionException | TimeoutException | IOException e) {
            Processes.kill(p);
            throw new IOException("ssh-agent did not become ready within " + timeout.toSeconds() + "s", e);
        }
    }
}
