package dev.tether.ssh.client;

import dev.tether.ssh.Transport;
import dev.tether.ssh.agent.AgentClient;
import dev.tether.ssh.agent.Identity;
import dev.tether.ssh.auth.KeyboardInteractiveHandler;
import dev.tether.ssh.auth.Signer;
import dev.tether.ssh.common.AuthenticationException;
import dev.tether.ssh.common.DisconnectException;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * User authentication as ssh(1) goes about it: {@code none} first (for the banner and the
 * methods), then the {@code PreferredAuthentications} the server allows, in order: publickey
 * with the agent's keys and then the identity files (certificates first, a passphrase asked only
 * for a key the server accepts), then keyboard-interactive and password through
 * {@link ClientPrompts} when a person can answer, each within {@code NumberOfPasswordPrompts};
 * partial success starts over with the methods the server names next.
 *
 * <p>Threading: runs on the connecting thread; one instance per login.
 */
final class ClientAuth {
    private static final Logger log = LoggerFactory.getLogger(ClientAuth.class);

    private final Transport transport;
    private final ClientSettings s;
    private final ClientPrompts prompts;
    /** The caller's own identity files, warned about when missing (config IdentityFile lines are not). */
    private final Set<Path> explicitIdentities;
    private final Map<String, String> env;
    private final List<String> tried = new ArrayList<>();
    /** The methods the server last said can continue. */
    private List<String> lastAllowed = List.of();
    /** The agent connection of this login, opened once at the first publickey attempt, closed when authentication ends. */
    private AgentClient agent;
    private boolean agentOpened;
    /** SHA-256 of each password or answer set already sent in this login, so that a fixed one is not sent again. */
    private final Set<ByteKey> rejected = new java.util.HashSet<>();

    ClientAuth(Transport transport, ClientSettings s, ClientPrompts prompts, Set<Path> explicitIdentities,
               Map<String, String> env) {
        this.transport = transport;
        this.s = s;
        this.prompts = prompts;
        this.explicitIdentities = explicitIdentities;
        this.env = env;
    }

