package dev.tether.sftp.scp;

import dev.tether.sftp.SftpServer;
import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.testkit.FreePorts;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Processes;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Our SSH server on 127.0.0.1 and a free port, with an {@link SftpServer} as the {@code sftp}
 * subsystem and its SCP commands ({@code commands(sftp::scpCommand)}) and nothing else: no OS
 * process can run, as under {@code tether server --chroot}. One user, {@value #USER}, with an
 * ed25519 key written as an OpenSSH key file for the OpenSSH client. Runs the real {@code scp}
 * against it (bounded), and our own client for hand-made SCP records.
 *
 * <p>Threading: one test thread. Cleans up: {@link #close()} stops the server; {@code dir} (keys,
 * known_hosts, output files) is the caller's.
 */
final class ScpTestServer implements AutoCloseable {
    static final String USER = "alice";
    static final Duration RUN = Duration.ofSeconds(60);

    final Path dir;
    final KeyPair key;
    final Path identity;
    private final KeyPair hostKey;
    private final SshServer server;
    private final AtomicInteger runs = new AtomicInteger();

    ScpTestServer(Path dir, SftpServer sftp) throws IOException {
        this.dir = dir;
        hostKey = SignatureAlgorithms.generate("ssh-ed25519", 0);
        key = SignatureAlgorithms.generate("ssh-ed25519", 0);
        identity = dir.resolve("id_ed25519");
        OpenSshKeyFile.write(identity, key, USER);
        Files.setPosixFilePermissions(identity, PosixFilePermissions.fromString("rw-------"));
        Path authorizedKeys = dir.resolve("authorized_keys");
        Files.writeString(authorizedKeys, OpenSshKeyFile.publicKeyLine(key.getPublic(), USER) + "\n");
        Portal portal = Portal.builder()
                .publicKeys(AuthorizedKeysChecker.forUser(USER, authorizedKeys))
                .subsystem("sftp", sftp)
                .commands(sftp::scpCommand)
                .build();
        TransportConfig config = TransportConfig.builder().hostKeys(List.of(hostKey)).serverInterface(portal.serverInterface()).build();
        server = SshServer.start(FreePorts.LOOPBACK, 0, config);
    }

    int port() {
        return server.port();
    }

    /** {@code alice@127.0.0.1:PATH}, a remote path for scp. */
    String remote(String path) {
        return USER + "@" + FreePorts.LOOPBACK + ":" + path;
    }

    /**
     * Runs OpenSSH's scp with these arguments (e.g. {@code -O}, {@code -r}, sources, target), no
     * config of the machine, our key only, a fresh known_hosts; killed after {@link #RUN}.
     */
    Processes.Result scp(String... args) throws IOException {
        Peers.requireExecutable(Peers.SCP, "openssh-client");
        Peers.requireSsh();
        List<String> cmd = new ArrayList<>(List.of(Peers.SCP.toString(), "-F", "/dev/null", "-P", Integer.toString(port()),
                "-i", identity.toString(),
                "-o", "BatchMode=yes",
                "-o", "IdentitiesOnly=yes",
                "-o", "UserKnownHostsFile=" + dir.resolve("known_hosts_" + runs.incrementAndGet()),
                "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "StrictHostKeyChecking=accept-new",
                "-o", "ConnectTimeout=10"));
        cmd.addAll(List.of(args));
        Processes.Result r = Processes.run(cmd, Processes.withoutAgent(Map.of()), null, dir, RUN);
        if (r.timedOut()) {
            throw new AssertionError("scp did not finish within " + RUN.toSeconds() + " s: " + r.describe());
        }
        return r;
    }

    /** Our client, logged in as {@value #USER}. */
    Transport login() throws IOException {
        Transport t = Transport.connect(FreePorts.LOOPBACK, port(), TransportConfig.builder().sendTimeout(Duration.ofSeconds(30)).build(),
                HostKeyVerifier.acceptKeys(List.of(SignatureAlgorithms.encodePublicKey(hostKey.getPublic()))));
        try {
            List<String> remaining = t.authPublickey(USER, key);
            if (!remaining.isEmpty()) {
                throw new IOException("partial success: " + remaining);
            }
            return t;
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /** What a command sent back: its standard output and error, and its exit status (-1 if none came). */
    record Exchange(byte[] stdout, String stderr, int exitStatus) {
        String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    /**
     * Execs {@code command} with our client, writes {@code input} and EOF, and collects
     * everything the command sends until the channel closes (bounded by {@link #RUN}).
     */
    Exchange exec(String command, byte[] input) throws Exception {
        try (Transport t = login(); Channel ch = t.openSession()) {
            if (!ch.exec(command)) {
                return new Exchange(new byte[0], "", -2);
            }
            CompletableFuture<byte[]> out = readAll(ch.getInputStream());
            CompletableFuture<byte[]> err = readAll(ch.getErrorStream());
            try {
                OutputStream o = ch.getOutputStream();
                o.write(input);
                o.flush();
                ch.sendEof();
            } catch (IOException e) {
                // the command may have ended before it read everything
            }
            try {
                byte[] stdout = out.get(RUN.toSeconds(), TimeUnit.SECONDS);
                byte[] stderr = err.get(RUN.toSeconds(), TimeUnit.SECONDS);
                return new Exchange(stdout, new String(stderr, StandardCharsets.UTF_8), ch.awaitExitStatus(RUN));
            } catch (TimeoutException e) {
                throw new AssertionError("the command " + command + " did not end within " + RUN.toSeconds() + " s");
            }
        }
    }

    private static CompletableFuture<byte[]> readAll(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        server.close();
    }
}
