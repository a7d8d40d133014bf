package dev.tether.sftp;

import dev.tether.sftp.policy.SftpRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.policy.SftpOperation.Kind;
import dev.tether.sftp.protocol.SftpConstants;
import dev.tether.sftp.protocol.SftpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SSH_FXP_SYMLINK's two paths come in OpenSSH's order (target, link) from OpenSSH-like clients
 * and in the draft's order (link, target) from clients the compatibility table names (the
 * built-in Tectia and SSH Secure Shell rules, or a rule of the builder's): either way the link
 * the client meant is made, checked on the disk and in what the policy is told.
 */
class SymlinkOrderTest {
    @TempDir
    Path dir;

    /** Sends SYMLINK(first, second) from a client with this version, in a fresh server; expects OK. */
    private RecordingPolicy symlink(SftpServer.Builder builder, String software, String comment, String first, String second)
            throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("target.txt"), "the target\n");
        RecordingPolicy policy = new RecordingPolicy();
        try (SftpTestServer s = new SftpTestServer(dir, builder.root(SftpRoot.jail(root)).policy(policy).build());
             RawSftp raw = new RawSftp(s.login(software, comment))) {
            int id = raw.nextId();
            assertEquals(SftpConstants.SSH_FX_OK, RawSftp.status(raw.call(new SftpRequest.Symlink(id, first, second))));
        }
        return policy;
    }

    private void assertLink(RecordingPolicy policy) throws Exception {
        Path link = dir.resolve("root/link");
        assertEquals(Path.of("target.txt"), Files.readSymbolicLink(link));
        assertEquals("the target\n", Files.readString(link));
        RecordingPolicy.Outcome op = policy.await(Kind.SYMLINK, "/link");
        assertEquals("target.txt", op.target());
        assertTrue(op.status().ok());
    }

    @Test
    void openSshSendsTheTargetFirst() throws Exception {
        assertLink(symlink(SftpServer.builder(), "OpenSSH_9.2p1", "Debian-2", "target.txt", "/link"));
    }

    @Test
    void anUnknownClientIsTakenToSpeakOpenSshsOrder() throws Exception {
        assertLink(symlink(SftpServer.builder(), "paramiko_2.12.0", null, "target.txt", "/link"));
    }

    @Test
    void tectiaSendsTheLinkFirst() throws Exception {
        assertLink(symlink(SftpServer.builder(), "SSHTectia_6.4.19", null, "/link", "target.txt"));
    }

    @Test
    void sshSecureShellSendsTheLinkFirst() throws Exception {
        assertLink(symlink(SftpServer.builder(), "3.2.9.1", "SSH Secure Shell (non-commercial)", "/link", "target.txt"));
    }

    @Test
    void aRuleOfTheBuilderNamesADraftClient() throws Exception {
        SftpServer.Builder b = SftpServer.builder().symlinkOrder("SSH-2.0-DraftClient_*", false);
        assertLink(symlink(b, "DraftClient_1.0", null, "/link", "target.txt"));
    }

    @Test
    void aRuleOfTheBuilderComesBeforeTheBuiltInOnes() throws Exception {
        SftpServer.Builder b = SftpServer.builder().symlinkOrder("SSH-2.0-SSHTectia_7*", true);
        assertLink(symlink(b, "SSHTectia_7.0", null, "target.txt", "/link"));
    }
}
