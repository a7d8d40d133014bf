package dev.tether.ssh.fuzz;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * The fixed keys and certificates the key file targets check their inputs against, from
 * {@code src/test/resources/fuzz-fixtures/} (made by {@code fuzz-seeds/make_key_seeds.py} together
 * with the seeds that mention them).
 */
final class FuzzFixtures {
    /** When certificates are checked: inside the seeds' validity window (2025 to 2035). */
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    private FuzzFixtures() {
    }

    /** The text of a fixture file. */
    static String text(String name) {
        try (InputStream in = FuzzFixtures.class.getResourceAsStream("/fuzz-fixtures/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing fuzz fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The blob of a {@code .pub} fixture ({@code TYPE BASE64 COMMENT}). */
    static byte[] blob(String name) {
        return Base64.getDecoder().decode(text(name).split(" ")[1]);
    }
}
