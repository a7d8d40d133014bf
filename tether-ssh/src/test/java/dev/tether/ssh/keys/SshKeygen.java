package dev.tether.ssh.keys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs OpenSSH's ssh-keygen for interoperability tests, with bounded waits. */
final class SshKeygen {
    static final Path BINARY = Paths.get("/usr/bin/ssh-keygen");

    private SshKeygen() {
    }

    static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /** Runs ssh-keygen with {@code args} in {@code dir}, stdin from {@code stdin} (or empty). */
    static Tools.Result run(Path dir, Path stdin, String... args) throws IOException, InterruptedException {
        return run(dir, stdin, Map.of(), args);
    }

    /** {@link #run(Path, Path, String...)} with {@code env} added to ssh-keygen's environment. */
    static Tools.Result run(Path dir, Path stdin, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(BINARY.toString());
        cmd.addAll(List.of(args));
        return Tools.run(dir, stdin, env, cmd);
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
