package dev.tether.cli.fuzz;

import dev.tether.cli.ConfigFuzzing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * sshd_config(5) as {@code tether server --config FILE} reads it: the input is the file's text
 * (global keywords, Match User/Address/Host/All blocks, quotes, {@code =}), read into the
 * server's settings, then evaluated for a connection of {@code alice} from {@code 10.1.2.3}
 * (and of {@code root} from {@code ::1}): listen addresses, limits, validators, subsystems and
 * the login policy.
 *
 * <p>Only the configuration error ({@code SshdConfig.ConfigException}) may escape; its message
 * must start with {@code FILE:LINE:}.
 */
public final class SshdConfigTarget {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("sshdconfig-fuzz");
            DIR.toFile().deleteOnExit();
            Files.createDirectories(DIR.resolve("home"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private SshdConfigTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        Path file = DIR.resolve("sshd_config");
        try {
            Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the fuzz config", e);
        }
        String error = ConfigFuzzing.sshdConfig(file, DIR.resolve("home"), "alice", "10.1.2.3");
        if (error != null && !error.matches("(?s)" + java.util.regex.Pattern.quote(file.toString()) + ":\\d+: .*")) {
            throw new IllegalStateException("a configuration error that does not start with FILE:LINE: " + error);
        }
    }
}
