package dev.tether.cli;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.KnownHosts;
import dev.tether.ssh.keys.KnownHostsEntry;
import dev.tether.ssh.keys.KnownHostsVerifier;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * ssh(1)'s host key check: {@link KnownHostsVerifier} does the work for
 * {@code StrictHostKeyChecking} yes, accept-new and no; this adds {@code ask} (the default),
 * which asks at the terminal about an unknown host when a person can answer and otherwise
 * behaves like yes, prints OpenSSH's messages on stderr (the library logs them), and applies
 * {@code HostKeyAlias}.
 */
final class HostKeyCheck implements HostKeyVerifier {
    /** {@code StrictHostKeyChecking}. */
    enum Policy {
        YES, ASK, ACCEPT_NEW, NO;

        /** Parses an ssh_config value; null if invalid. */
        static Policy parse(String v) {
            return switch (v.toLowerCase(Locale.ROOT)) {
                case "yes", "true" -> YES;
                case "ask" -> ASK;
                case "accept-new" -> ACCEPT_NEW;
                case "no", "false", "off" -> NO;
                default -> null;
            };
        }
    }

    private final List<Path> userFiles;
    private final List<Path> globalFiles;
    private final Policy policy;
    private final boolean canAsk;
    private final boolean hash;
    private final String alias;
    private final boolean quiet;
    private final PrintStream err;
    private final KnownHostsVerifier delegate;

    /**
     * @param userFiles   UserKnownHostsFile: the first is where new keys are written
     * @param globalFiles GlobalKnownHostsFile: read only
     * @param canAsk      whether a person can be asked (a terminal, and not BatchMode)
     * @param alias       HostKeyAlias, or null
     */
    HostKeyCheck(List<Path> userFiles, List<Path> globalFiles, Policy policy, boolean canAsk, boolean hash,
                 String alias, boolean quiet, PrintStream err) {
        this.userFiles = List.copyOf(userFiles);
        this.globalFiles = List.copyOf(globalFiles);
        this.policy = policy;
        this.canAsk = canAsk;
        this.hash = hash;
        this.alias = alias;
        this.quiet = quiet;
        this.err = err;
        List<Path> readOnly = new ArrayList<>(userFiles.subList(1, userFiles.size()));
        readOnly.addAll(globalFiles);
        KnownHostsVerifier.Mode mode = switch (policy) {
            case YES, ASK -> KnownHostsVerifier.Mode.STRICT;
            case ACCEPT_NEW -> KnownHostsVerifier.Mode.ACCEPT_NEW;
            case NO -> KnownHostsVerifier.Mode.OFF;
        };
        this.delegate = KnownHostsVerifier.of(userFiles.get(0), mode).withReadOnlyFiles(readOnly.toArray(new Path[0]))
                .withHashing(hash);
    }

    /** The key types known for the host, so that the client can prefer them as ssh(1) does. */
    Set<String> knownKeyTypes(String host, int port) {
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
            throw new SshException(DisconnectReason.HOST_KEY_NOT_VERIFIABLE,
                    "cannot read the known hosts files: " + e.getMessage() + "\nHost key verification failed.", e);
        }
        switch (r.status()) {
            case UNKNOWN -> {
                if (policy == Policy.ASK) {
                    if (!canAsk || !ask(host, port, r)) {
                        throw new SshException(DisconnectReason.HOST_KEY_NOT_VERIFIABLE, "Host key verification failed.");
                    }
                    try {
                        KnownHosts.append(userFiles.get(0), h, p, r.plainKey(), hash);
                        added(r);
                    } catch (IOException e) {
                        err.println("Failed to add the host to the list of known hosts (" + userFiles.get(0) + ").");
                    }
                    return true;
                }
                boolean ok = delegate.verify(h, p, algorithm, hostKeyBlob);
                if (ok) {
                    added(r);
                }
                return ok;
            }
            case MISMATCH -> {
                if (policy == Policy.NO) {
                    err.println(r.message());
                    err.println("StrictHostKeyChecking is off: connecting anyway; the changed key is not recorded.");
                    err.flush();
                }
                return delegate.verify(h, p, algorithm, hostKeyBlob);
            }
            default -> {
                return delegate.verify(h, p, algorithm, hostKeyBlob);
            }
        }
    }

    private void added(KnownHosts.Result r) {
        if (!quiet) {
            err.println("Warning: Permanently added '" + r.hostKeyName() + "' (" + r.keyType() + ") to the list of known hosts.");
            err.flush();
        }
    }

    /** OpenSSH's question about an unknown host key; true if the answer is yes or the key's fingerprint. */
    private boolean ask(String host, int port, KnownHosts.Result r) {
        String name = r.hostKeyName();
        StringBuilder q = new StringBuilder();
        q.append("The authenticity of host '").append(name).append(" (").append(KnownHosts.hostKeyName(host, port))
                .append(")' can't be established.\n")
                .append(r.keyType()).append(" key fingerprint is ").append(r.fingerprint()).append(".\n")
                .append("This key is not known by any other names.\n");
        Tty.show(q.toString());
        String prompt = "Are you sure you want to continue connecting (yes/no/[fingerprint])? ";
        while (true) {
            String a = Tty.readVisible(prompt);
            if (a == null) {
                return false;
            }
            a = a.strip();
            if (a.equalsIgnoreCase("yes") || a.equals(r.fingerprint())) {
                return true;
            }
            if (a.equalsIgnoreCase("no")) {
                return false;
            }
            prompt = "Please type 'yes', 'no' or the fingerprint: ";
        }
    }
}
