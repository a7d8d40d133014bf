package dev.tether.ssh.auth;

import dev.tether.ssh.common.SshException;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A password file of {@code user:HASH} lines with bcrypt hashes, as {@code htpasswd -B} writes
 * them ({@code $2y$}, also {@code $2a$} and {@code $2b$}). Bouncy Castle's OpenBSD bcrypt does the
 * work (the JDK has no bcrypt). An unknown user costs the same bcrypt as a known one, so timing
 * does not tell which names exist. Blank lines and {@code #} comments are ignored; any other
 * malformed line is an error naming the file and line.
 */
public final class HtpasswdFile implements PasswordChecker {
    private final Map<String, String> hashes;
    /** A hash of a random password at the file's cost, checked against for unknown users. */
    private final String dummy;

    private HtpasswdFile(Map<String, String> hashes, int cost) {
        this.hashes = Map.copyOf(hashes);
        java.security.SecureRandom r = new java.security.SecureRandom();
        byte[] salt = new byte[16];
        r.nextBytes(salt);
        char[] pw = java.util.HexFormat.of().formatHex(salt).toCharArray();
        r.nextBytes(salt);
        this.dummy = OpenBSDBCrypt.generate("2y", pw, salt, cost);
    }

    /**
     * Reads a password file. The bcrypt cost of the first entry (clamped to 4..31) is the cost of the dummy hash that
     * unknown users are checked against.
     *
     * @param file the file, UTF-8 encoded
     * @return the users and hashes it holds
     * @throws SshException if a line other than a blank or {@code #} comment line is not {@code user:HASH} with a
     *     60-character {@code $2y$}, {@code $2a$} or {@code $2b$} bcrypt hash; the message names the file and line
     * @throws IOException  if the file cannot be read
     */
    public static HtpasswdFile load(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Map<String, String> m = new HashMap<>();
        int cost = 10;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String hash = colon > 0 ? line.substring(colon + 1) : "";
            if (colon <= 0 || !(hash.startsWith("$2y$") || hash.startsWith("$2a$") || hash.startsWith("$2b$")) || hash.length() != 60
                    || !Character.isDigit(hash.charAt(4)) || !Character.isDigit(hash.charAt(5))) {
                throw new SshException(file + ":" + (i + 1) + ": not a user:bcrypt-hash line (use htpasswd -B)");
            }
            if (m.isEmpty()) {
                cost = Integer.parseInt(hash.substring(4, 6));
            }
            m.put(line.substring(0, colon), hash);
        }
        return new HtpasswdFile(m, Math.max(4, Math.min(31, cost)));
    }

    @Override
    public CompletionStage<Boolean> check(String username, String password) {
        String hash = hashes.get(username);
        char[] pw = password.toCharArray();
        try {
            boolean ok = checkHash(hash != null ? hash : dummy, pw);
            return CompletableFuture.completedFuture(ok && hash != null);
        } finally {
            java.util.Arrays.fill(pw, '\0');
        }
    }

    private static boolean checkHash(String hash, char[] password) {
        // OpenBSDBCrypt knows 2a, 2b and 2y; its comparison is constant-time
        try {
            return OpenBSDBCrypt.checkPassword(hash, password);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Whether the file has an entry for a user; unlike {@link #check}, this answers at once and its timing shows
     * which names exist.
     *
     * @param username the user name
     * @return whether the file has a hash for that user
     */
    public boolean hasUser(String username) {
        return hashes.containsKey(username);
    }
}
