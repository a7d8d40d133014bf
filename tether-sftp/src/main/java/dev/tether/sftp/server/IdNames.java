package dev.tether.sftp.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * User and group names by numeric id, for {@code users-groups-by-id@openssh.com}, read from
 * {@code /etc/passwd} and {@code /etc/group} (the JDK has no getpwuid). An unknown id maps to the
 * empty string, as OpenSSH sends it. The files are read once per minute at most. Thread-safe.
 */
final class IdNames {
    private static Map<Integer, String> users = Map.of();
    private static Map<Integer, String> groups = Map.of();
    private static long loadedAt;

    private IdNames() {
    }

    static synchronized String user(int uid) {
        load();
        return users.getOrDefault(uid, "");
    }

    static synchronized String group(int gid) {
        load();
        return groups.getOrDefault(gid, "");
    }

    private static void load() {
        long now = System.nanoTime();
        if (loadedAt != 0 && now - loadedAt < 60_000_000_000L) {
            return;
        }
        loadedAt = now;
        users = read(Path.of("/etc/passwd"));
        groups = read(Path.of("/etc/group"));
    }

    private static Map<Integer, String> read(Path file) {
        Map<Integer, String> m = new HashMap<>();
        try {
            List<String> lines = Files.readAllLines(file);
            for (String line : lines) {
                String[] f = line.split(":", -1);
                if (f.length >= 3) {
                    try {
                        m.putIfAbsent(Integer.parseUnsignedInt(f[2]), f[0]);
                    } catch (NumberFormatException e) {
                        // not an entry
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // no such database here: every id is unknown
        }
        return m;
    }
}
