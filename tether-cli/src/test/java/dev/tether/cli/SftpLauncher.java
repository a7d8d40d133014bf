package dev.tether.cli;

import dev.tether.testkit.TetherCli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A shell script that runs {@code tether sftp-server} in a child JVM on this test's class path
 * ({@link TetherCli#command}), for OpenSSH to start: {@code sftp -D SCRIPT} or sshd's
 * {@code Subsystem sftp SCRIPT}. It sets HOME, passes its arguments on, and appends the server's
 * stderr to a file, so that the test sees what the server printed besides the SFTP stream.
 */
final class SftpLauncher {
    private SftpLauncher() {
    }

    /**
     * Writes the script {@code dir/tether-sftp-server}.
     *
     * @param home   HOME for the server
     * @param stderr the file its stderr is appended to
     */
    static Path write(Path dir, Path home, Path stderr) throws IOException {
        List<String> cmd = TetherCli.command("sftp-server");
        String script = "#!/bin/sh\n"
                + "HOME=" + quote(home.toString()) + "; export HOME\n"
                + "exec " + cmd.stream().map(SftpLauncher::quote).collect(Collectors.joining(" ")) + " \"$@\" 2>>"
                + quote(stderr.toString()) + "\n";
        Path p = Files.writeString(dir.resolve("tether-sftp-server"), script);
        if (!p.toFile().setExecutable(true, false)) {
            throw new IOException("cannot make " + p + " executable");
        }
        return p;
    }

    /** Single-quoted for sh. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** SHA-256 of a file, in hex. */
    static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A file of {@code size} bytes from a seeded generator. */
    static Path randomFile(Path file, int size, long seed) throws IOException {
        byte[] data = new byte[size];
        new java.util.Random(seed).nextBytes(data);
        return Files.write(file, data);
    }
}
