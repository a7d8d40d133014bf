package dev.tether.ssh.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs command-line tools (openssl, puttygen) for interoperability tests, with bounded waits. */
final class Tools {
    private static final long TIMEOUT_SECONDS = 60;

    private Tools() {
    }

    /** A finished command: {@code program} is its first word, for messages. */
    record Result(String program, int exitCode, String stdout, String stderr) {
        Result expectSuccess() {
            if (exitCode != 0) {
                throw new AssertionError(program + " exited with " + exitCode + ": " + stderr.strip());
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
        return run(dir, null, Map.of(), List.of(command));
    }

    /**
     * Runs {@code command} in {@code dir}, stdin from {@code stdin} (null: /dev/null), with
     * {@code env} added to the environment; fails the test if it takes over a minute.
     */
    static Result run(Path dir, Path stdin, Map<String, String> env, List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "tool-", ".out");
        Path err = Files.createTempFile(dir, "tool-", ".err");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from((stdin == null ? Paths.get("/dev/null") : stdin).toFile()));
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(command.get(0) + " did not finish within " + TIMEOUT_SECONDS + "s: " + command);
            }
            return new Result(Paths.get(command.get(0)).getFileName().toString(), p.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
