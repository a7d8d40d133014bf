package dev.tether.ssh.userauth;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.keys.OpenSshCertificate;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.policy.AuthResult;
import dev.tether.ssh.policy.InteractiveQuery;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.policy.UserKey;
import dev.tether.ssh.transport.EventLog;
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
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The server side of the {@code ssh-userauth} service (RFC 4252, RFC 4256, OpenSSH's
 * {@code publickey-hostbound-v00@openssh.com}), driving a {@link ServerInterface}.
 *
 * <p><b>Methods.</b> {@code none}; {@code password} with the password change request of §8;
 * {@code publickey}, where a query without signature is answered with PK_OK when the policy
 * accepts the key (a refused query counts as a failure, as in sshd), and a signed request is verified over the session identifier with the
 * algorithm it names before the policy is asked; {@code keyboard-interactive}, whose rounds the
 * policy drives with {@link InteractiveQuery}.
 *
 * <p><b>Flow.</b> The first request fixes the user name and the service; a change ends the
 * connection, as in OpenSSH. The banner goes out once, before the first answer. Each failure of a
 * method other than {@code none} counts; at {@code maxAuthTries} failures, or when no method can
 * continue, the connection ends with NO_MORE_AUTH_METHODS_AVAILABLE (14). On success the
 * server's validators check the login ({@link PacketConnection#checkLogin}; a refusal ends the
 * connection with their DISCONNECT), then the policy is told ({@link ServerInterface#authenticated}),
 * then the transport (delayed compression starts), and the requested service takes over.
 *
 * <p><b>Threads.</b> Requests arrive on the reader thread. A policy answer that is not ready yet
 * (a pending {@link CompletionStage}) suspends the service: later requests are queued (at most
 * {@link #MAX_QUEUED}) and processed, in order, by whichever thread completes the stage. All
 * state is guarded by {@code this}.
 */
public final class ServerAuthService implements MessageHandler {
    private static final Logger log = LoggerFactory.getLogger(ServerAuthService.class);
    static final int MAX_QUEUED = 8;
    static final String HOSTBOUND = UserAuthRequest.HOSTBOUND;

    private final PacketConnection transport;
    private final ServerInterface policy;
    private final int maxAuthTries;
    private final List<String> acceptedAlgorithms;
    private final Function<String, MessageHandler> nextService;
    private final LoginCheck loginCheck;

    private String user;
    private String service;
    private int failures;
    private boolean bannerSent;
    private boolean busy;
    private boolean done;
    private boolean interactiveActive;
    private int interactivePrompts;
    /** The methods that succeeded (fully or partially), in order, for the validators' login. */
    private final List<String> passedMethods = new ArrayList<>();
    private final ArrayDeque<byte[]> queued = new ArrayDeque<>();

    /**
     * @param acceptedAlgorithms the public key algorithms accepted for user keys (plain names;
     *                           their certificate variants are accepted with them)
     * @param loginCheck         runs once per login the policy accepts, before the policy's
     *                           {@code authenticated} and USERAUTH_SUCCESS; may still refuse it
     * @param nextService        the handler for the service named in the requests, or null if
     *                           that service is not available
     */
    public ServerAuthService(PacketConnection transport, ServerInterface policy, int maxAuthTries,
                             List<String> acceptedAlgorithms, LoginCheck loginCheck, Function<String, MessageHandler> nextService) {
        this.transport = transport;
        this.policy = policy;
        this.maxAuthTries = maxAuthTries;
        this.acceptedAlgorithms = List.copyOf(acceptedAlgorithms);
        this.nextService = nextService;
        this.loginCheck = loginCheck;
        transport.closeFuture().whenComplete((v, e) -> {
            try {
                policy.connectionClosed();
            } catch (RuntimeException ex) {
                log.warn("{} policy failed in connectionClosed", transport, ex);
            }
        });
    }

    @Override
    public boolean handle(int messageNumber, SshReader payload) throws IOException {
        if (messageNumber != MessageNumbers.USERAUTH_REQUEST && messageNumber != MessageNumbers.USERAUTH_INFO_RESPONSE) {
            if (MessageNumbers.isTransport(messageNumber) || MessageNumbers.isUserAuth(messageNumber)) {
                throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                        "unexpected " + MessageNumbers.name(messageNumber) + " during user authentication");
            }
            // connection protocol messages before authentication completed: a bypass attempt
            throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                    "unexpected " + MessageNumbers.name(messageNumber) + " before authentication completed");
        }
        byte[] copy = new byte[payload.remaining() + 1];
        copy[0] = (byte) messageNumber;
        System.arraycopy(payload.array(), payload.position(), copy, 1, payload.remaining());
        synchronized (this) {
            if (done) {
                throw new SshException(DisconnectReason.PROTOCOL_ERROR, "authentication message after success");
            }
            if (busy) {
                if (queued.size() >= MAX_QUEUED) {
                    throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                            "more than " + MAX_QUEUED + " authentication requests sent without waiting for answers");
                }
                queued.add(copy);
                return true;
            }
            process(copy);
        }
        return true;
    }

    /** Processes one message; may leave the service busy waiting for the policy. Holds {@code this}. */
    private void process(byte[] message) throws IOException {
        SshReader r = new SshReader(message, 1, message.length - 1);
        if ((message[0] & 0xff) == MessageNumbers.USERAUTH_INFO_RESPONSE) {
            infoResponse(r);
            return;
        }
        UserAuthRequest.Head head = UserAuthRequest.Head.decode(r);
        String u = head.user();
        String s = head.service();
        String method = head.method();
        if (user == null) {
            if (nextService.apply(s) == null) {
                throw new SshException(DisconnectReason.SERVICE_NOT_AVAILABLE, "service not available: " + Disconnect.sanitize(s));
            }
            user = u;
            service = s;
        } else if (!user.equals(u) || !service.equals(s)) {
            throw new SshException(DisconnectReason.PROTOCOL_ERROR, "change of user name or service during authentication is not allowed");
        }
        interactiveActive = false;
        sendBannerOnce();
        switch (method) {
            case "none":
                await(policy.checkAuthNoneAsync(user), "none", false);
                return;
            case "password":
                password(r);
                return;
            case "publickey":
            case HOSTBOUND:
                publickey(r, method);
                return;
            case "keyboard-interactive":
                String submethods = UserAuthRequest.KeyboardInteractiveAuth.decode(r).submethods();
                busy = true;
                policy.checkAuthInteractiveAsync(user, submethods).whenComplete((q, e) -> resume(() -> {
                    if (e != null || q == null) {
                        failure("keyboard-interactive", e);
                    } else {
                        sendQuery(q);
                    }
                }));
                return;
            default:
                failure(Disconnect.sanitize(method), null);
        }
    }

    private void password(SshReader r) throws IOException {
        UserAuthRequest.PasswordAuth p = UserAuthRequest.PasswordAuth.decode(r);
        if (p.isChange()) {
            await(policy.checkAuthPasswordChangeAsync(user, p.password(), p.newPassword()), "password", true);
        } else {
            await(policy.checkAuthPasswordAsync(user, p.password()), "password", true);
        }
    }

    private void publickey(SshReader r, String method) throws IOException {
        UserAuthRequest.PublickeyAuth head = UserAuthRequest.PublickeyAuth.decodeHead(r, method.equals(HOSTBOUND));
        boolean signed = head.signed();
        String alg = head.algorithm();
        byte[] blob = head.blob();
        byte[] boundHostKey = head.hostKey();
        if (boundHostKey != null && !MessageDigest.isEqual(boundHostKey, transport.hostKeyBlob())) {
            throw new SshException(DisconnectReason.PROTOCOL_ERROR, "publickey-hostbound request names a host key that is not ours");
        }
        UserKey key;
        try {
            key = userKey(alg, blob);
        } catch (SshException e) {
            log.debug("{} unusable user key: {}", transport, e.getMessage());
            failure("publickey", null);
            return;
        }
        if (key == null) {
            failure("publickey " + Disconnect.sanitize(alg), null);
            return;
        }
        String described = "publickey " + Disconnect.sanitize(alg) + " " + key.fingerprint();
        if (!signed) {
            busy = true;
            policy.checkAuthPublickeyAsync(user, key).whenComplete((res, e) -> resume(() -> {
                if (e == null && (res == AuthResult.SUCCESSFUL || res == AuthResult.PARTIALLY_SUCCESSFUL)) {
                    transport.send(new UserAuthMessages.PkOk(alg, blob).encode());
                } else {
                    // a refused query counts, as in sshd: otherwise a client could probe without
                    // limit which keys may log in as a user
                    failure(described, e);
                }
            }));
            return;
        }
        byte[] signature = head.withSignature(r).signature();
        byte[] signedData = new PublickeySignedData(transport.sessionId(), user, service, alg, blob, boundHostKey).encode();
        boolean ok;
        try {
            ok = SignatureAlgorithms.verify(SignatureAlgorithms.underlyingAlgorithm(alg), key.publicKey(), signedData, signature);
        } catch (SshException e) {
            // a malformed or mislabelled signature is a failed attempt, as in sshd, not a reason to hang up
            log.info("{} unusable publickey signature for {}: {}", transport, Disconnect.sanitize(user), e.getMessage());
            ok = false;
        }
        if (!ok) {
            log.info("{} publickey signature for {} by {} did not verify", transport, Disconnect.sanitize(user), key.fingerprint());
            failure(described + " (bad signature)", null);
            return;
        }
        await(policy.checkAuthPublickeySignedAsync(user, key), described, true);
    }

    private UserKey userKey(String alg, byte[] blob) throws SshException {
        String plain = SignatureAlgorithms.underlyingAlgorithm(alg);
        if (!acceptedAlgorithms.contains(plain)) {
            log.debug("{} user key algorithm {} not accepted", transport, Disconnect.sanitize(alg));
            return null;
        }
        OpenSshCertificate cert = null;
        PublicKey pk;
        if (!plain.equals(alg)) {
            cert = OpenSshCertificate.parse(blob);
            pk = cert.publicKey();
            String expectedType = SignatureAlgorithms.keyType(plain);
            if (!cert.keyType().equals(expectedType.equals("ssh-rsa") ? "ssh-rsa-cert-v01@openssh.com" : expectedType + "-cert-v01@openssh.com")) {
                return null;
            }
        } else {
            pk = SignatureAlgorithms.decodePublicKey(blob);
            if (!SignatureAlgorithms.keyType(alg).equals(new SshReader(blob).ascii())) {
                return null;
            }
        }
        return new UserKey(alg, blob.clone(), pk, cert);
    }

    private void infoResponse(SshReader r) throws IOException {
        if (!interactiveActive) {
            throw new SshException(DisconnectReason.PROTOCOL_ERROR, "USERAUTH_INFO_RESPONSE without a pending INFO_REQUEST");
        }
        List<String> responses = UserAuthMessages.InfoResponse.decode(r, interactivePrompts).responses();
        interactiveActive = false;
        busy = true;
        policy.checkAuthInteractiveResponseAsync(responses).whenComplete((a, e) -> resume(() -> {
            if (e != null || a == null) {
                failure("keyboard-interactive", e);
            } else if (a.next() != null) {
                sendQuery(a.next());
            } else {
                result(a.result(), "keyboard-interactive", true);
            }
        }));
    }

    private void sendQuery(InteractiveQuery q) throws IOException {
        List<UserAuthMessages.InfoRequest.Prompt> prompts = new ArrayList<>();
        for (InteractiveQuery.Prompt p : q.prompts()) {
            prompts.add(new UserAuthMessages.InfoRequest.Prompt(p.text(), p.echo()));
        }
        byte[] m = new UserAuthMessages.InfoRequest(q.name(), q.instruction(), "", prompts).encode();
        interactiveActive = true;
        interactivePrompts = q.prompts().size();
        transport.send(m);
    }

    /** Waits for a policy answer, then reports it. */
    private void await(CompletionStage<AuthResult> stage, String method, boolean counts) {
        busy = true;
        stage.whenComplete((res, e) -> resume(() -> {
            if (e != null || res == null) {
                failure(method, e);
            } else {
                result(res, method, counts);
            }
        }));
    }

    private void result(AuthResult res, String method, boolean counts) throws IOException {
        switch (res) {
            case SUCCESSFUL:
                notePassed(method);
                success(method);
                return;
            case PARTIALLY_SUCCESSFUL:
                notePassed(method);
                EventLog.authPartial(transport, user, method);
                sendFailure(true);
                return;
            case PASSWORD_CHANGE_REQUIRED:
                if (!method.equals("password")) {
                    failure(method, null);
                    return;
                }
                transport.send(new UserAuthMessages.PasswdChangeReq(policy.getPasswordChangePrompt(user), "").encode());
                return;
            case FAILED:
            default:
                if (counts) {
                    failure(method, null);
                } else {
                    sendFailure(false);
                }
        }
    }

    /** Records a method that succeeded; {@code described} starts with the method's name. */
    private void notePassed(String described) {
        int space = described.indexOf(' ');
        String name = space < 0 ? described : described.substring(0, space);
        if (!passedMethods.contains(name)) {
            passedMethods.add(name);
        }
    }

    private void failure(String method, Throwable policyError) throws IOException {
        if (policyError != null) {
            log.warn("{} authentication policy failed for {}", transport, method, policyError);
        }
        failures++;
        transport.noteAuthenticationFailure();
        EventLog.authFailed(transport, user, method, failures, maxAuthTries);
        if (failures >= maxAuthTries) {
            throw new SshException(DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE,
                    "too many authentication failures (" + failures + ")");
        }
        sendFailure(false);
    }

    private void sendFailure(boolean partial) throws IOException {
        List<String> methods = policy.getAllowedAuths(user);
        if (methods == null || methods.isEmpty()) {
            throw new SshException(DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE,
                    "no authentication methods can continue");
        }
        transport.send(new UserAuthMessages.Failure(methods, partial).encode());
    }

    private void success(String method) throws IOException {
        done = true;
        try {
            // every successful login passes here, whatever the policy, once: the validators may
            // still refuse it (a DISCONNECT with their reason), before the policy hears of it
            loginCheck.check(user, List.copyOf(passedMethods));
            policy.authenticated(user);
        } catch (SshException | RuntimeException e) {
            EventLog.authRefused(transport, user, method,
                    e instanceof dev.tether.ssh.common.DisconnectException de ? de.description() : String.valueOf(e.getMessage()));
            throw e;
        }
        EventLog.authAccepted(transport, user, method);
        MessageHandler next = nextService.apply(service);
        transport.setMessageHandler(next);
        transport.authenticationSucceeded(new UserAuthMessages.Success().encode());
    }

    private void sendBannerOnce() throws IOException {
        if (bannerSent) {
            return;
        }
        bannerSent = true;
        String banner = policy.getBanner();
        if (banner != null && !banner.isEmpty()) {
            transport.send(new UserAuthMessages.Banner(banner, "").encode());
        }
    }

    /**
     * The server's own check of a login the policy has accepted (the validators'
     * {@code acceptIdentification}); a refusal is a {@link dev.tether.ssh.common.DisconnectException}.
     */
    @FunctionalInterface
    public interface LoginCheck {
        void check(String user, List<String> methods) throws SshException;
    }

    /** A continuation that may run on any thread once the policy has answered. */
    private interface Step {
        void run() throws IOException;
    }

    private void resume(Step step) {
        try {
            synchronized (this) {
                busy = false;
                step.run();
                while (!busy && !done && !queued.isEmpty()) {
                    process(queued.poll());
                }
            }
        } catch (IOException | RuntimeException e) {
            transport.abort(e);
        }
    }
}
