package dev.tether.ssh.userauth;

import dev.tether.ssh.auth.KeyboardInteractiveHandler;
import dev.tether.ssh.auth.Signer;
import dev.tether.ssh.common.AuthenticationException;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.policy.InteractiveQuery;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.transport.PacketConnection;
import dev.tether.ssh.wire.Disconnect;
import dev.tether.ssh.wire.MessageNumbers;
import dev.tether.ssh.wire.PublickeySignedData;
import dev.tether.ssh.wire.UserAuthMessages;
import dev.tether.ssh.wire.UserAuthRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The client side of {@code ssh-userauth} (RFC 4252, RFC 4256): {@code none}, {@code password}
 * (falling back to keyboard-interactive when the server only offers that, as paramiko does),
 * {@code publickey} from a key pair, a certificate or an agent (host-bound when the server offers
 * that), and {@code keyboard-interactive}.
 *
 * <p><b>Threads.</b> The method calls run on the caller's thread. The reader thread only parses
 * replies and hands them over through a one-slot queue; it never runs user code, so a
 * keyboard-interactive handler may wait for a person. On USERAUTH_SUCCESS the reader thread tells
 * the transport at once, because delayed compression starts with the very next packet.
 */
public final class ClientAuthenticator implements MessageHandler {
    private static final Logger log = LoggerFactory.getLogger(ClientAuthenticator.class);
    private static final String SERVICE = "ssh-connection";

    /** One reply from the server. */
    private record Reply(int type, List<String> methods, boolean partial, SshReader body) {
    }

    private final PacketConnection transport;
    private final Supplier<MessageHandler> connectionService;
    private final BlockingQueue<Reply> replies = new ArrayBlockingQueue<>(1);
    private final List<String> tried = new ArrayList<>();
    private volatile String banner;
    private volatile boolean authenticated;
    private volatile String username;
    private List<String> allowed = List.of();
    private boolean serviceRequested;

    /**
     * @param connectionService the connection protocol's handler, installed once authentication
     *                          has succeeded
     */
    public ClientAuthenticator(PacketConnection transport, Supplier<MessageHandler> connectionService) {
        this.transport = transport;
        this.connectionService = connectionService;
    }

    public String banner() {
        return banner;
    }

    public boolean isAuthenticated() {
        return authenticated;
    }

    public String username() {
        return username;
    }

    // ------------------------------------------------------------------ reader thread

