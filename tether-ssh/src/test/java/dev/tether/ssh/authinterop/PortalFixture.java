package dev.tether.ssh.authinterop;

import dev.tether.ssh.Avatar;
import dev.tether.ssh.Portal;
import dev.tether.ssh.Realm;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.auth.HtpasswdFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.policy.Login;
import dev.tether.testkit.Peers;
import dev.tether.testkit.SshKeygen;
import dev.tether.testkit.TempDirs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The files and servers the "ssh logs into our server" tests share: user keys of every type made
 * by ssh-keygen, a user CA with a signed user key, an authorized_keys file trusting the keys and
 * the CA ({@code cert-authority}), an htpasswd file, and our SshServer behind a portal with a
 * realm that records every {@link Login}.
 */
final class PortalFixture implements AutoCloseable {
    static final String PASSWORD = "correct horse battery staple";
    static final String BANNER = "Tether authinterop banner: authorised use only";

    final Path dir;
    final String user = AuthInterop.osUser();
    final Map<String, Path> keys = new LinkedHashMap<>();
    final Path unknownKey;
    final Path ca;
    final Path certKey;
    final Path authorizedKeys;
    final Path htpasswd;
    final KeyPair hostKey;
    final BlockingQueue<Login> logins = new LinkedBlockingQueue<>();
    private final List<SshServer> servers = new ArrayList<>();

    PortalFixture() throws IOException {
        Peers.requireSshKeygen();
        hostKey = SignatureAlgorithms.generate("ssh-ed25519", 0);
        dir = AuthInterop.tempDir("portal");
        boolean ok = false;
        try {
            keys.put("ed25519", SshKeygen.generate(dir, "id_ed25519", "ed25519", 0));
            keys.put("ecdsa256", SshKeygen.generate(dir, "id_ecdsa256", "ecdsa", 256));
            keys.put("ecdsa384", SshKeygen.generate(dir, "id_ecdsa384", "ecdsa", 384));
            keys.put("ecdsa521", SshKeygen.generate(dir, "id_ecdsa521", "ecdsa", 521));
            keys.put("rsa", SshKeygen.generate(dir, "id_rsa", "rsa", 3072));
            unknownKey = SshKeygen.generate(dir, "id_unknown", "ed25519", 0);
            ca = SshKeygen.generate(dir, "user_ca", "ed25519", 0);
            certKey = SshKeygen.generate(dir, "id_cert", "ed25519", 0);
            SshKeygen.signCertificate(ca, certKey, "authinterop-cert", user, "+1h", false);
            authorizedKeys = dir.resolve("authorized_keys");
            StringBuilder ak = new StringBuilder();
            for (Path k : keys.values()) {
                ak.append(SshKeygen.pubLine(k)).append('\n');
            }
            ak.append("cert-authority ").append(SshKeygen.pubLine(ca)).append('\n');
            Files.writeString(authorizedKeys, ak.toString(), StandardCharsets.US_ASCII);
            htpasswd = dir.resolve("htpasswd");
            Files.writeString(htpasswd, AuthInterop.htpasswdLine(user, PASSWORD) + "\n", StandardCharsets.UTF_8);
            ok = true;
        } finally {
            if (!ok) {
                TempDirs.deleteTree(dir);
            }
        }
    }

    /** A realm that records the login and makes a plain avatar. */
    Realm recordingRealm() {
        return (username, login) -> {
            logins.add(login);
            return (Avatar) () -> username;
        };
    }

    /** Keys from {@link #authorizedKeys} and passwords from {@link #htpasswd}; each method admits alone. */
    Portal.Builder portal() throws IOException {
        return Portal.builder()
                .publicKeys(AuthorizedKeysChecker.forUser(user, authorizedKeys))
                .passwords(HtpasswdFile.load(htpasswd))
                .realm(recordingRealm());
    }

    /** The SHA256 fingerprint of the servers' host key, as ssh-keygen -l prints it. */
    String hostKeyFingerprint() {
        return SignatureAlgorithms.fingerprint(SignatureAlgorithms.encodePublicKey(hostKey.getPublic()));
    }

    SshServer start(Portal portal, int maxAuthTries) throws IOException {
        SshServer s = AuthInterop.startServer(portal, maxAuthTries, hostKey);
        servers.add(s);
        return s;
    }

    /** Our SshServer with this configuration, closed with the fixture. */
    SshServer start(TransportConfig config) throws IOException {
        SshServer s = SshServer.start(AuthInterop.LOOPBACK, 0, config);
        servers.add(s);
        return s;
    }

    /** The next login the realm saw, waiting a bounded time; null if none. */
    Login nextLogin(Duration timeout) throws InterruptedException {
        return logins.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        servers.forEach(SshServer::close);
        TempDirs.deleteTree(dir);
    }
}
