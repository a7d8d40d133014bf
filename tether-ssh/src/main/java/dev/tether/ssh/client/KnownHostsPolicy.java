package dev.tether.ssh.client;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.KnownHosts;
import dev.tether.ssh.keys.KnownHostsEntry;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * ssh(1)'s host key check, for each {@link StrictHostKeyChecking} value: the key is looked up in
 * the UserKnownHostsFiles and GlobalKnownHostsFiles (under {@code HostKeyAlias} when set); a
 * matching key (or a host certificate signed by a {@code @cert-authority}) is accepted; a
 * {@code @revoked} key is always refused; a changed key is refused unless the policy is
 * {@link StrictHostKeyChecking#NO}; an unknown key is refused ({@code YES}), offered to
 * {@link ClientPrompts#confirmHostKey} ({@code ASK}), or accepted ({@code ACCEPT_NEW}, {@code NO}).
 * An accepted unknown key is appended to the first UserKnownHostsFile, under an exclusive file
 * lock so that concurrent clients do not interleave lines ({@link KnownHosts#append}), hashed when
 * {@code HashKnownHosts} is on. Refusals are {@link HostKeyException}s with OpenSSH's messages.
 *
 * <p>Threading: stateless between calls; the files are read afresh for each verification.
 */
public final class KnownHostsPolicy implements HostKeyVerifier {
    private final List<Path> userFiles;
    private final List<Path> globalFiles;
    private final StrictHostKeyChecking policy;
    private final boolean hash;
    private final String alias;
    private final boolean quiet;
    private final ClientPrompts prompts;

    /**
     * A policy over these files. The files are not read here, only when a key is checked.
     *
     * @param userFiles   UserKnownHostsFile: the first is where new keys are written (at least one)
     * @param globalFiles GlobalKnownHostsFile: read only
     * @param policy      what to do with unknown and changed keys
     * @param hash        HashKnownHosts: hash the names of keys added
     * @param alias       HostKeyAlias, or null: the name keys are looked up and stored under
     * @param quiet       no warnings ({@code LogLevel QUIET})
     * @param prompts     asked about unknown keys under {@code ASK}, told about keys added
     * @throws IllegalArgumentException if {@code userFiles} is empty
     */
    public KnownHostsPolicy(List<Path> userFiles, List<Path> globalFiles, StrictHostKeyChecking policy, boolean hash,
                            String alias, boolean quiet, ClientPrompts prompts) {
        if (userFiles.isEmpty()) {
            throw new IllegalArgumentException("at least one UserKnownHostsFile is needed");
        }
        this.userFiles = List.copyOf(userFiles);
        this.globalFiles = List.copyOf(globalFiles);
        this.policy = policy;
        this.hash = hash;
        this.alias = alias;
        this.quiet = quiet;
        this.prompts = prompts;
    }

    /**
     * The policy the settings name: their known_hosts files, StrictHostKeyChecking,
     * HashKnownHosts and HostKeyAlias, quiet when their {@code LogLevel} is.
     *
     * @param s       the settings
     * @param prompts asked about unknown keys under {@code ASK}, told about keys added
     * @return the policy
     */
    public static KnownHostsPolicy of(ClientSettings s, ClientPrompts prompts) {
        return new KnownHostsPolicy(s.knownHosts(), s.globalKnownHosts(), s.strictHostKeyChecking(), s.hashKnownHosts(),
                s.hostKeyAlias(), s.quiet(), prompts);
    }

    /**
     * The key types known for the host, so that the client can prefer their algorithms as ssh(1)
     * does. Looked up under {@code HostKeyAlias} (without a port) when one is set.
     *
     * @param host the host name
     * @param port the port
     * @return the key types named on the known_hosts lines for the host, whatever their marker
     *         (such as {@code ssh-ed25519}), in file order; empty if there are none or the files
     *         cannot be read
     */
    public Set<String> knownKeyTypes(String host, int port) {
        Set<String> out = new LinkedHashSet<>();
        try {
            for (KnownHostsEntry e : load().lookup(name(host), alias != null ? 0 : port)) {
                out.add(e.keyType());
            }
        } catch (IOException | RuntimeException e) {
            // no preference then
        }
        return out;
    }

    private String name(String host) {
        return alias != null ? alias : host;
    }

    private KnownHosts load() throws IOException {
        List<Path> all = new ArrayList<>(userFiles);
        all.addAll(globalFiles);
        return KnownHosts.load(all.toArray(new Path[0]));
    }

    @Override
    public boolean verify(String host, int port, String algorithm, byte[] hostKeyBlob) throws SshException {
        String h = name(host);
        int p = alias != null ? 0 : port;
        KnownHosts.Result r;
        try {
            r = load().check(h, p, algorithm, hostKeyBlob);
        } catch (IOException e) {
            throw new HostKeyException(HostKeyException.Kind.UNREADABLE, KnownHosts.hostKeyName(h, p),
                    "cannot read the known hosts files: " + e.getMessage() + "\nHost key verification failed.");
        }
        switch (r.status()) {
            case MATCH -> {
                return true;
            }
            case REVOKED -> throw new HostKeyException(HostKeyException.Kind.REVOKED, r.hostKeyName(),
                    r.message() + "\nHost key verification failed.");
            case MISMATCH -> {
                if (policy == StrictHostKeyChecking.NO) {
                    warn(r.message() + "\nStrictHostKeyChecking is off: connecting anyway; the changed key is not recorded.");
                    return true;
                }
                throw new HostKeyException(HostKeyException.Kind.CHANGED, r.hostKeyName(), r.message()
                        + "\nHost key for " + r.hostKeyName() + " has changed and you have requested strict checking."
                        + "\nHost key verification failed.");
            }
            case UNKNOWN -> {
                switch (policy) {
                    case YES -> throw new HostKeyException(HostKeyException.Kind.UNKNOWN, r.hostKeyName(),
                            "No " + r.keyType() + " host key is known for " + r.hostKeyName()
                                    + " and you have requested strict checking.\nHost key verification failed.");
                    case ASK -> {
                        if (!prompts.interactive()) {
                            // nobody to ask (BatchMode, no terminal, or a library caller without prompts): say what to do
                            throw new HostKeyException(HostKeyException.Kind.UNKNOWN, r.hostKeyName(),
                                    "No " + r.keyType() + " host key is known for " + r.hostKeyName() + " (its fingerprint is "
                                            + r.fingerprint() + ") and nobody can be asked to confirm it (BatchMode, no terminal, or no"
                                            + " ClientPrompts): add it to " + userFiles.get(0) + " (ssh-keyscan), or connect"
                                            + " once with StrictHostKeyChecking accept-new."
                                            + "\nHost key verification failed.");
                        }
                        if (!prompts.confirmHostKey(question(host, port, r), r.fingerprint())) {
                            throw new HostKeyException(HostKeyException.Kind.UNKNOWN, r.hostKeyName(),
                                    "Host key verification failed.");
                        }
                    }
                    default -> {
                        // ACCEPT_NEW, NO: added below
                    }
                }
                add(h, p, r);
                return true;
            }
            default -> throw new AssertionError(r.status());
        }
    }

    private void add(String h, int p, KnownHosts.Result r) {
        try {
            KnownHosts.append(userFiles.get(0), h, p, r.plainKey(), hash);
            warn("Warning: Permanently added '" + r.hostKeyName() + "' (" + r.keyType() + ") to the list of known hosts.");
        } catch (IOException e) {
            warn("Failed to add the host to the list of known hosts (" + userFiles.get(0) + "): " + e.getMessage());
        }
    }

    private void warn(String message) {
        if (!quiet) {
            prompts.warning(message);
        }
    }

    /** OpenSSH's question about an unknown host key. */
    private static String question(String host, int port, KnownHosts.Result r) {
        return "The authenticity of host '" + r.hostKeyName() + " (" + KnownHosts.hostKeyName(host, port)
                + ")' can't be established.\n" + r.keyType() + " key fingerprint is " + r.fingerprint() + ".\n"
                + "This key is not known by any other names.\n";
    }
}
