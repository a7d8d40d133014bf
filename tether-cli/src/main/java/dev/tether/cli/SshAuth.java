package dev.tether.cli;

import dev.tether.ssh.Transport;
import dev.tether.ssh.agent.AgentClient;
import dev.tether.ssh.agent.Identity;
import dev.tether.ssh.auth.KeyboardInteractiveHandler;
import dev.tether.ssh.auth.Signer;
import dev.tether.ssh.common.AuthenticationException;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.policy.InteractiveQuery;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code tether ssh}'s user authentication, as ssh(1) goes about it: publickey with the agent's
 * keys and then the identity files (certificates first, a passphrase asked only for a key the
 * server accepts), then keyboard-interactive and password prompts when a person is at the
 * terminal, each within NumberOfPasswordPrompts; partial success starts over with the methods
 * the server names next.
 */
final class SshAuth {
    private final Transport transport;
    private final SshSettings s;
    private final boolean canPrompt;
    /** The -i files, which are warned about when missing (config IdentityFile lines are not). */
    private final Set<Path> cliIdentities;
    private final PrintStream err;
    /** The agent connection of this login, opened once at the first publickey attempt, closed when authentication ends. */
    private AgentClient agent;
    private boolean agentOpened;

    SshAuth(Transport transport, SshSettings s, boolean canPrompt, Set<Path> cliIdentities, PrintStream err) {
        this.transport = transport;
        this.s = s;
        this.canPrompt = canPrompt;
        this.cliIdentities = cliIdentities;
        this.err = err;
    }

    /** none first (for the banner and the methods), then the preferred methods the server allows, in order. */
    boolean authenticate() throws IOException {
        try {
            return authenticateWithMethods();
        } finally {
            if (agent != null) {
                agent.close(); // its signers are done with; agent forwarding opens connections of its own
                agent = null;
            }
        }
    }

    private boolean authenticateWithMethods() throws IOException {
        List<String> allowed;
        try {
            List<String> r = transport.authNone(s.user());
            showBanner();
            if (r.isEmpty()) {
                return true;
            }
            allowed = r;
        } catch (AuthenticationException e) {
            showBanner();
            allowed = e.allowed();
        }
        Set<String> exhausted = new LinkedHashSet<>();
        Set<String> triedKeys = new LinkedHashSet<>();
        while (true) {
            String method = null;
            for (String m : s.preferred()) {
                if (allowed.contains(m) && !exhausted.contains(m)) {
                    method = m;
                    break;
                }
            }
            if (method == null) {
                err.println(s.user() + "@" + s.hostName() + ": Permission denied (" + String.join(",", allowed) + ").");
                return false;
            }
            debug("Next authentication method: " + method);
            Outcome o = switch (method) {
                case "publickey" -> s.pubkey() ? publickey(triedKeys) : Outcome.EXHAUSTED;
                case "keyboard-interactive" -> s.kbdInteractive() && canPrompt ? keyboardInteractive() : Outcome.EXHAUSTED;
                case "password" -> s.password() && canPrompt ? password() : Outcome.EXHAUSTED;
                default -> Outcome.EXHAUSTED;
            };
            if (o.success) {
                return true;
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
            err.print(banner.endsWith("\n") ? banner : banner + "\n");
            err.flush();
        }
    }

    private Outcome publickey(Set<String> triedKeys) throws IOException {
        List<Signer> signers = candidates();
        List<String> allowed = null;
        for (Signer signer : signers) {
            String id = IdentityFile.keyId(signer.blob());
            if (!triedKeys.add(id)) {
                continue;
            }
            debug("Offering public key: " + signer.describe());
            try {
                List<String> r = transport.authPublickey(s.user(), signer);
                return r.isEmpty() ? Outcome.SUCCESS : Outcome.partial(r);
            } catch (AuthenticationException e) {
                allowed = e.allowed();
                if (!allowed.contains("publickey")) {
                    break;
                }
            } catch (IdentityFile.SkippedKey e) {
                debug(e.getMessage());
            }
        }
        return Outcome.failed(allowed);
    }

    /** The keys to offer, in ssh(1)'s order: the agent's, then the identity files (with their certificates first). */
    private List<Signer> candidates() {
        List<IdentityFile> files = new ArrayList<>();
        for (Path p : s.identityFiles()) {
            IdentityFile f = IdentityFile.load(p, cliIdentities.contains(p), this::askPassphrase, err, s.quiet());
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
                debug("agent: " + e.getMessage());
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

    private AgentClient openAgent() {
        String where = s.identityAgent();
        if (where.equalsIgnoreCase("none")) {
            return null;
        }
        String path = where.equals("SSH_AUTH_SOCK") ? System.getenv(AgentClient.SSH_AUTH_SOCK)
                : where.startsWith("$") ? System.getenv(where.substring(1)) : where;
        if (path == null || path.isEmpty()) {
            return null;
        }
        AgentClient agent;
        try {
            agent = AgentClient.connect(Path.of(path), Duration.ofSeconds(30));
        } catch (SshException e) {
            debug("no agent at " + path + ": " + e.getMessage());
            return null;
        }
        try {
            // as ssh(1): bound to this session, keys added with ssh-add -h can sign for it
            debug("agent: session-bind " + (transport.bindAgent(agent) ? "accepted" : "refused"));
        } catch (SshException e) {
            debug("agent: session-bind: " + e.getMessage());
        }
        return agent;
    }

    private char[] askPassphrase(Path key, int attempt) {
        if (!canPrompt) {
            return null;
        }
        String prompt = attempt == 0 ? "Enter passphrase for key '" + key + "': "
                : "Bad passphrase, try again for " + key + ": ";
        return Tty.readSecret(prompt);
    }

    private Outcome keyboardInteractive() throws IOException {
        List<String> allowed = null;
        for (int attempt = 0; attempt < Math.max(1, s.passwordPrompts()); attempt++) {
            boolean[] aborted = {false};
            KeyboardInteractiveHandler handler = (name, instruction, prompts) -> {
                StringBuilder text = new StringBuilder();
                if (!name.isEmpty()) {
                    text.append(name).append('\n');
                }
                if (!instruction.isEmpty()) {
                    text.append(instruction).append('\n');
                }
                if (text.length() > 0) {
                    Tty.show(text.toString());
                }
                List<String> answers = new ArrayList<>();
                for (InteractiveQuery.Prompt p : prompts) {
                    String a;
                    if (p.echo()) {
                        a = Tty.readVisible(p.text());
                    } else {
                        char[] c = Tty.readSecret(p.text());
                        a = c == null ? null : new String(c);
                    }
                    if (a == null) {
                        aborted[0] = true;
                        a = "";
                    }
                    answers.add(a);
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
        for (int attempt = 0; attempt < Math.max(1, s.passwordPrompts()); attempt++) {
            if (attempt > 0) {
                err.println("Permission denied, please try again.");
            }
            char[] pw = Tty.readSecret(s.user() + "@" + s.hostName() + "'s password: ");
            if (pw == null) {
                break;
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

    /** What one authentication method came to. */
    record Outcome(boolean success, List<String> partial, List<String> allowed) {
        static final Outcome SUCCESS = new Outcome(true, null, null);
        static final Outcome EXHAUSTED = new Outcome(false, null, null);

        static Outcome partial(List<String> next) {
            return new Outcome(false, next, null);
        }

        static Outcome failed(List<String> allowed) {
            return new Outcome(false, null, allowed);
        }
    }

    private void debug(String message) {
        s.debug(err, message);
    }
}
