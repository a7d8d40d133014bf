package dev.tether.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.policy.SftpRoot;
import dev.tether.sftp.protocol.SftpConstants;
import dev.tether.sftp.protocol.SftpRequest;
import dev.tether.sftp.protocol.SftpResponse;
import dev.tether.ssh.Avatar;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.policy.Command;
import dev.tether.ssh.policy.SubsystemHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conch's realm gives each user their own files: the avatar serves an SFTP server on that user's
 * jail as its {@code sftp} subsystem, and the same server's SCP as its command.
 */
class PerUserRootTest {
    @TempDir
    Path dir;

    @Test
    void eachUsersAvatarServesTheirOwnJail() throws Exception {
        Path base = Files.createDirectories(dir.resolve("users"));
        for (String u : new String[] {"alice", "bob"}) {
            Files.createDirectories(base.resolve(u));
            Files.writeString(base.resolve(u).resolve("whoami.txt"), u);
        }
        SftpServer shared = SftpServer.builder().build();
        try (SftpTestServer s = new SftpTestServer(dir, shared, p -> p
                .publicKeys((user, key, t) -> AuthorizedKeysChecker.forUser(user, dir.resolve("keys/authorized_keys")).check(user, key, t))
                .realm((user, login) -> new Avatar() {
                    final SftpServer mine = shared.withRoot(SftpRoot.jail(base.resolve(user)));

                    @Override
                    public String username() {
                        return user;
                    }

                    @Override
                    public Map<String, SubsystemHandler> subsystems() {
                        return Map.of("sftp", mine);
                    }

                    @Override
                    public Command command(String line) {
                        return mine.scpCommand(line);
                    }
                }), c -> c)) {
            for (String u : new String[] {"alice", "bob"}) {
                try (RawSftp raw = new RawSftp(s.loginAs(u, null, null))) {
                    SftpResponse open = raw.call(new SftpRequest.Open(raw.nextId(), "/whoami.txt", SftpConstants.SSH_FXF_READ,
                            dev.tether.sftp.protocol.FileAttributes.EMPTY));
                    byte[] h = RawSftp.handle(open);
                    SftpResponse data = raw.call(new SftpRequest.Read(raw.nextId(), h, 0, 100));
                    assertTrue(data instanceof SftpResponse.Data, data.toString());
                    SftpResponse.Data d = (SftpResponse.Data) data;
                    assertEquals(u, new String(d.data(), d.offset(), d.length()));
                    // the other user's files are not reachable by any path
                    String other = u.equals("alice") ? "bob" : "alice";
                    assertEquals(SftpConstants.SSH_FX_NO_SUCH_FILE, RawSftp.status(raw.call(new SftpRequest.PathRequest(
                            SftpConstants.SSH_FXP_STAT, raw.nextId(), "/../" + other + "/whoami.txt"))));
                }
            }
        }
    }
}
