package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An OpenSSH authorized_keys file (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"), parsed, and the
 * decision sshd makes with it when a client offers a public key or a user certificate.
 *
 * <p>Each line is {@code [options] keytype base64 [comment]}. Options are comma-separated, with
 * double-quoted values in which {@code \"} stands for a quote; names are case-insensitive and
 * applied left to right (so {@code restrict,pty} allows a pty but {@code pty,restrict} does not).
 * An unknown or malformed option makes the line invalid: {@link #load} skips it with a warning
 * naming {@code file:line}, as sshd does; {@link #loadStrict} refuses the file.
 *
 * <p>{@link #find} implements sshd's per-line authorisation: the first line that accepts the
 * offered key wins, and a line whose {@code from=} or {@code expiry-time=} refuses is passed over.
 * Instances are immutable and thread-safe.
 */
public final class AuthorizedKeys {
    private static final Logger log = LoggerFactory.getLogger(AuthorizedKeys.class);

    private final List<AuthorizedKey> entries;
    private final List<SshException> errors;

    private AuthorizedKeys(List<AuthorizedKey> entries, List<SshException> errors) {
        this.entries = List.copyOf(entries);
        this.errors = List.copyOf(errors);
    }

    // ------------------------------------------------------------------ loading

    /**
     * Loads a file, skipping (and logging) invalid lines; an {@code expiry-time} without
     * {@code Z} is read in the system time zone.
     *
     * @param file the authorized_keys file, UTF-8
     * @return the valid lines, with the invalid ones in {@link #errors()}
     * @throws IOException if the file cannot be read
     */
    public static AuthorizedKeys load(Path file) throws IOException {
        return load(file, ZoneId.systemDefault(), false);
    }

    /**
     * Loads a file, refusing it if any line is invalid (the exception names each {@code file:line}).
     *
     * @param file the authorized_keys file, UTF-8
     * @return the lines
     * @throws IOException if the file cannot be read, or (as {@link SshException}) any line is invalid
     */
    public static AuthorizedKeys loadStrict(Path file) throws IOException {
        return load(file, ZoneId.systemDefault(), true);
    }

    /**
     * Loads a file, reading local {@code expiry-time} values in {@code zone}.
     *
     * @param file   the authorized_keys file, UTF-8
     * @param zone   the zone of an {@code expiry-time} given without {@code Z}
     * @param strict whether an invalid line fails the load rather than being skipped
     * @return the valid lines, with the skipped ones in {@link #errors()}
     * @throws IOException if the file cannot be read, or (as {@link SshException}) a line is invalid and
     *     {@code strict} is set
     */
    public static AuthorizedKeys load(Path file, ZoneId zone, boolean strict) throws IOException {
        String content = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        return parse(file, file.toString(), content, zone, strict);
    }

    /**
     * Parses authorized_keys text.
     *
     * @param source the name used in {@code file:line} locations
     * @param content the file's text
     * @param zone    the zone of an {@code expiry-time} given without {@code Z}
     * @param strict  whether an invalid line fails the parse rather than being skipped
     * @return the valid lines, with the skipped ones in {@link #errors()}
     * @throws SshException if a line is invalid and {@code strict} is set
     */
    public static AuthorizedKeys parse(String source, String content, ZoneId zone, boolean strict) throws SshException {
        return parse(null, source, content, zone, strict);
    }

    private static AuthorizedKeys parse(Path file, String source, String content, ZoneId zone, boolean strict)
            throws SshException {
        List<AuthorizedKey> entries = new ArrayList<>();
        List<SshException> errors = new ArrayList<>();
        List<String> lines = KnownHostsLines.split(content);
        for (int i = 0; i < lines.size(); i++) {
            try {
                AuthorizedKey k = AuthorizedKeysParser.parseLine(file, source, i + 1, lines.get(i), zone);
                if (k != null) {
                    entries.add(k);
                }
            } catch (SshException e) {
                errors.add(new SshException(source + ":" + (i + 1) + ": " + e.getMessage(), e));
            }
        }
        if (strict && !errors.isEmpty()) {
            throw KnownHostsLines.combine("authorized_keys", errors);
        }
        for (SshException e : errors) {
            log.warn("skipping invalid authorized_keys line: {}", e.getMessage());
        }
        return new AuthorizedKeys(entries, errors);
    }

    /**
     * The key lines, in file order.
     *
     * @return the entries, unmodifiable
     */
    public List<AuthorizedKey> entries() {
        return entries;
    }

    /**
     * The invalid lines skipped while loading, each naming {@code file:line}.
     *
     * @return the errors, unmodifiable; empty after a strict load
     */
    public List<SshException> errors() {
        return errors;
    }

    // ------------------------------------------------------------------ matching

    /**
     * {@link #find(byte[], String, String, InetAddress, Instant)} with no client host name (the address is used).
     *
     * @param offeredBlob the key or certificate blob the client offered
     * @param user        the user name the client asked to log in as
     * @param client      the client's address
     * @param now         the time at which expiry and certificate validity are judged
     * @return the match, or empty if no line authorises the key
     * @throws SshException if the offered blob is malformed or a certificate cannot be parsed
     */
    public Optional<Match> find(byte[] offeredBlob, String user, InetAddress client, Instant now) throws SshException {
        return find(offeredBlob, user, null, client, now);
    }

    /**
     * The entry that authorises the offered key, if any.
     *
     * <ul>
     *   <li>Plain key: a line that is not {@code cert-authority} with an equal key (compared in
     *       constant time), not expired, and whose {@code from=} allows the client.</li>
     *   <li>Certificate: a {@code cert-authority} line whose key is the certificate's CA, not
     *       expired, whose {@code from=} allows the client, and for which the certificate validates
     *       as a USER certificate at {@code now}: with {@code principals=} on the line, one of the
     *       certificate's principals must be in that list; otherwise {@code user} must be one of
     *       the certificate's principals (an empty principal list allows any user, as OpenSSH
     *       does for authorized_keys). The certificate's {@code source-address} must allow the
     *       client address, and a {@code force-command} must equal the line's {@code command=}
     *       if both are given.</li>
     * </ul>
     *
     * @param clientHost the client's canonical host name for {@code from=} (null: use the address,
     *                   as sshd with {@code UseDNS no})
     * @param offeredBlob the key or certificate blob the client offered
     * @param user        the user name the client asked to log in as
     * @param client      the client's address
     * @param now         the time at which expiry and certificate validity are judged
     * @return the match, or empty if no line authorises the key
     * @throws SshException if the offered blob is malformed or a certificate cannot be parsed
     */
    public Optional<Match> find(byte[] offeredBlob, String user, String clientHost, InetAddress client, Instant now)
            throws SshException {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(now, "now");
        String type = KnownHostsEntry.blobType(offeredBlob);
        if (!KnownHostsEntry.isCertificateType(type)) {
            for (AuthorizedKey k : entries) {
                if (k.options().isCertAuthority() || !k.keyEquals(offeredBlob)) {
                    continue;
                }
                String refusal = refusal(k, clientHost, client, now);
                if (refusal != null) {
                    log.debug("{}: key matches but {}", k.location(), refusal);
                    continue;
                }
                return Optional.of(new Match(k, null, offeredBlob));
            }
            return Optional.empty();
        }
        OpenSshCertificate cert = OpenSshCertificate.parse(offeredBlob);
        byte[] ca = cert.signatureKey();
        for (AuthorizedKey k : entries) {
            if (!k.options().isCertAuthority() || !k.keyEquals(ca)) {
                continue;
            }
            String refusal = refusal(k, clientHost, client, now);
            if (refusal == null) {
                refusal = certificateRefusal(k, cert, user, client, now);
            }
            if (refusal != null) {
                log.debug("{}: certificate CA matches but {}", k.location(), refusal);
                continue;
            }
            return Optional.of(new Match(k, cert, offeredBlob));
        }
        return Optional.empty();
    }

    private static String refusal(AuthorizedKey k, String clientHost, InetAddress client, Instant now) {
        if (k.options().expired(now)) {
            return "the key expired at " + k.options().expiryTime().orElseThrow();
        }
        if (!k.options().fromAllows(clientHost, client)) {
            return "from=\"" + k.options().from().orElseThrow() + "\" does not allow "
                    + (client == null ? "an unknown address" : HostPatterns.format(client))
                    + (clientHost == null ? "" : " (" + clientHost + ")");
        }
        return null;
    }

    private static String certificateRefusal(AuthorizedKey k, OpenSshCertificate cert, String user, InetAddress client,
                                             Instant now) {
        Optional<List<String>> allowed = k.options().principals();
        try {
            cert.validate(OpenSshCertificate.Type.USER, allowed.isPresent() ? null : user, now, List.of(k.blob));
        } catch (SshException e) {
            return "the certificate is not valid: " + e.getMessage();
        }
        if (allowed.isPresent() && cert.principals().stream().noneMatch(allowed.get()::contains)) {
            return "none of the certificate's principals " + cert.principals() + " is in principals=\""
                    + String.join(",", allowed.get()) + "\"";
        }
        String sourceAddress = cert.criticalOptions().get("source-address");
        if (sourceAddress != null && !HostPatterns.matchCidrList(client, sourceAddress)) {
            return "the certificate's source-address \"" + sourceAddress + "\" does not allow "
                    + (client == null ? "an unknown address" : HostPatterns.format(client));
        }
        String certCommand = cert.criticalOptions().get("force-command");
        Optional<String> keyCommand = k.options().forcedCommand();
        if (certCommand != null && keyCommand.isPresent() && !certCommand.equals(keyCommand.get())) {
            return "the certificate's force-command and the line's command= differ";
        }
        return null;
    }

    // ------------------------------------------------------------------ model

    /**
     * A {@code permitopen} / {@code permitlisten} target: host and port ({@link #ANY_PORT} for {@code *}).
     *
     * @param host the host, or {@code *} for any host
     * @param port the port, or {@link #ANY_PORT}
     */
    public record HostPort(String host, int port) {
        /** The port of a {@code host:*} permission. */
        public static final int ANY_PORT = -1;

        /**
         * Checks the host.
         *
         * @param host the host, or {@code *} for any host
         * @param port the port, or {@link #ANY_PORT}
         * @throws NullPointerException if {@code host} is null
         */
        public HostPort {
            Objects.requireNonNull(host, "host");
        }

        /**
         * A {@code permitopen}/{@code PermitOpen} ({@code host:port}) or {@code permitlisten}/{@code
         * PermitListen} ({@code [host:]port}, a bare port meaning any host) entry; the port may be {@code *}.
         *
         * @param value  the option's value
         * @param listen true for a {@code permitlisten} entry, false for {@code permitopen}
         * @return the target
         * @throws SshException if the value is not such an entry
         */
        public static HostPort parse(String value, boolean listen) throws SshException {
            return AuthorizedKeysParser.parsePermission(value, listen);
        }

        /**
         * Whether an entry allows opening {@code host:port}: its host literally ({@code *}: any) and its port.
         *
         * @param entries the {@code permitopen} entries
         * @param host    the host to open
         * @param port    the port to open
         * @return whether one entry matches
         */
        public static boolean anyOpens(List<HostPort> entries, String host, int port) {
            for (HostPort p : entries) {
                if ((p.port() == ANY_PORT || p.port() == port) && (p.host().equals("*") || p.host().equals(host))) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Whether an entry allows listening on {@code host:port}: its host as a case-insensitive wildcard pattern,
         * and its port.
         *
         * @param entries the {@code permitlisten} entries
         * @param host    the host to listen on; null is taken as empty
         * @param port    the port to listen on
         * @return whether one entry matches
         */
        public static boolean anyListens(List<HostPort> entries, String host, int port) {
            String h = HostPatterns.asciiLower(host == null ? "" : host);
            for (HostPort p : entries) {
                if ((p.port() == ANY_PORT || p.port() == port) && HostPatterns.wildcardMatch(h, HostPatterns.asciiLower(p.host()))) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
            return h + ":" + (port == ANY_PORT ? "*" : Integer.toString(port));
        }
    }

    /** One key line of an authorized_keys file. Immutable. */
    public static final class AuthorizedKey {
        private final Path file;
        private final String source;
        private final int line;
        private final String keyType;
        private final byte[] blob;
        private final String comment;
        private final KeyOptions options;

        AuthorizedKey(Path file, String source, int line, String keyType, byte[] blob, String comment, KeyOptions options) {
            this.file = file;
            this.source = Objects.requireNonNull(source);
            this.line = line;
            this.keyType = Objects.requireNonNull(keyType);
            this.blob = blob.clone();
            this.comment = comment == null ? "" : comment;
            this.options = Objects.requireNonNull(options);
        }

        /**
         * The public key blob (a copy).
         *
         * @return a copy of the blob
         */
        public byte[] blob() {
            return blob.clone();
        }

        /**
         * The key type named on the line, e.g. {@code ssh-ed25519}.
         *
         * @return the key type
         */
        public String keyType() {
            return keyType;
        }

        /**
         * The comment after the key.
         *
         * @return the comment, empty if none
         */
        public String comment() {
            return comment;
        }

        /**
         * The options before the key type.
         *
         * @return the options; {@link KeyOptions#NONE} for a line without any
         */
        public KeyOptions options() {
            return options;
        }

        /**
         * 1-based line number.
         *
         * @return the line number
         */
        public int line() {
            return line;
        }

        /**
         * The file, or null when parsed from a string.
         *
         * @return the file, or null
         */
        public Path file() {
            return file;
        }

        /**
         * {@code file:line}.
         *
         * @return the location, e.g. {@code /home/u/.ssh/authorized_keys:3}
         */
        public String location() {
            return source + ":" + line;
        }

        /**
         * SHA256 fingerprint of the key.
         *
         * @return the fingerprint, {@code SHA256:} and unpadded base64
         */
        public String fingerprint() {
            return SignatureAlgorithms.fingerprint(blob);
        }

        /**
         * Whether the key equals {@code other}, in constant time.
         *
         * @param other a public key blob, or null
         * @return true if the blobs are equal; false for null
         */
        public boolean keyEquals(byte[] other) {
            return other != null && MessageDigest.isEqual(blob, other);
        }

        /**
         * The line as it would be written back.
         *
         * @return the options, key type, base64 blob and comment, separated by spaces
         */
        public String toLine() {
            String opts = options.toString();
            return (opts.isEmpty() ? "" : opts + " ") + keyType + " " + Base64.getEncoder().encodeToString(blob)
                    + (comment.isEmpty() ? "" : " " + comment);
        }

        @Override
        public String toString() {
            return location() + " " + KnownHostsEntry.displayType(keyType) + " " + fingerprint();
        }
    }

    /**
     * The options of one authorized_keys line, as policy answers. Immutable. Defaults (no
     * options) allow pty, port, agent and X11 forwarding and ~/.ssh/rc; {@code restrict} turns
     * all of them off and {@code pty}, {@code port-forwarding}, ... turn them back on.
     */
    public static final class KeyOptions {
        /** The options of a line without any. */
        public static final KeyOptions NONE = new Builder().build();

        private final boolean restricted;
        private final boolean pty;
        private final boolean portForwarding;
        private final boolean agentForwarding;
        private final boolean x11;
        private final boolean userRc;
        private final boolean certAuthority;
        private final boolean noTouchRequired;
        private final boolean verifyRequired;
        private final String command;
        private final String from;
        private final List<String> principals;
        private final Instant expiry;
        private final Map<String, String> environment;
        private final List<HostPort> permitOpen;
        private final List<HostPort> permitListen;
        private final String tunnel;

        private KeyOptions(Builder b) {
            restricted = b.restricted;
            pty = b.pty;
            portForwarding = b.portForwarding;
            agentForwarding = b.agentForwarding;
            x11 = b.x11;
            userRc = b.userRc;
            certAuthority = b.certAuthority;
            noTouchRequired = b.noTouchRequired;
            verifyRequired = b.verifyRequired;
            command = b.command;
            from = b.from;
            principals = b.principals == null ? null : List.copyOf(b.principals);
            expiry = b.expiry;
            environment = Collections.unmodifiableMap(new LinkedHashMap<>(b.environment));
            permitOpen = List.copyOf(b.permitOpen);
            permitListen = List.copyOf(b.permitListen);
            tunnel = b.tunnel;
        }

        /**
         * Parses an options string such as {@code restrict,pty,command="uptime"}; local
         * {@code expiry-time} values are read in {@code zone}.
         *
         * @param options the options text, comma-separated
         * @param zone    the zone of an {@code expiry-time} given without {@code Z}
         * @return the options
         * @throws SshException if an option is unknown or malformed
         */
        public static KeyOptions parse(String options, ZoneId zone) throws SshException {
            return AuthorizedKeysParser.parseOptions(options, zone);
        }

        /**
         * Whether {@code restrict} was given.
         *
         * @return true with {@code restrict}
         */
        public boolean isRestricted() {
            return restricted;
        }

        /**
         * Whether a pty may be allocated ({@code no-pty}; after {@code restrict}, only with {@code pty}).
         *
         * @return true if allowed
         */
        public boolean permitsPty() {
            return pty;
        }

        /**
         * TCP forwarding in both directions ({@code no-port-forwarding}).
         *
         * @return true if allowed
         */
        public boolean permitsPortForwarding() {
            return portForwarding;
        }

        /**
         * Whether agent forwarding is allowed ({@code no-agent-forwarding}; after {@code restrict}, only with
         * {@code agent-forwarding}).
         *
         * @return true if allowed
         */
        public boolean permitsAgentForwarding() {
            return agentForwarding;
        }

        /**
         * Whether X11 forwarding is allowed ({@code no-X11-forwarding}; after {@code restrict}, only with
         * {@code X11-forwarding}).
         *
         * @return true if allowed
         */
        public boolean permitsX11() {
            return x11;
        }

        /**
         * Whether ~/.ssh/rc may run ({@code no-user-rc}).
         *
         * @return true if allowed
         */
        public boolean permitsUserRc() {
            return userRc;
        }

        /**
         * Whether the line is a {@code cert-authority} line: its key is a CA whose certificates log in.
         *
         * @return true for a CA line
         */
        public boolean isCertAuthority() {
            return certAuthority;
        }

        /**
         * {@code no-touch-required}: FIDO signatures need not prove user presence.
         *
         * @return true with {@code no-touch-required}
         */
        public boolean noTouchRequired() {
            return noTouchRequired;
        }

        /**
         * {@code verify-required}: FIDO signatures must attest user verification.
         *
         * @return true with {@code verify-required}
         */
        public boolean verifyRequired() {
            return verifyRequired;
        }

        /**
         * The {@code command=} to run instead of what the client asks for.
         *
         * @return the command, or empty
         */
        public Optional<String> forcedCommand() {
            return Optional.ofNullable(command);
        }

        /**
         * The {@code from=} pattern list.
         *
         * @return the patterns, comma-separated, or empty
         */
        public Optional<String> from() {
            return Optional.ofNullable(from);
        }

        /**
         * The {@code principals=} list of a {@code cert-authority} line, if given.
         *
         * @return the principal names, or empty if not given
         */
        public Optional<List<String>> principals() {
            return Optional.ofNullable(principals);
        }

        /**
         * The earliest {@code expiry-time}, if any.
         *
         * @return the expiry time, or empty
         */
        public Optional<Instant> expiryTime() {
            return Optional.ofNullable(expiry);
        }

        /**
         * The {@code environment=} variables in file order; the first value of a name wins.
         *
         * @return the variables, by name; unmodifiable
         */
        public Map<String, String> environment() {
            return environment;
        }

        /**
         * The {@code permitopen} entries, in file order.
         *
         * @return the entries, unmodifiable; empty when none was given (then any target is allowed)
         */
        public List<HostPort> permitOpenList() {
            return permitOpen;
        }

        /**
         * The {@code permitlisten} entries, in file order.
         *
         * @return the entries, unmodifiable; empty when none was given (then any listener is allowed)
         */
        public List<HostPort> permitListenList() {
            return permitListen;
        }

        /**
         * The {@code tunnel=} device: a number or {@code any}.
         *
         * @return the device, or empty
         */
        public Optional<String> tunnel() {
            return Optional.ofNullable(tunnel);
        }

        /**
         * Whether a local forwarding ({@code ssh -L}, direct-tcpip) to {@code host:port} is
         * allowed: port forwarding must be permitted, and if {@code permitopen} is given one entry
         * must match: its host literally (no patterns; {@code *} is any host, as sshd) and its port
         * ({@code *} is any port).
         *
         * @param host the target host
         * @param port the target port
         * @return whether the forwarding is allowed
         */
        public boolean permitOpen(String host, int port) {
            if (!portForwarding) {
                return false;
            }
            return permitOpen.isEmpty() || HostPort.anyOpens(permitOpen, host, port);
        }

        /**
         * Whether a remote forwarding ({@code ssh -R}, tcpip-forward) listening on
         * {@code host:port} is allowed: port forwarding must be permitted, and if
         * {@code permitlisten} is given one entry must match: its host as a case-insensitive
         * wildcard pattern (a bare port means any host) and its port ({@code *} is any port).
         *
         * @param host the host to listen on
         * @param port the port to listen on
         * @return whether the forwarding is allowed
         */
        public boolean permitListen(String host, int port) {
            if (!portForwarding) {
                return false;
            }
            return permitListen.isEmpty() || HostPort.anyListens(permitListen, host, port);
        }

        /**
         * Whether {@code from=} allows the client (always, without {@code from=}): the canonical
         * host name or the address must match the pattern list (addresses also by CIDR), and
         * neither may match a negated entry.
         *
         * @param clientHost the canonical host name, or null to match the address text instead
         * @param clientAddress the client's address
         * @return whether the client is allowed
         */
        public boolean fromAllows(String clientHost, InetAddress clientAddress) {
            return from == null || HostPatterns.matchHostAndAddress(clientHost, clientAddress, from);
        }

        /**
         * Whether an {@code expiry-time} has passed at {@code now} (to the second, as sshd).
         *
         * @param now the time to judge at
         * @return true if expired
         */
        public boolean expired(Instant now) {
            return expiry != null && now.getEpochSecond() > expiry.getEpochSecond();
        }

        /** The options in canonical form (names lower-case, one value per option). */
        @Override
        public String toString() {
            List<String> out = new ArrayList<>();
            if (certAuthority) {
                out.add("cert-authority");
            }
            if (restricted) {
                out.add("restrict");
                addIf(out, pty, "pty");
                addIf(out, portForwarding, "port-forwarding");
                addIf(out, agentForwarding, "agent-forwarding");
                addIf(out, x11, "x11-forwarding");
                addIf(out, userRc, "user-rc");
            } else {
                addIf(out, !pty, "no-pty");
                addIf(out, !portForwarding, "no-port-forwarding");
                addIf(out, !agentForwarding, "no-agent-forwarding");
                addIf(out, !x11, "no-x11-forwarding");
                addIf(out, !userRc, "no-user-rc");
            }
            addIf(out, noTouchRequired, "no-touch-required");
            addIf(out, verifyRequired, "verify-required");
            if (command != null) {
                out.add("command=" + quote(command));
            }
            if (from != null) {
                out.add("from=" + quote(from));
            }
            if (principals != null) {
                out.add("principals=" + quote(String.join(",", principals)));
            }
            if (expiry != null) {
                out.add("expiry-time=" + quote(java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'")
                        .withZone(java.time.ZoneOffset.UTC).format(expiry)));
            }
            environment.forEach((k, v) -> out.add("environment=" + quote(k + "=" + v)));
            permitOpen.forEach(p -> out.add("permitopen=" + quote(p.toString())));
            permitListen.forEach(p -> out.add("permitlisten=" + quote(p.toString())));
            if (tunnel != null) {
                out.add("tunnel=" + quote(tunnel));
            }
            return String.join(",", out);
        }

        private static void addIf(List<String> out, boolean cond, String s) {
            if (cond) {
                out.add(s);
            }
        }

        private static String quote(String v) {
            return "\"" + v.replace("\"", "\\\"") + "\"";
        }

        /** Mutable state while parsing. */
        static final class Builder {
            boolean restricted;
            boolean pty = true;
            boolean portForwarding = true;
            boolean agentForwarding = true;
            boolean x11 = true;
            boolean userRc = true;
            boolean certAuthority;
            boolean noTouchRequired;
            boolean verifyRequired;
            String command;
            String from;
            List<String> principals;
            Instant expiry;
            final Map<String, String> environment = AuthorizedKeysParser.newEnvironment();
            final List<HostPort> permitOpen = AuthorizedKeysParser.newList();
            final List<HostPort> permitListen = AuthorizedKeysParser.newList();
            String tunnel;

            void restrict() {
                restricted = true;
                pty = false;
                portForwarding = false;
                agentForwarding = false;
                x11 = false;
                userRc = false;
            }

            KeyOptions build() {
                return new KeyOptions(this);
            }
        }
    }

    /**
     * An authorisation: the line that accepted the key, the certificate if one was offered, and
     * the effective restrictions. With a certificate, a feature is allowed only if the line's
     * options allow it and the certificate has the matching {@code permit-*} extension; the
     * certificate's {@code force-command} and {@code source-address} apply as well as the line's
     * {@code command=} and {@code from=}.
     */
    public static final class Match {
        private final AuthorizedKey entry;
        private final OpenSshCertificate certificate;
        private final byte[] offered;
        private final boolean certPty;
        private final boolean certPortForwarding;
        private final boolean certAgentForwarding;
        private final boolean certX11;
        private final boolean certUserRc;
        private final boolean certNoTouch;
        private final boolean certVerifyRequired;
        private final String certCommand;
        private final String certSourceAddress;

        Match(AuthorizedKey entry, OpenSshCertificate certificate, byte[] offered) {
            this.entry = entry;
            this.certificate = certificate;
            this.offered = offered.clone();
            if (certificate == null) {
                certPty = certPortForwarding = certAgentForwarding = certX11 = certUserRc = true;
                certNoTouch = true;
                certVerifyRequired = false;
                certCommand = null;
                certSourceAddress = null;
            } else {
                Map<String, String> ext = certificate.extensions();
                certPty = ext.containsKey("permit-pty");
                certPortForwarding = ext.containsKey("permit-port-forwarding");
                certAgentForwarding = ext.containsKey("permit-agent-forwarding");
                certX11 = ext.containsKey("permit-X11-forwarding");
                certUserRc = ext.containsKey("permit-user-rc");
                certNoTouch = ext.containsKey("no-touch-required");
                Map<String, String> crit = certificate.criticalOptions();
                certVerifyRequired = crit.containsKey("verify-required");
                certCommand = crit.get("force-command");
                certSourceAddress = crit.get("source-address");
            }
        }

        /**
         * The authorized_keys line that accepted the key (the CA line for a certificate).
         *
         * @return the entry
         */
        public AuthorizedKey entry() {
            return entry;
        }

        /**
         * The options of the line that accepted the key.
         *
         * @return the line's options, without the certificate's restrictions merged
         */
        public KeyOptions options() {
            return entry.options();
        }

        /**
         * The certificate the client offered, if it offered one.
         *
         * @return the certificate, or empty for a plain key
         */
        public Optional<OpenSshCertificate> certificate() {
            return Optional.ofNullable(certificate);
        }

        /**
         * Whether a pty may be allocated: the line allows it and a certificate has {@code permit-pty}.
         *
         * @return true if allowed
         */
        public boolean permitsPty() {
            return certPty && options().permitsPty();
        }

        /**
         * Whether port forwarding is allowed: the line allows it and a certificate has
         * {@code permit-port-forwarding}.
         *
         * @return true if allowed
         */
        public boolean permitsPortForwarding() {
            return certPortForwarding && options().permitsPortForwarding();
        }

        /**
         * Whether agent forwarding is allowed: the line allows it and a certificate has
         * {@code permit-agent-forwarding}.
         *
         * @return true if allowed
         */
        public boolean permitsAgentForwarding() {
            return certAgentForwarding && options().permitsAgentForwarding();
        }

        /**
         * Whether X11 forwarding is allowed: the line allows it and a certificate has {@code permit-X11-forwarding}.
         *
         * @return true if allowed
         */
        public boolean permitsX11() {
            return certX11 && options().permitsX11();
        }

        /**
         * Whether ~/.ssh/rc may run: the line allows it and a certificate has {@code permit-user-rc}.
         *
         * @return true if allowed
         */
        public boolean permitsUserRc() {
            return certUserRc && options().permitsUserRc();
        }

        /**
         * Whether FIDO signatures may omit user presence: the line must say {@code no-touch-required}
         * and, with a certificate, the certificate must have the {@code no-touch-required} extension.
         *
         * @return true if user presence may be omitted
         */
        public boolean noTouchRequired() {
            return certNoTouch && options().noTouchRequired();
        }

        /**
         * Whether FIDO signatures must attest user verification: the line's or the certificate's
         * {@code verify-required}.
         *
         * @return true if user verification is required
         */
        public boolean verifyRequired() {
            return certVerifyRequired || options().verifyRequired();
        }

        /**
         * The line's {@code command=}, or else the certificate's {@code force-command} (equal if both are given).
         *
         * @return the command, or empty
         */
        public Optional<String> forcedCommand() {
            Optional<String> c = options().forcedCommand();
            return c.isPresent() ? c : Optional.ofNullable(certCommand);
        }

        /**
         * The line's {@code environment=} variables (certificates carry none).
         *
         * @return the variables, by name; unmodifiable
         */
        public Map<String, String> environment() {
            return options().environment();
        }

        /**
         * Whether a local forwarding to {@code host:port} is allowed: port forwarding must be allowed (see
         * {@link #permitsPortForwarding()}) and the line's {@code permitopen} must allow the target.
         *
         * @param host the target host
         * @param port the target port
         * @return whether the forwarding is allowed
         */
        public boolean permitOpen(String host, int port) {
            return certPortForwarding && options().permitOpen(host, port);
        }

        /**
         * Whether a remote forwarding listening on {@code host:port} is allowed: port forwarding must be allowed (see
         * {@link #permitsPortForwarding()}) and the line's {@code permitlisten} must allow it.
         *
         * @param host the host to listen on
         * @param port the port to listen on
         * @return whether the forwarding is allowed
         */
        public boolean permitListen(String host, int port) {
            return certPortForwarding && options().permitListen(host, port);
        }

        /**
         * The line's {@code from=} and the certificate's {@code source-address} must both allow the client.
         *
         * @param clientHost    the client's canonical host name, or null to match the address text instead
         * @param clientAddress the client's address
         * @return whether the client is allowed
         */
        public boolean fromAllows(String clientHost, InetAddress clientAddress) {
            return options().fromAllows(clientHost, clientAddress)
                    && (certSourceAddress == null || HostPatterns.matchCidrList(clientAddress, certSourceAddress));
        }

        /**
         * Whether the line's {@code expiry-time} or the certificate's validity has ended at {@code now}.
         *
         * @param now the time to judge at
         * @return true if the line or the certificate has expired
         */
        public boolean expired(Instant now) {
            if (options().expired(now)) {
                return true;
            }
            if (certificate == null) {
                return false;
            }
            long before = certificate.validBefore();
            long t = now.getEpochSecond();
            return Long.compareUnsigned(t, before) >= 0;
        }

        /**
         * The line's {@code principals=} list.
         *
         * @return the principal names, or empty if not given
         */
        public Optional<List<String>> principals() {
            return options().principals();
        }

        /**
         * Whether the accepting line is a {@code cert-authority} line.
         *
         * @return true when a certificate was accepted through its CA
         */
        public boolean isCertAuthority() {
            return options().isCertAuthority();
        }

        /**
         * For logs, as sshd reports an accepted key: the key type and fingerprint (for a
         * certificate also its ID, serial and CA) and the {@code file:line} that accepted it.
         *
         * @return the description
         */
        public String description() {
            StringBuilder sb = new StringBuilder();
            if (certificate == null) {
                sb.append(KnownHostsEntry.displayType(entry.keyType())).append(' ').append(entry.fingerprint());
            } else {
                String type;
                try {
                    type = KnownHostsEntry.blobType(offered);
                } catch (SshException e) {
                    type = certificate.keyType();
                }
                sb.append(KnownHostsEntry.displayType(type)).append(' ').append(SignatureAlgorithms.fingerprint(offered))
                        .append(" ID ").append(SignatureAlgorithms.quote(certificate.keyId()))
                        .append(" (serial ").append(Long.toUnsignedString(certificate.serial())).append(") CA ")
                        .append(KnownHostsEntry.displayType(entry.keyType())).append(' ').append(entry.fingerprint());
            }
            return sb.append(" accepted by ").append(entry.location()).toString();
        }

        @Override
        public String toString() {
            return description();
        }
    }
}
