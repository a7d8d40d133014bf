package dev.tether.cli;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.KeyFiles;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.PassphraseProvider;
import dev.tether.ssh.keys.SignatureAlgorithms;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.Callable;

/**
 * {@code tether keygen}: generates OpenSSH keys, and prints a key's fingerprint ({@code -l}) or
 * public key ({@code -y}), with ssh-keygen's flags and output.
 */
@Command(name = "keygen", mixinStandardHelpOptions = true, versionProvider = Tether.Version.class, sortOptions = false,
        separator = " ",
        customSynopsis = {"tether keygen [-q] [-t ed25519|ecdsa|rsa] [-b BITS] [-f FILE]",
                "                     [-N PASSPHRASE] [-C COMMENT]",
                "       tether keygen -l [-v] [-E sha256|md5] -f FILE",
                "       tether keygen -y [-P PASSPHRASE] -f FILE"},
        description = "Generate an SSH key pair (OpenSSH format), or show a key's fingerprint or public key.")
final class KeygenCommand implements Callable<Integer> {
    @Option(names = "-t", paramLabel = "TYPE", description = "key type: ed25519 (default), ecdsa or rsa")
    String type;

    @Option(names = "-b", paramLabel = "BITS", description = "key size: ecdsa 256 (default), 384 or 521; rsa 2048 to 8192 (default 3072)")
    Integer bits;

    @Option(names = "-f", paramLabel = "FILE", description = "the key file (default when generating: ~/.ssh/id_TYPE)")
    String file;

    @Option(names = "-N", paramLabel = "PASSPHRASE", description = "passphrase of the new key; empty for none")
    String newPassphrase;

    @Option(names = "-P", paramLabel = "PASSPHRASE", description = "passphrase of an existing key (-y)")
    String oldPassphrase;

    @Option(names = "-C", paramLabel = "COMMENT", description = "comment of the new key (default user@host)")
    String comment;

    @Option(names = "-l", description = "show the fingerprint of the key file (public, private, authorized_keys or known_hosts)")
    boolean fingerprint;

    @Option(names = "-y", description = "print the public key of a private key file")
    boolean printPublic;

    @Option(names = "-E", paramLabel = "HASH", description = "fingerprint hash: sha256 (default) or md5")
    String hash = "sha256";

    @Option(names = "-q", description = "quiet: no progress messages")
    boolean quiet;

    @Option(names = "-v", description = "with -l: also draw the randomart")
    boolean[] verbose = new boolean[0];

    @Spec
    CommandSpec spec;

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;

