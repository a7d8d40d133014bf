package dev.tether.ssh.interop;

import dev.tether.ssh.testutil.OpenSsh;
import dev.tether.ssh.testutil.TempDirs;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Helpers for the interop tests: peer binaries, connection probes, temp dirs, algorithm lists.
 * Processes, key files, ports and polling are shared with the other interop packages in
 * {@code testutil} ({@code Processes}, {@link OpenSsh}, {@code Ports}, {@code Poll}).
 */
final class Interop {
    static final Path SSHD = OpenSsh.SSHD;
    static final Path SSH = OpenSsh.SSH;
    static final Path SSH_KEYGEN = OpenSsh.SSH_KEYGEN;
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final String LOOPBACK = "127.0.0.1";

    private Interop() {
    }

    static void assumeSshd() {
        assumeTrue(Files.isExecutable(SSHD), "OpenSSH server not installed at " + SSHD);
    }

    static void assumeSsh() {
        assumeTrue(Files.isExecutable(SSH), "OpenSSH client not installed at " + SSH);
    }

    /** One connection attempt: true if something accepts on the port within the timeout. */
    static boolean accepts(int port, Duration timeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(LOOPBACK, port), (int) timeout.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads the first line (up to LF) of an SSH server's greeting, bounded by the socket timeout. */
    static String readGreeting(int port, Duration timeout) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(LOOPBACK, port), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n' && sb.length() < 255) {
                sb.append((char) c);
            }
            return sb.toString().strip();
        }
    }

    static Path tempDir(String prefix) {
        return TempDirs.create("tether-interop-" + prefix + "-");
    }

    /** The names on both lists, in {@code ours}'s order. */
    static List<String> common(List<String> peer, List<String> ours) {
        return ours.stream().filter(peer::contains).toList();
    }

    /** The cipher used when a test forces a MAC: a MAC only matters with a non-AEAD cipher. */
    static final String CIPHER_FOR_MAC_TESTS = "aes128-ctr";

    /** Lines of {@code text} that contain {@code needle}, for assertion messages. */
    static List<String> grep(String text, String needle) {
        return text.lines().filter(l -> l.contains(needle)).toList();
    }
}
