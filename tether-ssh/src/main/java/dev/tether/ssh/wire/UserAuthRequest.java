package dev.tether.ssh.wire;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;

/**
 * SSH_MSG_USERAUTH_REQUEST, RFC 4252 §5, with the method specific fields of §5.2 ({@code none}),
 * §7 ({@code publickey}), §8 ({@code password}), RFC 4256 §3.1 ({@code keyboard-interactive})
 * and OpenSSH's PROTOCOL §2.5 ({@code publickey-hostbound-v00@openssh.com}).
 *
 * <pre>
 *   byte      SSH_MSG_USERAUTH_REQUEST
 *   string    user name in ISO-10646 UTF-8 encoding
 *   string    service name in US-ASCII
 *   string    method name in US-ASCII
 *   ....      method specific fields
 * </pre>
 *
 * <p>Decoding comes in steps, so that a server can check the user and service before it reads
 * the method's fields ({@link Head#decode}, then {@link PasswordAuth#decode} and so on), and the
 * key before the signature ({@link PublickeyAuth#decodeHead}, then {@link PublickeyAuth#withSignature}).
 * {@link #decode} runs all steps.
 */
public record UserAuthRequest(String user, String service, Method method) {
    public static final String NONE = "none";
    public static final String PASSWORD = "password";
    public static final String PUBLICKEY = "publickey";
    public static final String HOSTBOUND = "publickey-hostbound-v00@openssh.com";
    /** The EXT_INFO extension (value "0") by which a server says it accepts {@link #HOSTBOUND}. */
    public static final String HOSTBOUND_EXTENSION = "publickey-hostbound@openssh.com";
    public static final String KEYBOARD_INTERACTIVE = "keyboard-interactive";

    /** The method name and its specific fields. */
    public sealed interface Method permits NoneAuth, PasswordAuth, PublickeyAuth, KeyboardInteractiveAuth, OtherAuth {
        String name();

        /** Writes the method specific fields (not the name). */
        void encodeFields(SshWriter w);
    }

    public byte[] encode() {
        SshWriter w = new SshWriter(256);
        encode(w);
        return w.toByteArray();
    }

    public void encode(SshWriter w) {
        w.byteValue(MessageNumbers.USERAUTH_REQUEST).string(user).string(service).string(method.name());
        method.encodeFields(w);
    }

    /** Decodes the body after the message number, method specific fields included. */
    public static UserAuthRequest decode(SshReader r) throws SshException {
        Head h = Head.decode(r);
        Method m = switch (h.method()) {
            case NONE -> new NoneAuth();
            case PASSWORD -> PasswordAuth.decode(r);
            case PUBLICKEY, HOSTBOUND -> PublickeyAuth.decode(r, h.method().equals(HOSTBOUND));
            case KEYBOARD_INTERACTIVE -> KeyboardInteractiveAuth.decode(r);
            default -> new OtherAuth(h.method());
        };
        return new UserAuthRequest(h.user(), h.service(), m);
    }

    /** The fields every request starts with. */
    public record Head(String user, String service, String method) {
        public static Head decode(SshReader r) throws SshException {
            String user = r.utf8();
            String service = r.ascii();
            String method = r.ascii();
            return new Head(user, service, method);
        }
    }

    /** RFC 4252 §5.2: no fields. */
    public record NoneAuth() implements Method {
        @Override
        public String name() {
            return NONE;
        }

        @Override
        public void encodeFields(SshWriter w) {
        }
    }

    /**
     * RFC 4252 §8: {@code boolean FALSE || string password}, or for a change
     * {@code boolean TRUE || string old password || string new password}.
     *
     * @param newPassword null unless this is a password change
     */
    public record PasswordAuth(String password, String newPassword) implements Method {
        public boolean isChange() {
            return newPassword != null;
        }

        @Override
        public String name() {
            return PASSWORD;
        }

        @Override
        public void encodeFields(SshWriter w) {
            w.bool(newPassword != null).string(password);
            if (newPassword != null) {
                w.string(newPassword);
            }
        }

        public static PasswordAuth decode(SshReader r) throws SshException {
            boolean change = r.bool();
            String pw = r.utf8();
            return new PasswordAuth(pw, change ? r.utf8() : null);
        }
    }

    /**
     * RFC 4252 §7: {@code boolean signed || string algorithm || string key blob}
     * [{@code || string host key}, hostbound only] [{@code || string signature}, signed only].
     *
     * @param hostKey   the server host key blob of {@code publickey-hostbound-v00@openssh.com}; null for plain publickey
     * @param signature null for a query, or for a signed request whose signature is not read yet
     */
    public record PublickeyAuth(boolean signed, String algorithm, byte[] blob, byte[] hostKey, byte[] signature)
            implements Method {
        /** A query without signature (§7, answered with PK_OK). */
        public static PublickeyAuth query(String algorithm, byte[] blob) {
            return new PublickeyAuth(false, algorithm, blob, null, null);
        }

        /** A signed request. */
        public static PublickeyAuth signed(String algorithm, byte[] blob, byte[] signature) {
            return new PublickeyAuth(true, algorithm, blob, null, signature);
        }

        @Override
        public String name() {
            return hostKey == null ? PUBLICKEY : HOSTBOUND;
        }

        @Override
        public void encodeFields(SshWriter w) {
            w.bool(signed).string(algorithm).string(blob);
            if (hostKey != null) {
                w.string(hostKey);
            }
            if (signature != null) {
                w.string(signature);
            }
        }

        /** The fields before the signature. */
        public static PublickeyAuth decodeHead(SshReader r, boolean hostbound) throws SshException {
            boolean signed = r.bool();
            String alg = r.ascii();
            byte[] blob = r.string();
            byte[] hostKey = hostbound ? r.string() : null;
            return new PublickeyAuth(signed, alg, blob, hostKey, null);
        }

        /** Reads the signature of a signed request, which must end the message. */
        public PublickeyAuth withSignature(SshReader r) throws SshException {
            byte[] sig = r.string();
            r.expectEnd("publickey request");
            return new PublickeyAuth(signed, algorithm, blob, hostKey, sig);
        }

        public static PublickeyAuth decode(SshReader r, boolean hostbound) throws SshException {
            PublickeyAuth head = decodeHead(r, hostbound);
            return head.signed() ? head.withSignature(r) : head;
        }
    }

    /** RFC 4256 §3.1: {@code string language tag (deprecated) || string submethods}. */
    public record KeyboardInteractiveAuth(String language, String submethods) implements Method {
        @Override
        public String name() {
            return KEYBOARD_INTERACTIVE;
        }

        @Override
        public void encodeFields(SshWriter w) {
            w.string(language).string(submethods);
        }

        public static KeyboardInteractiveAuth decode(SshReader r) throws SshException {
            String language = r.utf8();
            return new KeyboardInteractiveAuth(language, r.utf8());
        }
    }

    /** A method we do not implement: only its name is kept, its fields are not read. */
    public record OtherAuth(String name) implements Method {
        @Override
        public void encodeFields(SshWriter w) {
        }
    }
}
