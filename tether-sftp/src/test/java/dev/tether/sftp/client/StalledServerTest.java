package dev.tether.sftp.client;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.SftpClient;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Poll;
import dev.tether.testkit.PrivateSshd;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that stops answering mid-transfer ({@code kill -STOP} on OpenSSH's sftp-server): the
 * client's call fails within its deadline with a clear exception, other calls fail too rather than
 * hang, and {@link SftpClient#close} returns at once.
 */
class StalledServerTest {
    @TempDir
    Path dir;

    @Test
    void aStoppedServerFailsTheTransferWithinItsDeadlineAndCloseDoesNotHang() throws Exception {
        try (PrivateSshd sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), List.of())) {
            Path big = dir.resolve("big.bin");
            byte[] block = new byte[1 << 20];
            new Random(7).nextBytes(block);
            try (var out = Files.newOutputStream(big)) {
                for (int i = 0; i < 256; i++) {
                    out.write(block);
                }
            }
            Transport t = Transport.connect("127.0.0.1", sshd.port(), TransportConfig.builder().build(),
                    HostKeyVerifier.acceptKeys(List.of(sshd.hostKeyBlob(PrivateSshd.HostKey.ED25519))));
            t.authPublickey(System.getProperty("user.name"), OpenSshKeyFile.read(sshd.userKey()));
            Duration deadline = Duration.ofSeconds(3);
            SftpClient c = SftpClient.open(t, deadline, true);
            ProcessHandle server = sftpServerOf(sshd);
            try {
                CompletableFuture<Long> transfer = CompletableFuture.supplyAsync(() -> {
                    try {
                        return c.download(big.toString(), dir.resolve("copy.bin"), SftpClient.Transfer.DEFAULT.withProgress((n, done, total) -> {
                            if (done > 8 << 20) {
                                stop(server, "STOP");
                            }
                        }));
                    } catch (IOException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
                long start = System.nanoTime();
                java.util.concurrent.ExecutionException failed = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> transfer.get(60, TimeUnit.SECONDS));
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                Throwable cause = failed.getCause() instanceof java.util.concurrent.CompletionException ? failed.getCause().getCause()
                        : failed.getCause();
                assertTrue(cause instanceof InterruptedIOException, String.valueOf(cause));
                assertTrue(cause.getMessage().contains("no reply from the SFTP server within"), cause.getMessage());
                assertTrue(tookMs < 30_000, "the transfer failed after " + tookMs + " ms, its deadline is " + deadline);
                // another call on the stalled session fails at its deadline too
                assertThrows(InterruptedIOException.class, () -> c.stat(big.toString()));
            } finally {
                long before = System.nanoTime();
                c.close();
                assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before) < 5_000, "close() waited for the stopped server");
                stop(server, "CONT");
            }
        }
    }

    private static void stop(ProcessHandle p, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The sftp-server process serving this sshd's session: a descendant of the daemon whose command is sftp-server. */
    private static ProcessHandle sftpServerOf(PrivateSshd sshd) throws Exception {
        long daemon = Long.parseLong(Files.readString(sshd.dir().resolve("sshd.pid")).trim());
        ProcessHandle root = ProcessHandle.of(daemon).orElseThrow();
        Optional<ProcessHandle>[] found = new Optional[] {Optional.empty()};
        assertTrue(Poll.until(() -> {
            found[0] = root.descendants().filter(p -> p.info().command().map(c -> c.equals(Peers.SFTP_SERVER.toString())).orElse(false))
                    .findFirst();
            return found[0].isPresent();
        }, Duration.ofSeconds(10)), "no sftp-server process under sshd " + daemon);
        return found[0].get();
    }
}