    @Override
    public boolean handle(int messageNumber, SshReader payload) throws IOException {
        switch (messageNumber) {
            case MessageNumbers.USERAUTH_BANNER:
                banner = sanitizeBanner(UserAuthMessages.Banner.decode(payload).message());
                return true;

            case MessageNumbers.USERAUTH_SUCCESS:
                if (authenticated) {
                    throw new SshException(DisconnectReason.PROTOCOL_ERROR, "a second USERAUTH_SUCCESS");
                }
                authenticated = true;
                transport.authenticationSucceeded(null);
                // the connection protocol takes over at once: the server may speak first
                transport.setMessageHandler(connectionService.get());
                offer(new Reply(messageNumber, List.of(), false, null));
                return true;
            case MessageNumbers.USERAUTH_FAILURE: {
                UserAuthMessages.Failure f = UserAuthMessages.Failure.decode(payload);
                offer(new Reply(messageNumber, f.methods(), f.partialSuccess(), null));
                return true;
            }
            case MessageNumbers.USERAUTH_PK_OK: // also PASSWD_CHANGEREQ and INFO_REQUEST: decoded by the waiting method
            case MessageNumbers.USERAUTH_INFO_RESPONSE: {
                byte[] copy = new byte[payload.remaining()];
                System.arraycopy(payload.array(), payload.position(), copy, 0, copy.length);
                offer(new Reply(messageNumber, List.of(), false, new SshReader(copy)));
                return true;
            }
            default:
                if (MessageNumbers.isUserAuth(messageNumber)) {
                    throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                            "unexpected " + MessageNumbers.name(messageNumber) + " during user authentication");
                }
                return false;
        }
    }

    /** Banner text is shown to people: keep line breaks, escape other control characters, bound it. */
    static String sanitizeBanner(String s) {
        StringBuilder b = new StringBuilder();
        for (String line : s.split("\n", -1)) {
            if (b.length() > 0) {
                b.append('\n');
            }
            b.append(Disconnect.sanitize(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line.replace('\t', ' ')));
            if (b.length() > 8192) {
                break;
            }
        }
        return b.toString();
    }

    /** Wakes a caller waiting for a reply when the connection ends. */
    @Override
    public void closed(Throwable cause) {
        replies.clear();
        replies.offer(new Reply(-1, List.of(), false, null));
    }

    private void offer(Reply r) throws SshException {
        if (!replies.offer(r)) {
            throw new SshException(DisconnectReason.PROTOCOL_ERROR, "the server sent an authentication reply nobody asked for");
        }
    }

    // ------------------------------------------------------------------ caller's thread

    private synchronized void start(String user, Duration timeout) throws IOException {
        if (authenticated) {
            throw new IllegalStateException("already authenticated");
        }
        if (username != null && !username.equals(user)) {
            throw new IllegalArgumentException("the user name cannot change during authentication");
        }
        username = user;
        if (!serviceRequested) {
            transport.setMessageHandler(this);
            transport.requestService("ssh-userauth", timeout);
            serviceRequested = true;
        }
    }

    private Reply await(Duration timeout) throws IOException {
        try {
            Reply r = replies.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (r != null && r.type() == -1) {
                replies.offer(r);
                throw closed();
            }
            if (r == null) {
                if (!transport.isActive()) {
                    throw closed();
                }
                throw new SshException(DisconnectReason.BY_APPLICATION, "no authentication reply within " + timeout.toMillis() + " ms");
            }
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SshException(DisconnectReason.BY_APPLICATION, "interrupted during authentication");
        }
    }

    private SshException closed() {
        Throwable c = transport.closeCause();
        return c instanceof SshException se ? new SshException(se.reason(), "connection closed during authentication: " + se.getMessage(), se)
                : new SshException(DisconnectReason.CONNECTION_LOST, "connection closed during authentication");
    }

    private static byte[] request(String user, UserAuthRequest.Method method) {
        return new UserAuthRequest(user, SERVICE, method).encode();
    }

    /**
     * Interprets a final reply: success returns an empty list, partial success the methods that
     * can continue, failure throws.
     */
    private List<String> outcome(Reply r, String method) throws AuthenticationException {
        if (r.type() == MessageNumbers.USERAUTH_SUCCESS) {
            log.debug("{} authenticated as {} with {}", transport, username, method);
            return List.of();
        }
        if (r.type() == MessageNumbers.USERAUTH_FAILURE) {
            allowed = r.methods();
            if (r.partial()) {
                log.debug("{} partial success with {}; continue with {}", transport, method, allowed);
                return allowed;
            }
            throw new AuthenticationException(method + " authentication failed", tried, allowed);
        }
        throw new AuthenticationException("unexpected reply " + r.type() + " to " + method, tried, allowed);
    }

    /** RFC 4252 §5.2: the {@code none} method; also learns which methods the server allows. */
    public List<String> authNone(String user, Duration timeout) throws IOException {
        start(user, timeout);
        tried.add("none");
        transport.send(request(user, new UserAuthRequest.NoneAuth()));
        return outcome(await(timeout), "none");
    }

    /**
     * RFC 4252 §8 password authentication; if the server does not offer {@code password} but
     * offers {@code keyboard-interactive}, answers its password prompt instead.
     */
    public List<String> authPassword(String user, String password, Duration timeout) throws IOException {
        return authPassword(user, password, null, timeout);
    }

    /** The most password changes one attempt goes through, should the server keep asking. */
    private static final int MAX_PASSWORD_CHANGES = 3;

    /**
     * RFC 4252 §8 password authentication that answers SSH_MSG_USERAUTH_PASSWD_CHANGEREQ with a
     * new password from {@code changer} (null: a change request fails the attempt).
     */
    public List<String> authPassword(String user, String password, dev.tether.ssh.auth.PasswordChanger changer, Duration timeout)
            throws IOException {
        start(user, timeout);
        if (!allowed.isEmpty() && !allowed.contains("password") && allowed.contains("keyboard-interactive")) {
            return authInteractive(user, passwordAnswerer(password), timeout);
        }
        tried.add("password");
        transport.send(request(user, new UserAuthRequest.PasswordAuth(password, null)));
        Reply r = await(timeout);
        for (int changes = 0; r.type() == MessageNumbers.USERAUTH_PASSWD_CHANGEREQ; changes++) {
            UserAuthMessages.PasswdChangeReq req = UserAuthMessages.PasswdChangeReq.decode(r.body());
            String prompt = sanitizeBanner(req.prompt());
            String language = req.language();
            String fresh = changer == null || changes >= MAX_PASSWORD_CHANGES ? null : changer.newPassword(prompt, language);
            if (fresh == null) {
                throw new AuthenticationException("the server requires a password change", tried, allowed);
            }
            transport.send(request(user, new UserAuthRequest.PasswordAuth(password, fresh)));
            r = await(timeout);
        }
        try {
            return outcome(r, "password");
        } catch (AuthenticationException e) {
            if (!allowed.contains("password") && allowed.contains("keyboard-interactive")) {
                return authInteractive(user, passwordAnswerer(password), timeout);
            }
            throw e;
        }
    }

    /** Answers prompts that ask for a password with it; anything else fails, as paramiko does. */
    private static KeyboardInteractiveHandler passwordAnswerer(String password) {
        return (name, instruction, prompts) -> {
            List<String> out = new ArrayList<>();
            for (InteractiveQuery.Prompt p : prompts) {
                out.add(p.text().toLowerCase(Locale.ROOT).contains("password") || prompts.size() == 1 ? password : "");
            }
            return out;
        };
    }

    /** RFC 4256 keyboard-interactive. */
    public List<String> authInteractive(String user, KeyboardInteractiveHandler handler, Duration timeout) throws IOException {
        start(user, timeout);
        tried.add("keyboard-interactive");
        transport.send(request(user, new UserAuthRequest.KeyboardInteractiveAuth("", "")));
        for (int round = 0; round < 32; round++) {
            Reply r = await(timeout);
            if (r.type() != MessageNumbers.USERAUTH_INFO_REQUEST) {
                return outcome(r, "keyboard-interactive");
            }
            UserAuthMessages.InfoRequest req = UserAuthMessages.InfoRequest.decode(r.body());
            List<InteractiveQuery.Prompt> prompts = new ArrayList<>();
            for (UserAuthMessages.InfoRequest.Prompt p : req.prompts()) {
                prompts.add(new InteractiveQuery.Prompt(Disconnect.sanitize(p.text()), p.echo()));
            }
            List<String> answers = handler.respond(Disconnect.sanitize(req.name()), Disconnect.sanitize(req.instruction()), prompts);
            if (answers.size() != prompts.size()) {
                throw new IllegalArgumentException("the handler gave " + answers.size() + " answers to " + prompts.size() + " prompts");
            }
            transport.send(new UserAuthMessages.InfoResponse(answers).encode());
        }
        throw new SshException(DisconnectReason.PROTOCOL_ERROR, "more than 32 keyboard-interactive rounds");
    }

    /**
     * RFC 4252 §7 publickey: asks whether the key is acceptable (no signature), then signs. For
     * RSA the algorithm follows the server's {@code server-sig-algs} (RFC 8332 §3.1); without it,
     * rsa-sha2-512 and then rsa-sha2-256 are tried. When the server announced
     * {@code publickey-hostbound@openssh.com} (version "0") in EXT_INFO, the signed request is
     * {@code publickey-hostbound-v00@openssh.com} (OpenSSH PROTOCOL, "Host-bound public key
     * authentication"): it and the signature also cover the host key of the first key exchange,
     * so that a signature cannot be replayed to another server. This is what OpenSSH's ssh does,
     * and its query stays plain {@code publickey}, as ours does.
     */
    public List<String> authPublickey(String user, Signer signer, Duration timeout) throws IOException {
        start(user, timeout);
        List<String> candidates = candidateAlgorithms(signer);
        boolean hostbound = "0".equals(transport.peerExtensions().get(UserAuthRequest.HOSTBOUND_EXTENSION));
        byte[] boundHostKey = hostbound ? transport.hostKeyBlob() : null;
        AuthenticationException last = null;
        for (String alg : candidates) {
            tried.add("publickey");
            byte[] blob = signer.blob();
            transport.send(request(user, UserAuthRequest.PublickeyAuth.query(alg, blob)));
            Reply r = await(timeout);
            if (r.type() != MessageNumbers.USERAUTH_PK_OK) {
                try {
                    return outcome(r, "publickey " + signer.describe());
                } catch (AuthenticationException e) {
                    last = e;
                    continue;
                }
            }
            byte[] data = new PublickeySignedData(transport.sessionId(), user, SERVICE, alg, blob, boundHostKey).encode();
            byte[] sig = signer.sign(plain(alg), data);
            transport.send(request(user, new UserAuthRequest.PublickeyAuth(true, alg, blob, boundHostKey, sig)));
            return outcome(await(timeout), "publickey " + signer.describe());
        }
        throw last != null ? last : new AuthenticationException("no usable signature algorithm for " + signer.describe(), tried, allowed);
    }

    private List<String> candidateAlgorithms(Signer signer) {
        List<String> own = signer.algorithms();
        String sigAlgs = transport.peerExtensions().get("server-sig-algs");
        if (sigAlgs == null) {
            return own;
        }
        List<String> server = Arrays.asList(sigAlgs.split(","));
        List<String> out = new ArrayList<>();
        for (String a : own) {
            if (server.contains(plain(a))) {
                out.add(a);
            }
        }
        // a server may list only plain names while accepting certificates; keep trying ours
        return out.isEmpty() ? own : out;
    }

    private static String plain(String alg) {
        return SignatureAlgorithms.underlyingAlgorithm(alg);
    }

    // ------------------------------------------------------------------ signers
}
