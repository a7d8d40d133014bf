package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * OpenSSH known_hosts files (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): loading, checking a server's
 * host key the way ssh(1) does, and appending new keys the way ssh(1) writes them.
 *
 * <p>Checking follows OpenSSH's hostfile.c:
 * <ul>
 *   <li>The host is looked up as {@code host} for port 22 (or 0), otherwise as
 *       {@code [host]:port}, lower-cased. Lines match by pattern list or, for hashed lines, by
 *       HMAC-SHA1 of that name.</li>
 *   <li>A {@code @revoked} line matching the host whose key is the offered key (the certified key
 *       or the signing CA, for a certificate) gives {@link Status#REVOKED}, whatever else matches.</li>
 *   <li>For a host certificate: a matching {@code @cert-authority} line listing the certificate's
 *       signature key, and a certificate that validates as a HOST certificate for the host name
 *       without critical options, gives {@link Status#MATCH}. Otherwise the certificate is
 *       dropped and its plain key is checked, as ssh(1) retries.</li>
 *   <li>For a plain key: a matching line with an equal key is a {@link Status#MATCH}; otherwise a
 *       matching line with a key of the same type is a {@link Status#MISMATCH} (the host key
 *       changed); otherwise {@link Status#UNKNOWN} (keys of other types may be known, as OpenSSH
 *       notes).</li>
 * </ul>
 *
 * <p>Loading is lenient by default: a bad line is skipped with a warning and kept in
 * {@link #errors()} as an {@link SshException} naming {@code file:line}; {@link #loadStrict}
 * refuses the file instead. A missing file is an empty file, as for OpenSSH. Instances are
 * immutable and thread-safe.
 */
public final class KnownHosts {
    private static final Logger log = LoggerFactory.getLogger(KnownHosts.class);
    private static final Object APPEND_LOCK = new Object();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The outcome of a host key check. */
    public enum Status {
        /** The key (or the CA of a valid host certificate) is known for the host. */
        MATCH,
        /** Another key of the same type is known for the host: the host key changed. */
        MISMATCH,
        /** No key of this type is known for the host. */
        UNKNOWN,
        /** The key, or the certificate's CA, is marked {@code @revoked}. */
        REVOKED
    }

    /**
     * The result of {@link #check}.
     *
     * @param status          the outcome
     * @param hostKeyName     the name looked up: {@code host} or {@code [host]:port}, lower-cased
     * @param keyType         the type of the key checked as OpenSSH names it ({@code ED25519}, ...)
     * @param fingerprint     SHA256 fingerprint of the offered key (of the certificate blob for a
     *                        certificate, as ssh(1) prints it)
     * @param plainKey        the plain key that was looked up (the certified key for a
     *                        certificate): the key to add to known_hosts for an unknown host
     * @param entries         MATCH: the matching line (the CA line for a certificate); MISMATCH:
     *                        the offending lines (same type, different key); REVOKED: the
     *                        {@code @revoked} line; UNKNOWN: lines for the host with keys of other types
     * @param certificateNote why a certificate was not accepted, when one was offered and fell
     *                        back to its plain key; otherwise null
     */
    public record Result(Status status, String hostKeyName, String keyType, String fingerprint, byte[] plainKey,
                         List<KnownHostsEntry> entries, String certificateNote) {
        /**
         * Copies the key and the entries.
         *
         * @param status          the outcome
         * @param hostKeyName     the name looked up
         * @param keyType         the type of the key checked
         * @param fingerprint     the offered key's SHA256 fingerprint
         * @param plainKey        the plain key that was looked up; copied
         * @param entries         the lines the outcome refers to; copied
         * @param certificateNote why a certificate was not accepted, or null
         * @throws NullPointerException if {@code status}, {@code plainKey} or {@code entries} is null
         */
        public Result {
            Objects.requireNonNull(status);
            plainKey = plainKey.clone();
            entries = List.copyOf(entries);
        }

        /**
         * The plain key that was looked up (a copy).
         *
         * @return a copy of the key blob
         */
        @Override
        public byte[] plainKey() {
            return plainKey.clone();
        }

        /**
         * The matching line for MATCH, the first offending or revoked line otherwise; null if none.
         *
         * @return the line, or null
         */
        public KnownHostsEntry entry() {
            return entries.isEmpty() ? null : entries.get(0);
        }

        /**
         * A message in the style of ssh(1): the "REMOTE HOST IDENTIFICATION HAS CHANGED" warning
         * with both fingerprints and the offending {@code file:line} for a mismatch, the revoked
         * key warning, or a one-line summary for the other outcomes.
         *
         * @return the message, possibly several lines
         */
        public String message() {
            StringBuilder sb = new StringBuilder();
            switch (status) {
                case MATCH -> {
                    KnownHostsEntry e = entry();
                    sb.append("Host '").append(hostKeyName).append("' is known and matches the ").append(keyType)
                            .append(e != null && e.marker() == KnownHostsEntry.Marker.CERT_AUTHORITY
                                    ? " host certificate (CA key at " : " host key (at ")
                            .append(e == null ? "?" : e.location()).append(").");
                }
                case MISMATCH -> {
                    String bar = "@".repeat(59);
                    sb.append(bar).append('\n')
                            .append("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n")
                            .append(bar).append('\n')
                            .append("IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n")
                            .append("Someone could be eavesdropping on you right now (man-in-the-middle attack)!\n")
                            .append("It is also possible that a host key has just been changed.\n")
                            .append("The fingerprint for the ").append(keyType).append(" key sent by the remote host is\n")
                            .append(fingerprint).append(".\n")
                            .append("Please contact your system administrator.\n");
                    KnownHostsEntry first = entry();
                    sb.append("Add correct host key in ").append(sourceOf(first)).append(" to get rid of this message.\n");
                    for (KnownHostsEntry e : entries) {
                        sb.append("Offending ").append(KnownHostsEntry.displayType(e.keyType())).append(" key in ")
                                .append(e.location()).append('\n')
                                .append("  (known fingerprint ").append(e.fingerprint()).append(")\n");
                    }
                    sb.append("  remove with:\n")
                            .append("  ssh-keygen -f '").append(sourceOf(first)).append("' -R '").append(hostKeyName).append("'");
                    appendCertificateNote(sb);
                }
                case REVOKED -> {
                    String bar = "@".repeat(59);
                    sb.append(bar).append('\n')
                            .append("@       WARNING: REVOKED HOST KEY DETECTED!               @\n")
                            .append(bar).append('\n')
                            .append("The ").append(keyType).append(" host key for ").append(hostKeyName)
                            .append(" is marked as revoked.\n")
                            .append("This could mean that a stolen key is being used to\n")
                            .append("impersonate this host.\n")
                            .append("Offered key fingerprint ").append(fingerprint).append('\n');
                    KnownHostsEntry e = entry();
                    sb.append("Revoked by ").append(e == null ? "?" : e.location() + " (" + e.fingerprint() + ")");
                }
                case UNKNOWN -> {
                    sb.append("No ").append(keyType).append(" host key is known for ").append(hostKeyName)
                            .append("; its fingerprint is ").append(fingerprint).append('.');
                    if (!entries.isEmpty()) {
                        sb.append("\nKeys of different type are already known for this host:");
                        for (KnownHostsEntry e : entries) {
                            sb.append("\n  ").append(KnownHostsEntry.displayType(e.keyType())).append(" key ")
                                    .append(e.fingerprint()).append(" in ").append(e.location());
                        }
                    }
                    appendCertificateNote(sb);
                }
                default -> throw new AssertionError(status);
            }
            return sb.toString();
        }

        private void appendCertificateNote(StringBuilder sb) {
            if (certificateNote != null) {
                sb.append("\nThe host certificate was not accepted: ").append(certificateNote);
            }
        }

        private static String sourceOf(KnownHostsEntry e) {
            if (e == null) {
                return "known_hosts";
            }
            String loc = e.location();
            return loc.substring(0, loc.lastIndexOf(':'));
        }

        @Override
        public String toString() {
            return status + " " + hostKeyName + " " + keyType + " " + fingerprint + " " + entries;
        }
    }

    private final List<KnownHostsEntry> entries;
    private final List<SshException> errors;

    private KnownHosts(List<KnownHostsEntry> entries, List<SshException> errors) {
        this.entries = List.copyOf(entries);
        this.errors = List.copyOf(errors);
    }

    // ------------------------------------------------------------------ loading

    /**
     * Loads the files in order, skipping missing files and bad lines (each bad line is logged
     * and kept in {@link #errors()}).
     *
     * @param files the files, e.g. {@code ~/.ssh/known_hosts} then {@code /etc/ssh/ssh_known_hosts}
     * @return the lines of all the files, in order
     * @throws IOException if a file exists but cannot be read
     */
    public static KnownHosts load(Path... files) throws IOException {
        return load(false, files);
    }

    /**
     * Loads the files in order, refusing any bad line.
     *
     * @param files the files, in order
     * @return the lines of all the files, in order
     * @throws SshException naming every bad line as {@code file:line: reason} (each also a
     *                      suppressed exception)
     * @throws IOException  if a file exists but cannot be read
     */
    public static KnownHosts loadStrict(Path... files) throws IOException {
        return load(true, files);
    }

    private static KnownHosts load(boolean strict, Path... files) throws IOException {
        List<KnownHostsEntry> entries = new ArrayList<>();
        List<SshException> errors = new ArrayList<>();
        for (Path f : files) {
            String content;
            try {
                content = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                continue;
            }
            parseInto(f, f.toString(), content, entries, errors);
        }
        return finish(strict, entries, errors);
    }

    /**
     * Parses known_hosts text.
     *
     * @param source the name used in {@code file:line} locations
     * @param strict throw on any bad line instead of skipping it
     * @param content the file's text
     * @return the lines, with the skipped bad ones in {@link #errors()}
     * @throws SshException if {@code strict} is set and a line is bad
     */
    public static KnownHosts parse(String source, String content, boolean strict) throws SshException {
        List<KnownHostsEntry> entries = new ArrayList<>();
        List<SshException> errors = new ArrayList<>();
        parseInto(null, source, content, entries, errors);
        return finish(strict, entries, errors);
    }

    private static KnownHosts finish(boolean strict, List<KnownHostsEntry> entries, List<SshException> errors)
            throws SshException {
        if (strict && !errors.isEmpty()) {
            throw KnownHostsLines.combine("known_hosts", errors);
        }
        for (SshException e : errors) {
            log.warn("skipping invalid known_hosts line: {}", e.getMessage());
        }
        return new KnownHosts(entries, errors);
    }

    private static void parseInto(Path file, String source, String content, List<KnownHostsEntry> entries,
                                  List<SshException> errors) {
        List<String> lines = KnownHostsLines.split(content);
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            try {
                KnownHostsEntry e = parseLine(file, source, lineNo, lines.get(i));
                if (e != null) {
                    entries.add(e);
                }
            } catch (SshException ex) {
                errors.add(new SshException(source + ":" + lineNo + ": " + ex.getMessage(), ex));
            }
        }
    }

    /** One line; null for a blank or comment line. */
    static KnownHostsEntry parseLine(Path file, String source, int lineNo, String line) throws SshException {
        KnownHostsLines.Fields f = new KnownHostsLines.Fields(line);
        if (f.atEnd() || f.peek() == '#') {
            return null;
        }
        KnownHostsEntry.Marker marker = KnownHostsEntry.Marker.NONE;
        String first = f.word();
        if (first.startsWith("@")) {
            if (first.equals(KnownHostsEntry.Marker.CERT_AUTHORITY.text())) {
                marker = KnownHostsEntry.Marker.CERT_AUTHORITY;
            } else if (first.equals(KnownHostsEntry.Marker.REVOKED.text())) {
                marker = KnownHostsEntry.Marker.REVOKED;
            } else {
                throw new SshException("invalid marker " + SignatureAlgorithms.quote(first));
            }
            first = f.word();
            if (first.isEmpty()) {
                throw new SshException("missing host names after " + marker.text());
            }
        }
        String hosts = first;
        String type = f.word();
        if (type.isEmpty()) {
            throw new SshException("missing key type and key");
        }
        if (!KnownHostsEntry.OPENSSH_KEY_TYPES.contains(type)) {
            throw new SshException("unknown key type " + SignatureAlgorithms.quote(type));
        }
        String base64 = f.word();
        if (base64.isEmpty()) {
            throw new SshException("missing key after the key type " + type);
        }
        byte[] blob = KnownHostsEntry.decodeKey(type, base64);
        if (marker == KnownHostsEntry.Marker.CERT_AUTHORITY && KnownHostsEntry.isCertificateType(type)) {
            throw new SshException("a @cert-authority line must list a plain CA key, not a certificate");
        }
        return new KnownHostsEntry(file, source, lineNo, marker, hosts, type, blob, f.rest());
    }

    /**
     * All key lines, in file order.
     *
     * @return the entries, unmodifiable
     */
    public List<KnownHostsEntry> entries() {
        return entries;
    }

    /**
     * The bad lines skipped while loading, each naming {@code file:line}.
     *
     * @return the errors, unmodifiable
     */
    public List<SshException> errors() {
        return errors;
    }

    // ------------------------------------------------------------------ lookup

    /**
     * The name OpenSSH looks a host up by: the lower-cased host for port 22 (or 0, unknown), else
     * {@code [host]:port}.
     *
     * @param host the host name or address
     * @param port the port
     * @return the name, e.g. {@code example.com} or {@code [example.com]:2222}
     */
    public static String hostKeyName(String host, int port) {
        String h = HostPatterns.asciiLower(Objects.requireNonNull(host, "host"));
        return port == 0 || port == 22 ? h : "[" + h + "]:" + port;
    }

    /**
     * The lines that apply to the host, of any marker, as {@code ssh-keygen -F} finds them.
     *
     * @param host the host name or address
     * @param port the port
     * @return the lines, in file order
     */
    public List<KnownHostsEntry> lookup(String host, int port) {
        String name = hostKeyName(host, port);
        return entries.stream().filter(e -> e.matches(name)).toList();
    }

    /**
     * {@link #check(String, int, String, byte[], Instant)} at the current time.
     *
     * @param host      the host name or address the client connected to
     * @param port      the port
     * @param algorithm the negotiated host key algorithm (informational)
     * @param blob      the host key or host certificate blob
     * @return the result
     * @throws SshException if the blob is malformed (or a certificate cannot be parsed)
     */
    public Result check(String host, int port, String algorithm, byte[] blob) throws SshException {
        return check(host, port, algorithm, blob, Instant.now());
    }

    /**
     * Checks a host key (or host certificate) as ssh(1) does; see the class comment.
     *
     * @param algorithm the negotiated host key algorithm (informational: the key type is read from the blob)
     * @param now       the time at which a certificate must be valid
     * @param host      the host name or address the client connected to
     * @param port      the port
     * @param blob      the host key or host certificate blob
     * @return the result
     * @throws SshException if the blob is malformed (or a certificate cannot be parsed)
     */
    public Result check(String host, int port, String algorithm, byte[] blob, Instant now) throws SshException {
        String name = hostKeyName(host, port);
        List<KnownHostsEntry> applicable = entries.stream().filter(e -> e.matches(name)).toList();
        String offeredType = KnownHostsEntry.blobType(blob);
        String fingerprint = SignatureAlgorithms.fingerprint(blob);
        byte[] plain = blob;
        String plainType = offeredType;
        String certificateNote = null;

        if (KnownHostsEntry.isCertificateType(offeredType)) {
            OpenSshCertificate cert = OpenSshCertificate.parse(blob);
            plain = cert.publicKeyBlob();
            plainType = KnownHostsEntry.blobType(plain);
            byte[] ca = cert.signatureKey();
            for (KnownHostsEntry e : applicable) {
                if (e.marker() == KnownHostsEntry.Marker.REVOKED
                        && (e.keyEquals(blob) || e.keyEquals(plain) || e.keyEquals(ca))) {
                    return new Result(Status.REVOKED, name, KnownHostsEntry.displayType(offeredType), fingerprint, plain,
                            List.of(e), null);
                }
            }
            List<KnownHostsEntry> cas = applicable.stream()
                    .filter(e -> e.marker() == KnownHostsEntry.Marker.CERT_AUTHORITY && e.keyEquals(ca)).toList();
            if (cas.isEmpty()) {
                certificateNote = "no @cert-authority line for " + name + " lists its CA key " + SignatureAlgorithms.fingerprint(ca);
            } else {
                String principal = HostPatterns.asciiLower(host);
                try {
                    if (cert.type() != OpenSshCertificate.Type.HOST) {
                        throw new SshException("it is a " + cert.type().name().toLowerCase(java.util.Locale.ROOT) + " certificate, not a host certificate");
                    }
                    if (!cert.criticalOptions().isEmpty()) {
                        throw new SshException("a host certificate must not have critical options, it has "
                                + cert.criticalOptions().keySet());
                    }
                    cert.validate(OpenSshCertificate.Type.HOST, principal, now, List.of(ca));
                    return new Result(Status.MATCH, name, KnownHostsEntry.displayType(offeredType), fingerprint, plain,
                            List.of(cas.get(0)), null);
                } catch (SshException e) {
                    certificateNote = "certificate signed by the CA at " + cas.get(0).location() + " is invalid for "
                            + principal + ": " + e.getMessage();
                    log.debug("host certificate for {} not accepted, retrying with its plain key: {}", name, certificateNote);
                }
            }
        } else {
            for (KnownHostsEntry e : applicable) {
                if (e.marker() == KnownHostsEntry.Marker.REVOKED && e.keyEquals(blob)) {
                    return new Result(Status.REVOKED, name, KnownHostsEntry.displayType(offeredType), fingerprint, plain,
                            List.of(e), null);
                }
            }
        }

        String displayType = KnownHostsEntry.displayType(plainType);
        String plainFingerprint = SignatureAlgorithms.fingerprint(plain);
        List<KnownHostsEntry> sameType = new ArrayList<>();
        List<KnownHostsEntry> otherTypes = new ArrayList<>();
        for (KnownHostsEntry e : applicable) {
            if (e.marker() != KnownHostsEntry.Marker.NONE) {
                continue;
            }
            if (!e.keyType().equals(plainType)) {
                otherTypes.add(e);
            } else if (e.keyEquals(plain)) {
                return new Result(Status.MATCH, name, displayType, plainFingerprint, plain, List.of(e), certificateNote);
            } else {
                sameType.add(e);
            }
        }
        if (!sameType.isEmpty()) {
            return new Result(Status.MISMATCH, name, displayType, plainFingerprint, plain, sameType, certificateNote);
        }
        return new Result(Status.UNKNOWN, name, displayType, plainFingerprint, plain, otherTypes, certificateNote);
    }

    // ------------------------------------------------------------------ writing

    /**
     * The line ssh(1) writes for a new host key: {@code name type base64}, where name is
     * {@link #hostKeyName} or, when {@code hash} is set, {@code |1|salt|hash} of it with a fresh
     * random salt. No comment and no trailing newline.
     *
     * @param host the host name or address
     * @param port the port
     * @param blob the host key blob
     * @param hash whether to hash the host name
     * @return the line
     * @throws SshException if the blob does not start with a printable key type
     */
    public static String formatLine(String host, int port, byte[] blob, boolean hash) throws SshException {
        String type = KnownHostsEntry.blobType(blob);
        if (type.isEmpty() || type.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            throw new SshException("invalid key type in the blob: " + SignatureAlgorithms.quote(type));
        }
        String name = hostKeyName(host, port);
        if (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ' || c == ',' || c == '#')) {
            throw new SshException("cannot write host name " + SignatureAlgorithms.quote(host) + " to known_hosts");
        }
        if (hash) {
            byte[] salt = new byte[KnownHostsEntry.HASH_LENGTH];
            RANDOM.nextBytes(salt);
            name = KnownHostsEntry.hashedName(salt, name);
        }
        return name + " " + type + " " + Base64.getEncoder().encodeToString(blob);
    }

    /**
     * Appends a host key as ssh(1) does when it learns a new host: adds a newline first if the
     * file does not end with one, then the {@link #formatLine} line and a newline. Creates a
     * missing file with mode 644 (as ssh(1) creates known_hosts under the usual umask) and
     * missing parent directories with mode 700, on POSIX file systems. Appends are serialised
     * within this JVM and hold an exclusive file lock against other processes that lock.
     *
     * @param file the known_hosts file
     * @param host the host name or address
     * @param port the port
     * @param blob the host key blob
     * @param hash whether to hash the host name
     * @return the line written (without the newline)
     * @throws IOException if the file cannot be created, locked or written, or (as {@link SshException}) the blob has
     *     no printable key type
     */
    public static String append(Path file, String host, int port, byte[] blob, boolean hash) throws IOException {
        String line = formatLine(host, port, blob, hash);
        boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
        synchronized (APPEND_LOCK) {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                if (posix) {
                    Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(parent);
                }
            }
            Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE);
            FileAttribute<?>[] attrs = posix
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"))}
                    : new FileAttribute<?>[0];
            try (FileChannel ch = FileChannel.open(file, options, attrs); FileLock lock = ch.lock()) {
                assert lock.isValid();
                long size = ch.size();
                boolean newlineFirst = false;
                if (size > 0) {
                    ByteBuffer last = ByteBuffer.allocate(1);
                    ch.read(last, size - 1);
                    newlineFirst = last.get(0) != '\n';
                }
                ByteBuffer out = ByteBuffer.wrap(((newlineFirst ? "\n" : "") + line + "\n").getBytes(StandardCharsets.US_ASCII));
                long pos = size;
                while (out.hasRemaining()) {
                    pos += ch.write(out, pos);
                }
                ch.force(false);
            }
        }
        return line;
    }
}
