package dev.tether.ssh.keys;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link HostKeyVerifier} backed by known_hosts files, with OpenSSH's
 * {@code StrictHostKeyChecking} behaviour. The files are re-read on every verification, so keys
 * added by other programs (or other connections) are seen.
 *
 * <ul>
 *   <li>A known key (or a valid host certificate from a trusted CA) is accepted in every mode.</li>
 *   <li>A revoked key is refused in every mode, as ssh(1) refuses it.</li>
 *   <li>A changed key (a different key of the same type is known) is refused by {@link Mode#STRICT}
 *       and {@link Mode#ACCEPT_NEW} with an {@link SshException} carrying OpenSSH's
 *       "REMOTE HOST IDENTIFICATION HAS CHANGED" warning, the new key's fingerprint and the
 *       {@code file:line} of the known key; {@link Mode#OFF} logs that warning and accepts, without
 *       recording the new key.</li>
 *   <li>An unknown key is refused by {@link Mode#STRICT}; {@link Mode#ACCEPT_NEW} and
 *       {@link Mode#OFF} append it to the writable file (the plain key, for a certificate) and
 *       accept. A failed append is logged and the key still accepted, as ssh(1) does.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe; {@code with...} methods return modified copies.
 */
public final class KnownHostsVerifier implements HostKeyVerifier {
    private static final Logger log = LoggerFactory.getLogger(KnownHostsVerifier.class);

    /** OpenSSH's {@code StrictHostKeyChecking}. */
    public enum Mode {
        /** {@code yes}: only known keys are accepted. */
        STRICT,
        /** {@code accept-new}: unknown hosts are added and accepted; changed keys are refused. */
        ACCEPT_NEW,
        /** {@code no}: unknown hosts are added; changed keys are accepted with a warning. */
        OFF
    }

    private final Path file;
    private final Mode mode;
    private final boolean hash;
    private final List<Path> readOnlyFiles;
    private final Clock clock;

    private KnownHostsVerifier(Path file, Mode mode, boolean hash, List<Path> readOnlyFiles, Clock clock) {
        this.file = Objects.requireNonNull(file, "file");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.hash = hash;
        this.readOnlyFiles = List.copyOf(readOnlyFiles);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A verifier reading and (for ACCEPT_NEW and OFF) appending to {@code file}, such as
     * {@code ~/.ssh/known_hosts}. New entries are written with plain host names.
     *
     * @param file the known_hosts file
     * @param mode how unknown and changed keys are handled
     * @return the verifier
     */
    public static KnownHostsVerifier of(Path file, Mode mode) {
        return new KnownHostsVerifier(file, mode, false, List.of(), Clock.systemUTC());
    }

    /**
     * A copy that writes new entries with hashed host names ({@code HashKnownHosts yes}).
     *
     * @param hashNewEntries whether new entries get hashed host names
     * @return a new verifier
     */
    public KnownHostsVerifier withHashing(boolean hashNewEntries) {
        return new KnownHostsVerifier(file, mode, hashNewEntries, readOnlyFiles, clock);
    }

    /**
     * A copy that also trusts these files, read after the main one and never written (as ssh(1)
     * reads {@code /etc/ssh/ssh_known_hosts}).
     *
     * @param files the read-only files, in order; replaces any given before
     * @return a new verifier
     */
    public KnownHostsVerifier withReadOnlyFiles(Path... files) {
        return new KnownHostsVerifier(file, mode, hash, List.of(files), clock);
    }

    /**
     * A copy using this clock for certificate validity.
     *
     * @param c the clock
     * @return a new verifier
     */
    public KnownHostsVerifier withClock(Clock c) {
        return new KnownHostsVerifier(file, mode, hash, readOnlyFiles, c);
    }

    /**
     * The file read, and written for new hosts.
     *
     * @return the known_hosts file
     */
    public Path file() {
        return file;
    }

    /**
     * How unknown and changed keys are handled.
     *
     * @return the mode
     */
    public Mode mode() {
        return mode;
    }

    @Override
    public boolean verify(String host, int port, String algorithm, byte[] hostKeyBlob) throws SshException {
        List<Path> files = new ArrayList<>();
        files.add(file);
        files.addAll(readOnlyFiles);
        KnownHosts kh;
        try {
            kh = KnownHosts.load(files.toArray(new Path[0]));
        } catch (IOException e) {
            throw new SshException(DisconnectReason.HOST_KEY_NOT_VERIFIABLE,
                    "cannot read the known hosts files " + files + ": " + e.getMessage() + "\nHost key verification failed.", e);
        }
        KnownHosts.Result r = kh.check(host, port, algorithm, hostKeyBlob, clock.instant());
        switch (r.status()) {
            case MATCH -> {
                log.debug("{}", r.message());
                return true;
            }
            case REVOKED -> throw new SshException(DisconnectReason.HOST_KEY_NOT_VERIFIABLE,
                    r.message() + "\nHost key verification failed.");
            case MISMATCH -> {
                if (mode == Mode.OFF) {
                    log.warn("{}\nStrictHostKeyChecking is off: connecting anyway; the changed key is not recorded.",
                            r.message());
                    return true;
                }
                throw new SshException(DisconnectReason.HOST_KEY_NOT_VERIFIABLE, r.message() + "\nHost key for "
                        + r.hostKeyName() + " has changed and you have requested strict checking.\nHost key verification failed.");
            }
            case UNKNOWN -> {
                if (mode == Mode.STRICT) {
                    throw new SshException(DisconnectReason.HOST_KEY_NOT_VERIFIABLE, r.message() + "\nNo "
                            + r.keyType() + " host key is known for " + r.hostKeyName()
                            + " and you have requested strict checking.\nHost key verification failed.");
                }
                try {
                    KnownHosts.append(file, host, port, r.plainKey(), hash);
                    log.warn("Warning: Permanently added '{}' ({}) to the list of known hosts ({}).", r.hostKeyName(),
                            r.keyType(), file);
                } catch (IOException e) {
                    log.warn("Failed to add the host {} to the list of known hosts ({}): {}", r.hostKeyName(), file,
                            e.toString());
                }
                return true;
            }
            default -> throw new AssertionError(r.status());
        }
    }

    @Override
    public String toString() {
        return "KnownHostsVerifier[" + file + ", " + mode + (hash ? ", hashed" : "") + "]";
    }
}
