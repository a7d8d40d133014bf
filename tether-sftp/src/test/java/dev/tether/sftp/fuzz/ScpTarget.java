package dev.tether.sftp.fuzz;

import dev.tether.sftp.SftpServer;
import dev.tether.sftp.policy.SftpRoot;
import dev.tether.ssh.policy.Command;
import dev.tether.ssh.policy.CommandContext;
import dev.tether.ssh.policy.Login;
import dev.tether.ssh.common.PtyRequest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The SCP server ({@code scp -t}, the sink, and {@code scp -f}, the source) as
 * {@link SftpServer#scpCommand} runs it for OpenSSH's {@code scp -O}, on a jimfs directory, fed
 * the client's stream: C, D, E and T records (and status bytes for the source) until the input
 * ends.
 *
 * <p>Input: one byte, then the client's stream. The byte's low three bits pick the command line
 * ({@link #LINES}); bit 3 serves the directory as a jail (with links in it that point out of it),
 * else on the host's view of the file system, where only the record checks keep the files in
 * place (a name that is {@code ..}, empty, or has a slash must be refused); bit 4 makes the
 * server read-only.
 *
 * <p>The command may throw only {@link IOException} (the client's streams). Then: nothing outside
 * the directory was created, changed or removed, and the exit status is 0 or 1.
 */
public final class ScpTarget {
    /** The command lines, for the directory {@code /srv/target} as the host sees it. */
    static final List<String> LINES = List.of(
            "scp -t /srv/target",
            "scp -r -t /srv/target",
            "scp -r -p -t /srv/target",
            "scp -d -t /srv/target",
            "scp -p -t /srv/target/new.txt",
            "scp -r -d -t /srv/target/dir",
            "scp -f /srv/target/hello.txt /srv/target/dir/a.bin",
            "scp -r -p -f /srv/target");

    private ScpTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length == 0) {
            return;
        }
        int flags = data[0] & 0xff;
        boolean jail = (flags & 8) != 0;
        String line = LINES.get(flags & 7);
        if (jail) {
            line = line.replace("/srv/target", "");
            line = line.endsWith(" ") || line.endsWith("-t") || line.endsWith("-f") ? line + " /" : line;
        }
        byte[] stream = Arrays.copyOfRange(data, 1, data.length);
        try (FileSystem fs = FuzzFiles.newFileSystem()) {
            Path dir = fs.getPath("/srv/target");
            FuzzFiles.populate(dir, jail);
            Map<String, String> before = FuzzFiles.outside(fs, dir);
            SftpServer server = SftpServer.builder().root(jail ? SftpRoot.jail(dir) : SftpRoot.host(dir))
                    .readOnly((flags & 16) != 0).build();
            Command command = server.scpCommand(line);
            if (command == null) {
                throw new IllegalStateException("not an SCP command line: " + line);
            }
            int status;
            try {
                status = command.run(new Context(line, new ByteArrayInputStream(stream)));
            } catch (IOException e) {
                status = 1;
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("the SCP command threw " + e, e);
            }
            if (status != 0 && status != 1) {
                throw new IllegalStateException("exit status " + status);
            }
            FuzzFiles.checkUntouched(before, FuzzFiles.outside(fs, dir), "the SCP server (" + line + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("the fuzz file system failed", e);
        }
    }

    /** A session channel's command context: the client's stream in, the server's output discarded. */
    private record Context(String command, InputStream stdin) implements CommandContext {
        @Override
        public OutputStream stdout() {
            return new ByteArrayOutputStream();
        }

        @Override
        public OutputStream stderr() {
            return OutputStream.nullOutputStream();
        }

        @Override
        public PtyRequest terminal() {
            return null;
        }

        @Override
        public Map<String, String> environment() {
            return Map.of();
        }

        @Override
        public Login login() {
            return null;
        }

        @Override
        public void onSignal(Consumer<String> listener) {
        }

        @Override
        public void onWindowChange(Consumer<PtyRequest> listener) {
        }
    }
}
