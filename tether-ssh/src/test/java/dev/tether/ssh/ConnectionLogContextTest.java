package dev.tether.ssh;

import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.Pair;
import dev.tether.ssh.testutil.TestKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.MDC;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Issue 16: the log lines of one connection can be grouped. Every thread of a connection, on
 * both sides, carries {@link Transport#MDC_CONNECTION} in the slf4j MDC: the reader (seen here
 * by the client's host key check, which runs during the key exchange) and the threads started
 * from it (the server's command thread). Two connections never share a value, and the
 * application's own thread is left alone.
 */
class ConnectionLogContextTest {
    @TempDir
    Path dir;

    @Test
    void everyThreadOfAConnectionLogsWithItsId() throws Exception {
        KeyPair alice = SignatureAlgorithms.generate("ssh-ed25519", 0);
        Path ak = dir.resolve("authorized_keys");
        Files.writeString(ak, OpenSshKeyFile.publicKeyLine(alice.getPublic(), "alice") + "\n");
        Set<String> seenByCommands = ConcurrentHashMap.newKeySet();
        Set<String> seenByVerifier = ConcurrentHashMap.newKeySet();
        Portal portal = Portal.builder().publicKeys(AuthorizedKeysChecker.forUser("alice", ak))
                .commands(cmd -> ctx -> {
                    seenByCommands.add(String.valueOf(MDC.get(Transport.MDC_CONNECTION)));
                    ctx.stdout().write("ok\n".getBytes(StandardCharsets.US_ASCII));
                    return 0;
                }).build();
        HostKeyVerifier trusting = Pair.trustAllTestKeys();
        HostKeyVerifier recording = (host, port, algorithm, blob) -> {
            seenByVerifier.add(String.valueOf(MDC.get(Transport.MDC_CONNECTION)));
            return trusting.verify(host, port, algorithm, blob);
        };
        TransportConfig server = TransportConfig.builder().hostKeys(TestKeys.all()).serverInterface(portal.serverInterface()).build();
        try (SshServer s = SshServer.start("127.0.0.1", 0, server);
             Transport a = Transport.connect("127.0.0.1", s.port(), TransportConfig.builder().build(), recording);
             Transport b = Transport.connect("127.0.0.1", s.port(), TransportConfig.builder().build(), recording)) {
            for (Transport c : List.of(a, b)) {
                c.authPublickey("alice", alice);
                assertEquals("ok\n", c.exec("x", Duration.ofSeconds(10)).stdoutText());
            }
            assertEquals(Set.of("client-" + a.id(), "client-" + b.id()), seenByVerifier, "the clients' reader threads (the host key check)");
            Set<String> servers = ConcurrentHashMap.newKeySet();
            s.connections().forEach(t -> servers.add("server-" + t.id()));
            assertEquals(servers, seenByCommands, "the server's command threads, one value per connection");
            assertEquals(2, seenByCommands.size());
        }
        assertNull(MDC.get(Transport.MDC_CONNECTION), "the application's thread is left alone");
    }
}
