package dev.tether.ssh.validators;

import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.testkit.Poll;
import dev.tether.testkit.PrivateSshd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our client's {@link Transport#setKeepalive} against a private OpenSSH sshd ({@code LogLevel
 * DEBUG3}): sshd logs each {@code keepalive@openssh.com} it receives and the REQUEST_FAILURE it
 * sends back, and the connection stays usable, so the replies were consumed in order (a reply
 * our client did not expect would end the connection).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KeepaliveInteropTest {
    private static final Pattern REQUEST = Pattern.compile("server_input_global_request: rtype keepalive@openssh\\.com want_reply 1");

    @Test
    void keepalivesReachSshdAndAreAnswered() throws Exception {
        try (PrivateSshd sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), List.of("ClientAliveInterval 600"))) {
            KeyPair user = SignatureAlgorithms.generate("ssh-ed25519", 0);
            Files.writeString(sshd.dir().resolve("authorized_keys"), OpenSshKeyFile.publicKeyLine(user.getPublic(), "k") + "\n");
            HostKeyVerifier v = HostKeyVerifier.acceptKeys(List.of(sshd.hostKeyBlob(PrivateSshd.HostKey.ED25519)));
            long mark = sshd.logMark();
            try (Transport c = Transport.connect("127.0.0.1", sshd.port(), TransportConfig.defaults(), v)) {
                assertEquals(List.of(), c.authPublickey(System.getProperty("user.name"), user));
                c.setKeepalive(Duration.ofMillis(200));
                Poll.until(() -> count(sshd.logSince(mark)) >= 5, Duration.ofSeconds(20));
                String log = sshd.logSince(mark);
                int n = count(log);
                assertTrue(n >= 5, "sshd saw " + n + " keepalives in 20 s at a 200 ms interval:\n" + log);
                // each request is answered with REQUEST_FAILURE (sshd's "send packet: type 82"); the
                // last one's answer may not be logged yet
                String afterFirst = log.substring(log.indexOf("rtype keepalive@openssh.com"));
                long failures = afterFirst.lines().filter(l -> l.endsWith("send packet: type 82")).count();
                assertTrue(failures >= n - 1, n + " keepalives, " + failures + " answers:\n" + afterFirst);
                c.setKeepalive(Duration.ZERO);
                assertTrue(c.isActive(), "every reply matched a request: " + c.closeCause());
                assertEquals("still\n", c.exec("echo still", Duration.ofSeconds(20)).stdoutText());
            }
        }
    }

    private static int count(String log) {
        Matcher m = REQUEST.matcher(log);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
