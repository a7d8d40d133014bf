package dev.tether.ssh.auth;

import dev.tether.ssh.common.ConnectionInfo;
import dev.tether.ssh.keys.AuthorizedKeys;
import dev.tether.ssh.policy.UserKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Public key checks against OpenSSH authorized_keys files, read afresh at each check as sshd
 * does, with their options and {@code cert-authority} lines enforced by
 * {@link AuthorizedKeys#find}. Malformed lines are skipped with a warning naming file and line.
 */
public final class AuthorizedKeysChecker implements PublicKeyChecker {
    private static final Logger log = LoggerFactory.getLogger(AuthorizedKeysChecker.class);

    private final Function<String, Path> fileForUser;

    private AuthorizedKeysChecker(Function<String, Path> fileForUser) {
        this.fileForUser = fileForUser;
    }

    /**
     * Each user's own file, e.g. {@code user -> home(user).resolve(".ssh/authorized_keys")}; null means no file.
     *
     * @param fileForUser maps a user name to that user's authorized_keys file, or to null when the user has none
     * @return a checker reading the user's file at each check
     */
    public static AuthorizedKeysChecker perUser(Function<String, Path> fileForUser) {
        return new AuthorizedKeysChecker(fileForUser);
    }

    /**
     * One file whose keys log in as {@code onlyUser} only, as sshd does for a single account.
     *
     * @param onlyUser the one user name the file's keys may log in as; every other name is refused
     * @param file     the authorized_keys file
     * @return a checker reading the file at each check
     */
    public static AuthorizedKeysChecker forUser(String onlyUser, Path file) {
        return new AuthorizedKeysChecker(u -> u.equals(onlyUser) ? file : null);
    }

    @Override
    public CompletionStage<Optional<AuthorizedKeys.Match>> check(String username, UserKey key, ConnectionInfo connection) {
        Path file = fileForUser.apply(username);
        if (file == null || !Files.isRegularFile(file)) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        try {
            AuthorizedKeys keys = AuthorizedKeys.load(file);
            keys.errors().forEach(e -> log.warn("{}", e.getMessage()));
            InetAddress client = address(connection.remoteHost());
            return CompletableFuture.completedFuture(keys.find(key.blob(), username, client, Instant.now()));
        } catch (IOException e) {
            log.warn("cannot use {}: {}", file, e.getMessage());
            return CompletableFuture.completedFuture(Optional.empty());
        }
    }

    private static InetAddress address(String host) {
        try {
            // remoteHost is a literal address for accepted sockets; no name lookup happens
            return InetAddress.getByName(host.equals("unknown") ? "0.0.0.0" : host);
        } catch (UnknownHostException e) {
            return InetAddress.getLoopbackAddress();
        }
    }
}
