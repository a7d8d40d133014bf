package dev.tether.ssh.kex;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a group exchange server (RFC 4419 §3) finds the group it sends: either the built-in
 * RFC 3526 groups 14–18 (2048 to 8192 bits) or the groups of an OpenSSH {@code moduli} file.
 */
final class DhGroupSource {
    /** No group below this size is ever offered or accepted (RFC 8270). */
    static final int MIN_BITS = 2048;

    private final List<DhGroup> groups;

    private DhGroupSource(List<DhGroup> groups) {
        this.groups = List.copyOf(groups);
    }

    /** RFC 3526 groups 14, 15, 16, 17 and 18. */
    static DhGroupSource builtIn() {
        return new DhGroupSource(ModpGroups.ALL);
    }

    /** The groups of an explicit list; for tests. */
    static DhGroupSource of(List<DhGroup> groups) {
        return new DhGroupSource(groups);
    }

    /**
     * The usable groups of a moduli file (see {@link ModuliFile}). Fails if the file is malformed
     * or holds no safe prime of at least {@value #MIN_BITS} bits.
     */
    static DhGroupSource moduliFile(Path file) throws IOException {
        List<DhGroup> usable = new ArrayList<>();
        for (DhGroup g : ModuliFile.read(file)) {
            if (g.bits() >= MIN_BITS) {
                usable.add(g);
            }
        }
        if (usable.isEmpty()) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, "moduli file " + file
                    + " holds no usable group (a tested safe prime of at least " + MIN_BITS + " bits)");
        }
        return new DhGroupSource(usable);
    }

    List<DhGroup> groups() {
        return groups;
    }

    /**
     * The group to send for a request of {@code [min, max]} bits preferring {@code preferred}:
     * among groups whose size lies in {@code [max(min, 2048), max]}, the smallest size at least
     * {@code preferred}, or failing that the largest size below it; among several groups of that
     * size, one chosen at random (as sshd does). Null if no group fits.
     */
    DhGroup choose(long min, long preferred, long max, SecureRandom random) {
        long lo = Math.max(min, MIN_BITS);
        int best = -1;
        for (DhGroup g : groups) {
            int bits = g.bits();
            if (bits < lo || bits > max) {
                continue;
            }
            if (best < 0
                    || (best < preferred && bits > best)
                    || (bits >= preferred && bits < best)) {
                best = bits;
            }
        }
        if (best < 0) {
            return null;
        }
        List<DhGroup> same = new ArrayList<>();
        for (DhGroup g : groups) {
            if (g.bits() == best) {
                same.add(g);
            }
        }
        return same.get(random.nextInt(same.size()));
    }
}
