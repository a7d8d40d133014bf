package dev.tether.ssh.auth;

import dev.tether.ssh.Engines;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.KnownHostsVerifier;
import dev.tether.ssh.keys.OpenSshCertificate;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server presenting a host certificate, verified by our client through a known_hosts
 * {@code @cert-authority} line; a certificate from another CA, or for another host, is refused.
 */
class HostCertificateTest {
    @TempDir
    Path dir;

    private OpenSshCertificate hostCert(KeyPair ca, KeyPair hostKey, List<String> principals) throws Exception {
        long now = Instant.now().getEpochSecond();
        return OpenSshCertificate.sign(hostKey.getPublic(), OpenSshCertificate.Type.HOST, 1, "test-host", principals,
                now - 60, now + 3600, Map.of(), Map.of(), ca.getPublic(), ca.getPrivate(), "ssh-ed25519");
    }

    private Path knownHosts(KeyPair ca, int port) throws Exception {
        Path kh = dir.resolve("known_hosts");
        Files.writeString(kh, "@cert-authority [127.0.0.1]:" + port + " " + OpenSshKeyFile.publicKeyLine(ca.getPublic(), "ca") + "\n");
        return kh;
    }

    @Test
    void certificateTrustedThroughCertAuthorityLine() throws Exception {
        KeyPair ca = SignatureAlgorithms.generate("ssh-ed25519", 0);
        KeyPair hostKey = SignatureAlgorithms.generate("ecdsa-sha2-nistp256", 0);
        TransportConfig server = TransportConfig.builder().hostKeys(List.of(hostKey))
                .addHostCertificate(hostCert(ca, hostKey, List.of("127.0.0.1"))).build();
        TransportConfig client = TransportConfig.builder().hostKeyAlgorithms(List.of(
                "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp256")).build();
        try (SshServer s = SshServer.start("127.0.0.1", 0, server);
             Transport t = Transport.connect("127.0.0.1", s.port(), client,
                     KnownHostsVerifier.of(knownHosts(ca, s.port()), KnownHostsVerifier.Mode.STRICT))) {
            assertEquals("ecdsa-sha2-nistp256-cert-v01@openssh.com", t.negotiatedAlgorithms().hostKey());
            assertTrue(OpenSshCertificate.isCertificateAlgorithm(new dev.tether.ssh.common.SshReader(t.remoteHostKeyBlob()).ascii()));
            Engines.of(t).requestService("ssh-userauth", Duration.ofSeconds(10));
        }
    }

    @Test
    void certificateFromAnotherCaOrForAnotherHostIsRefused() throws Exception {
        KeyPair ca = SignatureAlgorithms.generate("ssh-ed25519", 0);
        KeyPair otherCa = SignatureAlgorithms.generate("ssh-ed25519", 0);
        KeyPair hostKey = SignatureAlgorithms.generate("ssh-ed25519", 0);
        TransportConfig client = TransportConfig.builder().hostKeyAlgorithms(List.of("ssh-ed25519-cert-v01@openssh.com")).build();
        for (OpenSshCertificate cert : List.of(hostCert(otherCa, hostKey, List.of("127.0.0.1")),
                hostCert(ca, hostKey, List.of("elsewhere.example")))) {
            TransportConfig server = TransportConfig.builder().hostKeys(List.of(hostKey)).addHostCertificate(cert).build();
            try (SshServer s = SshServer.start("127.0.0.1", 0, server)) {
                assertThrows(SshException.class, () -> Transport.connect("127.0.0.1", s.port(), client,
                        KnownHostsVerifier.of(knownHosts(ca, s.port()), KnownHostsVerifier.Mode.STRICT)).close());
            }
        }
    }
}
