package dev.tether.ssh.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs command-line tools (openssl, puttygen) for interoperability tests, with bounded waits. */
final class Tools {
    private static final long TIMEOUT_SECONDS = 60;

    private Tools() {
    }

    record Result(int exitCode, String stdout, String stderr) {
        Result expectSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("command exited with " + exitCode + ": " + stderr.strip());
            }
            return this;
        }
    }

    /** The first executable {@code name} on the PATH (or in /usr/bin), or null. */
    static Path find(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.add("/usr/bin");
        for (String d : dirs) {
            if (!d.isEmpty()) {
                Path p = Paths.get(d, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** Runs {@code command} in {@code dir} with stdin from /dev/null. */
    static Result run(Path dir, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "tool-", ".out");
        Path err = Files.createTempFile(dir, "tool-", ".err");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Paths.get("/dev/null").toFile()));
        Process p = pb.start();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(command[0] + " did not finish within " + TIMEOUT_SECONDS + "s: " + List.of(command));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
