package dev.tether.ssh.fuzz;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.AuthorizedKeys;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * authorized_keys text (its bytes as UTF-8) with every option sshd knows ({@code from=},
 * {@code command=}, {@code environment=}, {@code permitopen=}, {@code permitlisten=},
 * {@code expiry-time=}, {@code principals=}, {@code cert-authority}, {@code no-*},
 * {@code restrict} and its re-enabling options, {@code tunnel=}), through
 * {@link AuthorizedKeys#parse} (lenient and strict), then {@link AuthorizedKeys#find} for fixed
 * connections (user alice from 192.0.2.10 and from ::1, with and without a host name) offering a
 * fixed Ed25519 key and a user certificate for it from a fixed CA (fuzz-fixtures/), and the
 * options of what matched. Errors are {@link SshException}s naming {@code source:line}.
 *
 * <p>Invariants: strict parsing fails exactly when lenient parsing skipped a line; an entry's
 * {@code toLine} reads back with the same key and options; a match is a line with the offered key
 * (or a cert-authority line with its CA) that has not expired and whose {@code from=} allows the
 * client; forwarding permissions imply port forwarding is allowed.
 */
public final class AuthorizedKeysTarget {
    private static final byte[] USER_KEY = FuzzFixtures.blob("user_ed25519.pub");
    private static final byte[] USER_CERT = FuzzFixtures.blob("user_ed25519-cert.pub");
    private static final byte[] USER_CA = FuzzFixtures.blob("user_ca.pub");
    private static final InetAddress CLIENT = address(new byte[] {(byte) 192, 0, 2, 10});
    private static final InetAddress CLIENT6 = address(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});

    private AuthorizedKeysTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        AuthorizedKeys keys;
        try {
            keys = AuthorizedKeys.parse("fuzz", text, ZoneOffset.UTC, false);
        } catch (SshException e) {
            throw new IllegalStateException("lenient parsing threw: " + e.getMessage(), e);
        }
        for (SshException e : keys.errors()) {
            if (e.getMessage() == null || !e.getMessage().startsWith("fuzz:")) {
                throw new IllegalStateException("an error does not name the line: " + e.getMessage(), e);
            }
        }
        try {
            AuthorizedKeys strict = AuthorizedKeys.parse("fuzz", text, ZoneOffset.UTC, true);
            if (!keys.errors().isEmpty() || strict.entries().size() != keys.entries().size()) {
                throw new IllegalStateException("strict parsing accepted what lenient parsing skipped");
            }
        } catch (SshException e) {
            if (keys.errors().isEmpty()) {
                throw new IllegalStateException("strict parsing refused what lenient parsing accepted: " + e.getMessage(), e);
            }
        }
        for (AuthorizedKeys.AuthorizedKey k : keys.entries()) {
            roundTrip(k);
        }
        for (byte[] offered : List.of(USER_KEY, USER_CERT)) {
            for (InetAddress client : new InetAddress[] {CLIENT, CLIENT6}) {
                for (String host : new String[] {null, "client.example.com"}) {
                    find(keys, offered, host, client);
                }
            }
        }
    }

    private static void roundTrip(AuthorizedKeys.AuthorizedKey k) {
        AuthorizedKeys again;
        try {
            again = AuthorizedKeys.parse("again", k.toLine(), ZoneOffset.UTC, true);
        } catch (SshException e) {
            throw new IllegalStateException("the line of " + k + " does not read back: " + e.getMessage(), e);
        }
        if (again.entries().size() != 1) {
            throw new IllegalStateException("the line of " + k + " reads back as " + again.entries());
        }
        AuthorizedKeys.AuthorizedKey a = again.entries().get(0);
        if (!Arrays.equals(a.blob(), k.blob()) || !a.keyType().equals(k.keyType())
                || !a.options().toString().equals(k.options().toString())) {
            throw new IllegalStateException("the line " + k.toLine() + " reads back as " + a.toLine());
        }
    }

    private static void find(AuthorizedKeys keys, byte[] offered, String host, InetAddress client) {
        Optional<AuthorizedKeys.Match> found;
        try {
            found = keys.find(offered, "alice", host, client, FuzzFixtures.NOW);
        } catch (SshException e) {
            throw new IllegalStateException("find threw for a well-formed fixed key: " + e.getMessage(), e);
        }
        if (found.isEmpty()) {
            return;
        }
        AuthorizedKeys.Match m = found.get();
        AuthorizedKeys.KeyOptions o = m.options();
        boolean cert = offered == USER_CERT;
        if (cert ? !(o.isCertAuthority() && m.entry().keyEquals(USER_CA)) : (o.isCertAuthority() || !m.entry().keyEquals(offered))) {
            throw new IllegalStateException(m.entry() + " matched the wrong key");
        }
        if (o.expired(FuzzFixtures.NOW) || !o.fromAllows(host, client)) {
            throw new IllegalStateException(m.entry() + " matched though expired or from= refuses " + client);
        }
        if (!m.fromAllows(host, client) || m.expired(FuzzFixtures.NOW)) {
            throw new IllegalStateException("a match whose restrictions refuse the connection: " + m);
        }
        for (String[] target : new String[][] {{"localhost", "8080"}, {"db.example.com", "5432"}, {"2001:db8::1", "22"}}) {
            int port = Integer.parseInt(target[1]);
            if ((m.permitOpen(target[0], port) || m.permitListen(target[0], port)) && !m.permitsPortForwarding()) {
                throw new IllegalStateException("forwarding permitted while port forwarding is not: " + o);
            }
        }
        m.permitsPty();
        m.permitsAgentForwarding();
        m.permitsX11();
        m.permitsUserRc();
        m.noTouchRequired();
        m.verifyRequired();
        m.forcedCommand();
        m.environment();
        m.principals();
        o.tunnel();
        o.permitOpenList();
        o.permitListenList();
        m.description();
    }

    private static InetAddress address(byte[] a) {
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