    /**
     * Authenticates or throws.
     *
     * @throws AuthenticationException when every method is used up; the message is ssh(1)'s
     *                                 {@code user@host: Permission denied (methods).}
     */
    void authenticate() throws IOException {
        try {
            authenticateWithMethods();
        } catch (SshException e) {
            // sshd's MaxAuthTries: it disconnects with "too many authentication failures" instead of
            // a last USERAUTH_FAILURE; that is still a refusal, as ssh(1) reports it
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof DisconnectException d && d.fromPeer()
                        && d.reason() == DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE) {
                    AuthenticationException denied = AuthenticationException.permissionDenied(s.user(), s.hostName(),
                            tried, lastAllowed);
                    denied.initCause(e);
                    throw denied;
                }
            }
            throw e;
        } finally {
            if (agent != null) {
                agent.close(); // its signers are done with; agent forwarding opens connections of its own
                agent = null;
            }
        }
    }

    private void authenticateWithMethods() throws IOException {
        List<String> allowed;
        try {
            List<String> r = transport.authNone(s.user());
            showBanner();
            if (r.isEmpty()) {
                return;
            }
            allowed = r;
        } catch (AuthenticationException e) {
            showBanner();
            allowed = e.allowed();
        }
        Set<String> exhausted = new LinkedHashSet<>();
        Set<String> triedKeys = new LinkedHashSet<>();
        while (true) {
            lastAllowed = allowed;
            String method = null;
            for (String m : s.preferredAuthentications()) {
                if (allowed.contains(m) && !exhausted.contains(m)) {
                    method = m;
                    break;
                }
            }
            if (method == null) {
                throw AuthenticationException.permissionDenied(s.user(), s.hostName(), tried, allowed);
            }
            log.debug("Next authentication method: {}", method);
            boolean canAsk = prompts.interactive() && !s.batchMode();
            Outcome o = switch (method) {
                case "publickey" -> s.pubkeyAuthentication() ? publickey(triedKeys) : Outcome.EXHAUSTED;
                case "keyboard-interactive" -> s.kbdInteractiveAuthentication() && canAsk ? keyboardInteractive() : Outcome.EXHAUSTED;
                case "password" -> s.passwordAuthentication() && canAsk ? password() : Outcome.EXHAUSTED;
                default -> Outcome.EXHAUSTED;
            };
            if (o != Outcome.EXHAUSTED) {
                tried.add(method);
            }
            if (o.success) {
                return;
            }
            if (o.partial != null) {
                allowed = o.partial;
                exhausted.clear();
                continue;
            }
            if (o.allowed != null) {
                allowed = o.allowed;
            }
            exhausted.add(method);
        }
    }

    private void showBanner() {
        String banner = transport.getBanner();
        if (banner != null && !banner.isEmpty() && !s.quiet()) {
            prompts.banner(banner.endsWith("\n") ? banner : banner + "\n");
        }
    }

    private void warn(String message) {
        if (!s.quiet()) {
            prompts.warning(message);
        }
    }

    private Outcome publickey(Set<String> triedKeys) throws IOException {
        List<String> allowed = null;
        for (Signer signer : candidates()) {
            String id = IdentityFile.keyId(signer.blob());
            if (!triedKeys.add(id)) {
                continue;
            }
            log.debug("Offering public key: {}", signer.describe());
            try {
                List<String> r = transport.authPublickey(s.user(), signer);
                return r.isEmpty() ? Outcome.SUCCESS : Outcome.partial(r);
            } catch (AuthenticationException e) {
                allowed = e.allowed();
                if (!allowed.contains("publickey")) {
                    break;
                }
            } catch (IdentityFile.SkippedKey e) {
                log.debug("{}", e.getMessage());
            }
        }
        return Outcome.failed(allowed);
    }

    /** The keys to offer, in ssh(1)'s order: the agent's, then the identity files (with their certificates first). */
    private List<Signer> candidates() {
        List<IdentityFile> files = new ArrayList<>();
        for (Path p : s.identityFiles()) {
            IdentityFile f = IdentityFile.load(p, explicitIdentities.contains(p), s.certificateFiles(),
                    this::askPassphrase, this::warn);
            if (f != null) {
                files.add(f);
            }
        }
        List<Signer> out = new ArrayList<>();
        Set<String> fromAgent = new LinkedHashSet<>();
        AgentClient agent = agent();
        if (agent != null) {
            try {
                for (Identity id : agent.identities()) {
                    String key = IdentityFile.keyId(id.blob());
                    boolean wanted = !s.identitiesOnly() || files.stream().anyMatch(f -> IdentityFile.keyId(f.blob()).equals(key));
                    if (wanted) {
                        out.add(Signer.agent(id));
                        fromAgent.add(key);
                    }
                }
            } catch (SshException e) {
                log.debug("agent: {}", e.getMessage());
            }
        }
        for (IdentityFile f : files) {
            out.addAll(f.signers(fromAgent));
        }
        return out;
    }

    /** The agent connection (opened once, bound to the session as ssh(1) does), or null. */
    private AgentClient agent() {
        if (!agentOpened) {
            agentOpened = true;
            agent = openAgent();
        }
        return agent;
    }

    /** The agent socket IdentityAgent names: a path, {@code SSH_AUTH_SOCK}, {@code $VAR}, or null for none. */
    static Path agentSocket(String identityAgent, Map<String, String> env) {
        if (identityAgent.equalsIgnoreCase("none")) {
            return null;
        }
        String path = identityAgent.equals("SSH_AUTH_SOCK") ? env.get(AgentClient.SSH_AUTH_SOCK)
                : identityAgent.startsWith("$") ? env.get(identityAgent.substring(1)) : identityAgent;
        return path == null || path.isEmpty() ? null : Path.of(path);
    }

    private AgentClient openAgent() {
        Path path = agentSocket(s.identityAgent(), env);
        if (path == null) {
            return null;
        }
        AgentClient agent;
        try {
            agent = AgentClient.connect(path, Duration.ofSeconds(30));
        } catch (SshException e) {
            log.debug("no agent at {}: {}", path, e.getMessage());
            return null;
        }
        try {
            // as ssh(1): bound to this session, keys added with ssh-add -h can sign for it
            log.debug("agent: session-bind {}", transport.bindAgent(agent) ? "accepted" : "refused");
        } catch (SshException e) {
            log.debug("agent: session-bind: {}", e.getMessage());
        }
        return agent;
    }

    private char[] askPassphrase(Path key, int attempt) {
        return prompts.interactive() && !s.batchMode() ? prompts.passphrase(key, attempt) : null;
    }

    private Outcome keyboardInteractive() throws IOException {
        List<String> allowed = null;
        for (int attempt = 0; attempt < Math.max(1, s.numberOfPasswordPrompts()); attempt++) {
            boolean[] aborted = {false};
            KeyboardInteractiveHandler handler = (name, instruction, questions) -> {
                List<String> answers = prompts.keyboardInteractive(name, instruction, questions);
                if (answers == null || answers.size() != questions.size()
                        || (!questions.isEmpty() && !rejected.add(digest(answers)))) {
                    // nobody answered, or the same answers as a rejected round (fixed ones, from the builder)
                    aborted[0] = true;
                    return questions.stream().map(q -> "").toList();
                }
                return answers;
            };
            try {
                List<String> r = transport.authInteractive(s.user(), handler);
                return r.isEmpty() ? Outcome.SUCCESS : Outcome.partial(r);
            } catch (AuthenticationException e) {
                allowed = e.allowed();
                if (aborted[0] || !allowed.contains("keyboard-interactive")) {
                    break;
                }
            }
        }
        return Outcome.failed(allowed);
    }

    private Outcome password() throws IOException {
        List<String> allowed = null;
        for (int attempt = 0; attempt < Math.max(1, s.numberOfPasswordPrompts()); attempt++) {
            if (attempt > 0) {
                warn("Permission denied, please try again.");
            }
            char[] pw = prompts.password(s.user() + "@" + s.hostName() + "'s password: ");
            if (pw == null) {
                break;
            }
            ByteKey digest = digest(List.of(new String(pw)));
            if (!rejected.add(digest)) {
                Arrays.fill(pw, '\0');
                break; // the same password again (a fixed one, from the builder): the server said no already
            }
            try {
                List<String> r = transport.authPassword(s.user(), new String(pw));
                return r.isEmpty() ? Outcome.SUCCESS : Outcome.partial(r);
            } catch (AuthenticationException e) {
                allowed = e.allowed();
                if (!allowed.contains("password")) {
                    break;
                }
            } finally {
                Arrays.fill(pw, '\0');
            }
        }
        return Outcome.failed(allowed);
    }

    /** A byte array as a set element. */
    private record ByteKey(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof ByteKey k && java.security.MessageDigest.isEqual(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    /** A digest of secrets sent, never the secrets themselves. */
    private static ByteKey digest(List<String> secrets) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            for (String secret : secrets) {
                md.update(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return new ByteKey(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What one authentication method came to. */
    private record Outcome(boolean success, List<String> partial, List<String> allowed) {
        static final Outcome SUCCESS = new Outcome(true, null, null);
        static final Outcome EXHAUSTED = new Outcome(false, null, null);

        static Outcome partial(List<String> next) {
            return new Outcome(false, next, null);
        }

        static Outcome failed(List<String> allowed) {
            return new Outcome(false, null, allowed);
        }
    }
}
