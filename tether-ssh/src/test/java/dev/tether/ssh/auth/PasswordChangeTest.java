package dev.tether.ssh.auth;

import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.AuthenticationException;
import dev.tether.ssh.policy.AuthResult;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.testutil.Pair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RFC 4252 §8 from the client's side: an expired password is changed through a {@code PasswordChanger}. */
@Timeout(60)
class PasswordChangeTest {

    /** Alice's password "old" has expired; "new-one" is accepted as its replacement, once. */
    static final class ExpiringPasswords implements ServerInterface {
        final List<String> changes = new ArrayList<>();
        volatile String current = "old";
        volatile boolean expired = true;

        @Override
        public List<String> getAllowedAuths(String username) {
            return List.of("password");
        }

        @Override
        public AuthResult checkAuthPassword(String username, String password) {
            if (!username.equals("alice") || !password.equals(current)) {
                return AuthResult.FAILED;
            }
            return expired ? AuthResult.PASSWORD_CHANGE_REQUIRED : AuthResult.SUCCESSFUL;
        }

        @Override
        public AuthResult checkAuthPasswordChange(String username, String oldPassword, String newPassword) {
            synchronized (changes) {
                changes.add(oldPassword + "->" + newPassword);
            }
            if (!oldPassword.equals(current) || newPassword.length() < 6) {
                return AuthResult.PASSWORD_CHANGE_REQUIRED;
            }
            current = newPassword;
            expired = false;
            return AuthResult.SUCCESSFUL;
        }

        @Override
        public String getPasswordChangePrompt(String username) {
            return "Password expired for " + username;
        }
    }

    private static Pair connect(ExpiringPasswords policy) throws Exception {
        return Pair.inMemory(TransportConfig.builder().build(), Pair.serverConfig().serverInterface(t -> policy).build());
    }

    @Test
    void anExpiredPasswordIsChangedAndTheLoginSucceeds() throws Exception {
        ExpiringPasswords policy = new ExpiringPasswords();
        AtomicReference<String> prompt = new AtomicReference<>();
        try (Pair p = connect(policy)) {
            assertEquals(List.of(), p.client.authPassword("alice", "old", (text, lang) -> {
                prompt.set(text);
                return "new-one";
            }));
            assertTrue(p.client.isAuthenticated());
            assertEquals("Password expired for alice", prompt.get());
            assertEquals(List.of("old->new-one"), policy.changes);
        }
    }

    @Test
    void aRejectedNewPasswordIsAskedForAgain() throws Exception {
        ExpiringPasswords policy = new ExpiringPasswords();
        List<String> offered = new ArrayList<>(List.of("short", "long-enough"));
        try (Pair p = connect(policy)) {
            assertEquals(List.of(), p.client.authPassword("alice", "old", (text, lang) -> offered.remove(0)));
            assertEquals(List.of("old->short", "old->long-enough"), policy.changes);
        }
    }

    @Test
    void withoutAChangerOrWhenItGivesUpTheAttemptFails() throws Exception {
        ExpiringPasswords policy = new ExpiringPasswords();
        try (Pair p = connect(policy)) {
            AuthenticationException e = assertThrows(AuthenticationException.class, () -> p.client.authPassword("alice", "old"));
            assertTrue(e.getMessage().contains("password change"), e.getMessage());
            assertThrows(AuthenticationException.class, () -> p.client.authPassword("alice", "old", (text, lang) -> null));
            assertFalse(p.client.isAuthenticated());
            assertEquals(List.of(), policy.changes);
        }
    }

    @Test
    void aServerThatNeverAcceptsIsGivenUpOnAfterThreeChanges() throws Exception {
        ExpiringPasswords policy = new ExpiringPasswords();
        try (Pair p = connect(policy)) {
            assertThrows(AuthenticationException.class, () -> p.client.authPassword("alice", "old", (text, lang) -> "tiny"));
            assertEquals(3, policy.changes.size(), policy.changes.toString());
        }
    }
}
