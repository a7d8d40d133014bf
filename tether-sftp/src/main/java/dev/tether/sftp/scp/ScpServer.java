package dev.tether.sftp.scp;

import dev.tether.sftp.policy.SftpRoot;
import dev.tether.sftp.server.SessionSettings;
import dev.tether.ssh.policy.Command;
import dev.tether.ssh.policy.Login;
import java.util.function.Function;

/**
 * The server side of the legacy SCP protocol ({@code scp -t} sink, {@code scp -f} source), on
 * the same {@link dev.tether.sftp.server.FileView} seam as SFTP. Placeholder until the SCP
 * engine lands: no command line is recognised yet.
 */
public final class ScpServer {
    private ScpServer() {
    }

    /** The in-process command for an {@code scp -t}/{@code scp -f} command line, or null for any other. */
    public static Command command(String commandLine, SessionSettings settings, Function<Login, SftpRoot> roots) {
        return null;
    }
}
