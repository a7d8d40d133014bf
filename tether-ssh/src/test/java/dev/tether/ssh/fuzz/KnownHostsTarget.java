package dev.tether.ssh.fuzz;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.KnownHosts;
import dev.tether.ssh.keys.KnownHostsEntry;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * known_hosts text (its bytes as UTF-8): plain and hashed ({@code |1|}) host names, pattern lists
 * with {@code !} and wildcards, {@code [host]:port}, {@code @cert-authority} and {@code @revoked}
 * markers and comments, through {@link KnownHosts#parse} (lenient and strict), then
 * {@link KnownHosts#check} for a fixed host on ports 22 and 2222 with fixed keys: Ed25519, ECDSA and
 * RSA host keys and an Ed25519 host certificate from an ECDSA host CA (fuzz-fixtures/, the same keys
 * the seeds list). Errors are {@link SshException}s naming {@code source:line}.
 *
 * <p>Invariants: strict parsing fails exactly when lenient parsing skipped a line; every entry's
 * {@link KnownHostsEntry#toLine} reads back as an entry with the same marker, hosts, type, key and
 * comment; a MATCH names an applicable line listing the key (or, for a certificate, its CA), a
 * REVOKED names a {@code @revoked} line.
 */
public final class KnownHostsTarget {
    private static final String HOST = "server.example.com";
    private static final List<byte[]> KEYS = List.of(
            FuzzFixtures.blob("host_ed25519.pub"), FuzzFixtures.blob("host_ecdsa.pub"), FuzzFixtures.blob("host_rsa.pub"),
            FuzzFixtures.blob("host_ed25519-cert.pub"));
    private static final byte[] HOST_CA = FuzzFixtures.blob("host_ca.pub");

    private KnownHostsTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        KnownHosts known;
        try {
            known = KnownHosts.parse("fuzz", text, false);
        } catch (SshException e) {
            throw new IllegalStateException("lenient parsing threw: " + e.getMessage(), e);
        }
        for (SshException e : known.errors()) {
            if (e.getMessage() == null || !e.getMessage().startsWith("fuzz:")) {
                throw new IllegalStateException("an error does not name the line: " + e.getMessage(), e);
            }
        }
        try {
            KnownHosts strict = KnownHosts.parse("fuzz", text, true);
            if (!known.errors().isEmpty() || strict.entries().size() != known.entries().size()) {
                throw new IllegalStateException("strict parsing accepted what lenient parsing skipped");
            }
        } catch (SshException e) {
            if (known.errors().isEmpty()) {
                throw new IllegalStateException("strict parsing refused what lenient parsing accepted: " + e.getMessage(), e);
            }
        }
        for (KnownHostsEntry e : known.entries()) {
            roundTrip(e);
        }
        for (int port : new int[] {22, 2222}) {
            known.lookup(HOST, port);
            for (byte[] key : KEYS) {
                check(known, port, key);
            }
        }
    }

    private static void roundTrip(KnownHostsEntry e) {
        KnownHosts again;
        try {
            again = KnownHosts.parse("again", e.toLine(), true);
        } catch (SshException ex) {
            throw new IllegalStateException("the line of " + e + " does not read back: " + ex.getMessage(), ex);
        }
        if (again.entries().size() != 1) {
            throw new IllegalStateException("the line of " + e + " reads back as " + again.entries());
        }
        KnownHostsEntry a = again.entries().get(0);
        if (a.marker() != e.marker() || !a.hosts().equals(e.hosts()) || !a.keyType().equals(e.keyType())
                || !Arrays.equals(a.blob(), e.blob()) || !a.comment().equals(e.comment()) || a.isHashed() != e.isHashed()) {
            throw new IllegalStateException("the line of " + e + " reads back as " + a);
        }
    }

    private static void check(KnownHosts known, int port, byte[] key) {
        KnownHosts.Result r;
        try {
            r = known.check(HOST, port, "fuzz", key, FuzzFixtures.NOW);
        } catch (SshException e) {
            throw new IllegalStateException("checking a well-formed fixed key threw: " + e.getMessage(), e);
        }
        String name = KnownHosts.hostKeyName(HOST, port);
        if (!r.hostKeyName().equals(name)) {
            throw new IllegalStateException("looked up " + r.hostKeyName() + " for " + name);
        }
        KnownHostsEntry entry = r.entry();
        switch (r.status()) {
            case MATCH -> {
                if (entry == null || !entry.matches(name) || entry.marker() == KnownHostsEntry.Marker.REVOKED
                        || !(entry.keyEquals(key) || entry.keyEquals(r.plainKey())
                        || (entry.marker() == KnownHostsEntry.Marker.CERT_AUTHORITY && entry.keyEquals(HOST_CA)))) {
                    throw new IllegalStateException("MATCH by " + entry + " for " + name);
                }
            }
            case REVOKED -> {
                if (entry == null || entry.marker() != KnownHostsEntry.Marker.REVOKED || !entry.matches(name)) {
                    throw new IllegalStateException("REVOKED by " + entry + " for " + name);
                }
            }
            case MISMATCH -> {
                if (r.entries().isEmpty()) {
                    throw new IllegalStateException("MISMATCH without an offending line");
                }
            }
            case UNKNOWN -> {
            }
        }
    }
}