    @Override
    public Integer call() {
        Cli.configureLogging(0);
        if (fingerprint && printPublic) {
            throw usage("-l and -y cannot be used together");
        }
        if (!hash.equals("sha256") && !hash.equals("md5")) {
            throw usage("Invalid hash algorithm \"" + hash + "\" (use sha256 or md5)");
        }
        try {
            if (fingerprint || printPublic) {
                if (file == null) {
                    throw usage((fingerprint ? "-l" : "-y") + " needs -f FILE");
                }
                Path path = Path.of(file);
                String text;
                try {
                    text = new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
                } catch (NoSuchFileException e) {
                    Cli.error(err, "tether keygen", file + ": No such file or directory");
                    return 1;
                }
                return fingerprint ? listFingerprints(path, text) : printPublicKey(path, text);
            }
            return generate();
        } catch (IOException e) {
            Cli.error(err, "tether keygen", e.getMessage());
            return 1;
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    // ---------------------------------------------------------------- generate

    private int generate() throws IOException {
        String t = type == null ? "ed25519" : type;
        String sshType;
        int size;
        switch (t) {
            case "ed25519" -> {
                sshType = "ssh-ed25519";
                size = 256;
            }
            case "ecdsa" -> {
                size = bits == null ? 256 : bits;
                if (size != 256 && size != 384 && size != 521) {
                    throw usage("Invalid ECDSA key length: valid lengths are 256, 384 or 521 bits");
                }
                sshType = "ecdsa-sha2-nistp" + size;
            }
            case "rsa" -> {
                size = bits == null ? 3072 : bits;
                if (size < 2048 || size > 8192) {
                    throw usage("Invalid RSA key length: valid lengths are 2048 to 8192 bits");
                }
                sshType = "ssh-rsa";
            }
            default -> throw usage("unknown key type " + t + " (use ed25519, ecdsa or rsa)");
        }
        if (!quiet) {
            out.println("Generating public/private " + t + " key pair.");
        }
        Path path = outputFile(t);
        if (path == null) {
            return 1;
        }
        Path pub = Path.of(path + ".pub");
        if (Files.exists(path)) {
            out.println(path + " already exists.");
            out.print("Overwrite (y/n)? ");
            out.flush();
            String answer = Tty.canPrompt() ? Tty.readVisible("") : Tty.readLine(System.in);
            if (answer == null || !(answer.startsWith("y") || answer.startsWith("Y"))) {
                return 1;
            }
        }
        char[] passphrase = newPassphrase != null ? newPassphrase.toCharArray() : askNewPassphrase();
        if (passphrase == null) {
            return 1;
        }
        String keyComment = comment != null ? comment : defaultComment();
        KeyPair kp = SignatureAlgorithms.generate(sshType, size);
        try {
            OpenSshKeyFile.write(path, kp, keyComment, passphrase);
        } catch (NoSuchFileException e) {
            Cli.error(err, "tether keygen", "Saving key \"" + path + "\" failed: No such file or directory");
            return 1;
        } finally {
            Arrays.fill(passphrase, '\0');
        }
        String line = OpenSshKeyFile.publicKeyLine(kp.getPublic(), keyComment);
        Files.writeString(pub, line + "\n", StandardCharsets.UTF_8);
        if (!quiet) {
            byte[] blob = SignatureAlgorithms.encodePublicKey(kp.getPublic());
            out.println("Your identification has been saved in " + path);
            out.println("Your public key has been saved in " + pub);
            out.println("The key fingerprint is:");
            out.println(KeyInfo.fingerprint(blob, hash) + (keyComment.isEmpty() ? "" : " " + keyComment));
            out.println("The key's randomart image is:");
            out.println(KeyInfo.randomart(blob, hash));
        }
        out.flush();
        return 0;
    }

    /** -f, or a prompt with ~/.ssh/id_TYPE as the default (created with mode 700 if missing). */
    private Path outputFile(String t) throws IOException {
        if (file != null) {
            return Path.of(file);
        }
        Path dir = Cli.home().resolve(".ssh");
        Path def = dir.resolve("id_" + t);
        Path chosen = def;
        if (Tty.canPrompt()) {
            String answer = Tty.readVisible("Enter file in which to save the key (" + def + "): ");
            if (answer == null) {
                return null;
            }
            if (!answer.isBlank()) {
                chosen = Path.of(Cli.expandTilde(answer.strip()));
            }
        }
        if (chosen.equals(def) && !Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException e) {
                Files.createDirectories(dir);
            }
            out.println("Created directory '" + dir + "'.");
        }
        return chosen;
    }

    /**
     * Asks twice on the terminal; without one, reads two lines from stdin (empty at EOF), as
     * ssh-keygen's read_passphrase(RP_ALLOW_STDIN) does.
     */
    private char[] askNewPassphrase() throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            char[] a;
            char[] b;
            if (Tty.canPrompt()) {
                a = Tty.readSecret("Enter passphrase (empty for no passphrase): ");
                b = a == null ? null : Tty.readSecret("Enter same passphrase again: ");
                if (a == null || b == null) {
                    return null;
                }
            } else {
                String la = Tty.readLine(System.in);
                String lb = la == null ? null : Tty.readLine(System.in);
                a = la == null ? new char[0] : la.toCharArray();
                b = lb == null ? a.clone() : lb.toCharArray();
            }
            boolean same = Arrays.equals(a, b);
            Arrays.fill(b, '\0');
            if (same) {
                return a;
            }
            Arrays.fill(a, '\0');
            out.println("Passphrases do not match.  Try again.");
        }
        return null;
    }

    private static String defaultComment() {
        String host = null;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = System.getenv("HOSTNAME");
        }
        return Cli.localUser() + "@" + (host == null || host.isEmpty() ? "localhost" : host);
    }

    // ---------------------------------------------------------------- -y

    private int printPublicKey(Path path, String text) throws IOException {
        PassphraseProvider passphrases = source -> {
            if (oldPassphrase != null) {
                return oldPassphrase.toCharArray();
            }
            if (Tty.canPrompt()) {
                return Tty.readSecret("Enter passphrase: ");
            }
            err.print("Enter passphrase: ");
            err.flush();
            try {
                String line = Tty.readLine(System.in);
                return line == null ? null : line.toCharArray();
            } catch (IOException e) {
                return null;
            }
        };
        KeyPair kp;
        try {
            kp = KeyFiles.readPrivateKey(path, passphrases);
        } catch (SshException e) {
            Cli.error(err, "tether keygen", "Load key \"" + path + "\": " + e.getMessage());
            return 1;
        }
        byte[] blob = SignatureAlgorithms.encodePublicKey(kp.getPublic());
        String keyComment = KeyInfo.commentFromPrivate(text);
        if (keyComment == null && KeyInfo.publicBlobFromPrivate(text) != null) {
            // An encrypted key's comment is inside its encrypted section, which the library decrypts
            // without handing the comment back; the .pub beside it has the same comment when it
            // holds the same key.
            keyComment = commentOfMatchingPub(Path.of(path + ".pub"), blob);
        }
        out.println(OpenSshKeyFile.publicKeyLine(kp.getPublic(), keyComment));
        out.flush();
        return 0;
    }

    private static String commentOfMatchingPub(Path pub, byte[] blob) {
        try {
            for (String line : new String(Files.readAllBytes(pub), StandardCharsets.UTF_8).split("\n")) {
                PublicLine p = PublicLine.parse(line);
                if (p != null && Arrays.equals(p.blob, blob)) {
                    return p.comment;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no usable .pub
        }
        return null;
    }

    // ---------------------------------------------------------------- -l

    private int listFingerprints(Path path, String text) throws IOException {
        if (KeyInfo.looksPrivate(text)) {
            return fingerprintPrivate(path, text);
        }
        boolean any = false;
        for (String line : text.split("\n")) {
            PublicLine p = PublicLine.parse(line);
            if (p != null) {
                printFingerprint(p.blob, p.comment);
                any = true;
            }
        }
        if (!any) {
            Cli.error(err, "tether keygen", path + " is not a public key file.");
            return 1;
        }
        out.flush();
        return 0;
    }

    /** As ssh-keygen's fingerprint_private: the .pub beside it first, then the private file's header. */
    private int fingerprintPrivate(Path path, String text) throws IOException {
        byte[] blob = null;
        String keyComment = null;
        Path pub = Path.of(path + ".pub");
        if (Files.isRegularFile(pub)) {
            for (String line : new String(Files.readAllBytes(pub), StandardCharsets.UTF_8).split("\n")) {
                PublicLine p = PublicLine.parse(line);
                if (p != null) {
                    blob = p.blob;
                    keyComment = p.comment;
                    break;
                }
            }
        }
        if (blob == null) {
            blob = KeyInfo.publicBlobFromPrivate(text);
        }
        if (blob == null || keyComment == null || keyComment.isEmpty()) {
            keyComment = KeyInfo.commentFromPrivate(text);
            if (blob == null) {
                try {
                    blob = SignatureAlgorithms.encodePublicKey(KeyFiles.readPrivateKey(path, PassphraseProvider.none()).getPublic());
                } catch (IOException | RuntimeException e) {
                    blob = null;
                }
            }
        }
        if (blob == null) {
            Cli.error(err, "tether keygen", path + " is not a key file.");
            return 1;
        }
        printFingerprint(blob, keyComment);
        out.flush();
        return 0;
    }

    private void printFingerprint(byte[] blob, String keyComment) throws SshException {
        String label = KeyInfo.typeLabel(KeyInfo.keyType(blob));
        out.println(KeyInfo.bits(blob) + " " + KeyInfo.fingerprint(blob, hash) + " "
                + (keyComment == null || keyComment.isEmpty() ? "no comment" : keyComment) + " (" + label + ")");
        if (verbose.length > 0) {
            out.println(KeyInfo.randomart(blob, hash));
        }
    }

    /**
     * One key of a public key, authorized_keys or known_hosts line, read as ssh-keygen -l reads
     * it: a bare {@code TYPE BASE64 [COMMENT]}, or one leading field (host names or options,
     * which become the comment when the line has none) skipped first.
     */
    record PublicLine(byte[] blob, String comment) {
        static PublicLine parse(String raw) {
            String line = raw.replaceAll("[ \t\r]+$", "").replaceFirst("^[ \t]+", "");
            if (line.isEmpty() || line.startsWith("#")) {
                return null;
            }
            PublicLine p = tryRead(line, null);
            if (p != null) {
                return p;
            }
            String first = line.split("[ \t]", 2)[0];
            if (first.matches("[1-9][0-9]*")) {
                return null; // an SSH1 key ("bits e n"): not read
            }
            boolean quoted = false;
            int i = 0;
            for (; i < line.length() && (quoted || (line.charAt(i) != ' ' && line.charAt(i) != '\t')); i++) {
                if (line.charAt(i) == '\\' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    i++;
                } else if (line.charAt(i) == '"') {
                    quoted = !quoted;
                }
            }
            if (i >= line.length()) {
                return null;
            }
            return tryRead(line.substring(i + 1).replaceFirst("^[ \t]+", ""), line.substring(0, i));
        }

        private static PublicLine tryRead(String s, String leading) {
            String[] f = s.split("[ \t]+", 3);
            if (f.length < 2 || !KeyInfo.isKnownKeyType(f[0])) {
                return null;
            }
            byte[] blob;
            try {
                blob = Base64.getDecoder().decode(f[1]);
                if (!KeyInfo.keyType(blob).equals(f[0])) {
                    return null;
                }
            } catch (IllegalArgumentException | SshException e) {
                return null;
            }
            String c = leading;
            if (f.length == 3 && !f[2].isEmpty() && !f[2].startsWith("#")) {
                c = f[2];
            }
            return new PublicLine(blob, c);
        }
    }
}
