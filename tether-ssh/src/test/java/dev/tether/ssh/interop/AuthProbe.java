package dev.tether.ssh.interop;

import dev.tether.ssh.Engines;
import dev.tether.ssh.Transport;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.wire.MessageNumbers;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Client side: one USERAUTH_REQUEST for method {@code none} (RFC 4252 §5.2) after SERVICE_ACCEPT,
 * returning the methods the server's USERAUTH_FAILURE lists. A round trip through the layer
 * above the transport, so it proves both directions' keys work, e.g. after a re-exchange.
 */
final class AuthProbe {
    private AuthProbe() {
    }

    static List<String> none(Transport t, String user, Duration timeout) throws Exception {
        CompletableFuture<List<String>> failure = new CompletableFuture<>();
        Engines.of(t).setMessageHandler((m, payload) -> {
            if (m == MessageNumbers.USERAUTH_BANNER) {
                return true;
            }
            if (m == MessageNumbers.USERAUTH_FAILURE) {
                failure.complete(payload.nameList());
                return true;
            }
            if (m == MessageNumbers.USERAUTH_SUCCESS) {
                failure.completeExceptionally(new AssertionError("USERAUTH_SUCCESS for method none"));
                return true;
            }
            return false;
        });
        Engines.of(t).send(new SshWriter(64).byteValue(MessageNumbers.USERAUTH_REQUEST)
                .string(user).string("ssh-connection").string("none").toByteArray());
        try {
            return failure.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("no USERAUTH_FAILURE within " + timeout + "; transport active=" + t.isActive()
                    + " closeCause=" + t.closeCause(), e);
        }
    }
}
