package dev.tether.ssh.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs OpenSSH's ssh-keygen for interoperability tests, with bounded waits. */
final class SshKeygen {
    static final Path BINARY = Paths.get("/usr/bin/ssh-keygen");
    private static final long TIMEOUT_SECONDS = 60;

    private SshKeygen() {
    }

    record Result(int exitCode, String stdout, String stderr) {
        Result expectSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("ssh-keygen exited with " + exitCode + ": " + stderr.strip());
            }
            return this;
        }
    }

    static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /** Runs ssh-keygen with {@code args} in {@code dir}, stdin from {@code stdin} (or empty). */
    static Result run(Path dir, Path stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(BINARY.toString());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "keygen-", ".out");
        Path err = Files.createTempFile(dir, "keygen-", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(Paths.get("/dev/null").toFile())
                : ProcessBuilder.Redirect.from(stdin.toFile()));
        Process p = pb.start();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("ssh-keygen did not finish within " + TIMEOUT_SECONDS + "s: " + cmd);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Generates an unencrypted key at {@code dir/name} (and {@code .pub}); returns the private key path. */
    static Path generate(Path dir, String name, String type, int bits) throws IOException, InterruptedException {
        Path key = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("-q", "-N", "", "-t", type, "-C", "test@tether", "-f", key.toString()));
        if (bits > 0) {
            args.add("-b");
            args.add(Integer.toString(bits));
        }
        run(dir, null, args.toArray(new String[0])).expectSuccess();
        return key;
    }
}
