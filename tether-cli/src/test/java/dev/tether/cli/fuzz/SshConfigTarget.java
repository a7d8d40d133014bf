package dev.tether.cli.fuzz;

import dev.tether.cli.ConfigFuzzing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * ssh_config(5) as {@code tether ssh -F FILE alice@web1.example.org} reads it: the input is the
 * file's text (Host and Match blocks, % tokens, Include, quotes, {@code =}, any keyword), written
 * to {@code config} in a private temporary directory that also holds {@code inc/extra.conf} and
 * {@code inc/other.conf} for relative Includes to find; it is read, resolved for the destination
 * and its forwardings parsed.
 *
 * <p>Only the configuration error ({@code ConfigException}) and {@link IOException}
 * may escape the reader; an error's message must name the file and the line. An Include of
 * {@code /dev/zero} or of a FIFO must not hang.
 */
public final class SshConfigTarget {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("sshconfig-fuzz");
            DIR.toFile().deleteOnExit();
            Files.createDirectories(DIR.resolve("inc"));
            Files.writeString(DIR.resolve("inc/extra.conf"), "Host web*\n  User deploy\n  Port 2222\nHost *\n  ServerAliveInterval 30\n");
            Files.writeString(DIR.resolve("inc/other.conf"), "Match user alice\n  IdentityFile ~/.ssh/id_%r@%h\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private SshConfigTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        Path file = DIR.resolve("config");
        try {
            Files.write(file, data);
            String error;
            try {
                error = ConfigFuzzing.sshConfig(file, DIR, "web1.example.org", "alice");
            } catch (IOException e) {
                return; // an Include that cannot be read: ssh exits with it
            }
            if (error != null && !(error.contains(DIR.toString()) && error.matches("(?s).*line \\d+.*"))) {
                throw new IllegalStateException("a configuration error that does not name the file and line: " + error);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the fuzz config", e);
        } finally {
            cleanUp();
        }
    }

    /** Removes anything but the fixed files (nothing the reader does should create any). */
    private static void cleanUp() {
        try (Stream<Path> s = Files.walk(DIR)) {
            s.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(DIR) && !p.startsWith(DIR.resolve("inc")) && !p.endsWith("config"))
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
