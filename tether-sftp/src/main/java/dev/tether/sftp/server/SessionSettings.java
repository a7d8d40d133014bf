package dev.tether.sftp.server;

import dev.tether.sftp.policy.SftpPolicy;
import java.util.List;
import java.util.Set;

/**
 * What every SFTP and SCP session of one server shares: the policy, read-only mode, umask, the
 * request allow and deny lists (sftp-server's {@code -R -u -p -P}), the handle cap and the
 * SYMLINK compatibility table. Immutable.
 *
 * @param umask applied to the modes of new files and directories, or -1 to leave them to the process's umask
 * @param allowed request names permitted (empty: all), as sftp-server's {@code -p}
 * @param denied request names refused, as sftp-server's {@code -P}
 */
public record SessionSettings(SftpPolicy policy, boolean readOnly, int umask, Set<String> allowed, Set<String> denied,
                              int maxHandles, List<SymlinkCompat.Rule> symlinkRules) {
    public SessionSettings {
        allowed = Set.copyOf(allowed);
        denied = Set.copyOf(denied);
        symlinkRules = List.copyOf(symlinkRules);
    }

    /** Whether sftp-server's -p/-P lists permit a request name. */
    public boolean permitted(String request) {
        if (denied.contains(request)) {
            return false;
        }
        return allowed.isEmpty() || allowed.contains(request);
    }
}
