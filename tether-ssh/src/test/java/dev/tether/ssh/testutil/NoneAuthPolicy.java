package dev.tether.ssh.testutil;

import dev.tether.ssh.policy.AuthResult;
import dev.tether.ssh.policy.ServerInterface;

import java.util.List;

/** A server policy that lets anyone in with {@code none} and otherwise keeps ServerInterface's denials; extend it to allow more. */
public class NoneAuthPolicy implements ServerInterface {
    @Override
    public List<String> getAllowedAuths(String username) {
        return List.of("none");
    }

    @Override
    public AuthResult checkAuthNone(String username) {
        return AuthResult.SUCCESSFUL;
    }
}
