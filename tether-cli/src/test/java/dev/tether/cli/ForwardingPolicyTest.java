package dev.tether.cli;

import dev.tether.ssh.policy.GatewayPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a login may forward in {@code tether server}, in process: PermitOpen and PermitListen
 * matched as sshd matches them (global and in Match blocks, {@code any}, {@code none}, {@code *}
 * ports, bare listen ports), GatewayPorts, and {@code --no-forwarding} turning every kind off.
 */
class ForwardingPolicyTest {
    @TempDir
    Path dir;

    private ServerSettings read(String... lines) throws Exception {
        Path f = Files.writeString(dir.resolve("sshd_config"), String.join("\n", lines) + "\n");
        ServerSettings s = new ServerSettings();
        SshdConfig.read(f, s, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        return s;
    }

    @Test
    void permitOpenAndPermitListenMatchAsSshd() throws Exception {
        ServerSettings s = read(
                "PermitOpen db.internal:5432 127.0.0.1:*",
                "PermitListen 8080 127.0.0.1:9000",
                "GatewayPorts clientspecified",
                "Match User eve",
                "  PermitOpen none",
                "  PermitListen none",
                "  GatewayPorts yes",
                "Match User root",
                "  PermitOpen any");
        LoginPolicy alice = s.forLogin(dir, "alice", "127.0.0.1");
        assertTrue(alice.permitsOpen("db.internal", 5432));
        assertFalse(alice.permitsOpen("db.internal", 5433), "another port");
        assertFalse(alice.permitsOpen("DB.internal", 5432), "hosts are literal");
        assertTrue(alice.permitsOpen("127.0.0.1", 1));
        assertTrue(alice.permitsListen("localhost", 8080), "a bare port is any host");
        assertTrue(alice.permitsListen("127.0.0.1", 9000));
        assertFalse(alice.permitsListen("0.0.0.0", 9000));
        assertFalse(alice.permitsListen("localhost", 0), "port 0 is not listed");
        assertEquals(GatewayPorts.CLIENT_SPECIFIED, alice.gateway());

        LoginPolicy eve = s.forLogin(dir, "eve", "127.0.0.1");
        assertFalse(eve.permitsOpen("db.internal", 5432));
        assertFalse(eve.permitsListen("localhost", 8080));
        assertEquals(GatewayPorts.YES, eve.gateway());

        LoginPolicy root = s.forLogin(dir, "root", "127.0.0.1");
        assertTrue(root.permitsOpen("anything", 1));
        assertEquals(GatewayPorts.CLIENT_SPECIFIED, root.gateway());

        assertTrue(new ServerSettings().forLogin(dir, "x", "127.0.0.1").permitsOpen("anywhere", 80), "any by default");
        assertEquals(GatewayPorts.NO, new ServerSettings().forLogin(dir, "x", "127.0.0.1").gateway(), "GatewayPorts no by default");
    }

    @Test
    void noForwardingTurnsEveryKindOffWhateverTheFileSays() throws Exception {
        ServerSettings s = read("AllowTcpForwarding yes", "AllowStreamLocalForwarding yes", "Match User alice", "  AllowTcpForwarding all");
        assertEquals(Set.of("session", "direct-tcpip", "forwarded-tcpip", "direct-streamlocal@openssh.com",
                "forwarded-streamlocal@openssh.com", "auth-agent@openssh.com"), s.forLogin(dir, "alice", "127.0.0.1").channelTypes());
        s.noForwarding = true;
        assertEquals(Set.of("session"), s.forLogin(dir, "alice", "127.0.0.1").channelTypes());
        assertEquals(Set.of("session"), s.forLogin(dir, "bob", "127.0.0.1").channelTypes());
    }

    @Test
    void gatewayPortsDecidesWhereARemoteForwardListens() {
        assertEquals(GatewayPorts.LOOPBACK, GatewayPorts.NO.listenHost(""));
        assertEquals(GatewayPorts.LOOPBACK, GatewayPorts.NO.listenHost("0.0.0.0"));
        assertEquals("127.0.0.1", GatewayPorts.NO.listenHost("127.0.0.1"));
        assertEquals("::1", GatewayPorts.NO.listenHost("::1"));
        assertEquals(GatewayPorts.ANY, GatewayPorts.YES.listenHost("localhost"));
        assertEquals(GatewayPorts.ANY, GatewayPorts.CLIENT_SPECIFIED.listenHost("*"));
        assertEquals(GatewayPorts.LOOPBACK, GatewayPorts.CLIENT_SPECIFIED.listenHost("localhost"));
        assertEquals("192.0.2.7", GatewayPorts.CLIENT_SPECIFIED.listenHost("192.0.2.7"));
    }
}
