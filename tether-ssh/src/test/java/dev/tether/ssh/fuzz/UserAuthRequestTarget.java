package dev.tether.ssh.fuzz;

import dev.tether.ssh.FuzzHooks;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.policy.AuthResult;
import dev.tether.ssh.policy.InteractiveQuery;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.policy.UserKey;
import dev.tether.ssh.userauth.ServerAuthService;
import dev.tether.ssh.wire.MessageNumbers;
import dev.tether.ssh.wire.UserAuthRequest;

import java.io.IOException;
import java.util.List;

/**
 * SSH_MSG_USERAUTH_REQUEST as the server decodes it: the real {@link ServerAuthService} on a
 * recording transport, with a policy that refuses every credential (it accepts publickey
 * queries, so PK_OK is built too) and answers keyboard-interactive with prompts. Covers the
 * head (user, service, method), every method's fields (none, password and its change form,
 * publickey and {@code publickey-hostbound-v00@openssh.com} with and without signature, the key
 * and certificate blob decoding, the signature check of a decodable key, keyboard-interactive)
 * and INFO_RESPONSE.
 *
 * <p>Input: byte 0 bit 0 clear: the rest is one USERAUTH_REQUEST body (after the message
 * number). Bit 0 set: a keyboard-interactive request is made first, the policy asks
 * {@code (byte0 >> 1) % 4} prompts, and the rest is the INFO_RESPONSE body. Only
 * {@link IOException} (the service's {@link SshException}, which ends the connection) is
 * expected; and a request the service accepted must have been answered.
 */
public final class UserAuthRequestTarget {
    /** Our host key blob, which a hostbound request must name (the seed script writes the same). */
    static final byte[] HOST_KEY = new SshWriter().string("ssh-ed25519").string(filled(32, 0x11)).toByteArray();
    private static final List<String> ALGORITHMS = FuzzHooks.defaultSettings().userAuthSignatureAlgorithms();

    private UserAuthRequestTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length == 0) {
            return;
        }
        FuzzTransport t = new FuzzTransport(false, HOST_KEY);
        int prompts = ((data[0] & 0xff) >> 1) % 4;
        ServerAuthService auth = new ServerAuthService(t, new Policy(prompts), 6, ALGORITHMS, (user, methods) -> {
        }, service -> service.equals("ssh-connection") ? (m, r) -> true : null);
        try {
            if ((data[0] & 1) != 0) {
                byte[] ki = new SshWriter().string("fuzz").string("ssh-connection").string(UserAuthRequest.KEYBOARD_INTERACTIVE)
                        .string("").string("").toByteArray();
                auth.handle(MessageNumbers.USERAUTH_REQUEST, new SshReader(ki));
                expectAnswer(t, "the keyboard-interactive request");
                t.sent.clear();
                auth.handle(MessageNumbers.USERAUTH_INFO_RESPONSE, new SshReader(data, 1, data.length - 1));
                expectAnswer(t, "INFO_RESPONSE");
            } else {
                auth.handle(MessageNumbers.USERAUTH_REQUEST, new SshReader(data, 1, data.length - 1));
                expectAnswer(t, "USERAUTH_REQUEST");
            }
        } catch (IOException e) {
            // malformed or refused outright: the connection ends with the reason
        }
        t.rethrowUnexpected();
    }

    private static void expectAnswer(FuzzTransport t, String what) {
        t.rethrowUnexpected();
        if (t.sent.isEmpty() && t.aborted == null) {
            throw new IllegalStateException(what + " was accepted but not answered");
        }
    }

    private static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }

    /** Refuses every credential; accepts publickey queries; asks {@code prompts} questions. */
    private static final class Policy implements ServerInterface {
        private final int prompts;

        Policy(int prompts) {
            this.prompts = prompts;
        }

        @Override
        public List<String> getAllowedAuths(String username) {
            return List.of("publickey", "password", "keyboard-interactive");
        }

        @Override
        public AuthResult checkAuthPublickey(String username, UserKey key) {
            return AuthResult.SUCCESSFUL;
        }

        @Override
        public java.util.concurrent.CompletionStage<AuthResult> checkAuthPublickeySignedAsync(String username, UserKey key) {
            return java.util.concurrent.CompletableFuture.completedFuture(AuthResult.FAILED);
        }

        @Override
        public InteractiveQuery checkAuthInteractive(String username, String submethods) {
            InteractiveQuery q = InteractiveQuery.of("fuzz", "");
            for (int i = 0; i < prompts; i++) {
                q = q.withPrompt("Password: ", false);
            }
            return q;
        }

        @Override
        public InteractiveQuery.Answer checkAuthInteractiveResponse(List<String> responses) {
            if (responses.size() != prompts) {
                throw new IllegalStateException(responses.size() + " responses reached the policy for " + prompts + " prompts");
            }
            return InteractiveQuery.Answer.done(AuthResult.FAILED);
        }
    }
}
