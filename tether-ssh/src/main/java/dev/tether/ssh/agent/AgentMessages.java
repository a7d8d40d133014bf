package dev.tether.ssh.agent;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.keys.SignatureAlgorithms;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The messages of the SSH agent protocol (draft-miller-ssh-agent / draft-ietf-sshm-ssh-agent,
 * OpenSSH PROTOCOL.agent) as data, with explicit encode and decode, and the stream framing.
 *
 * <p>On the stream every message is {@code uint32 length || payload}; the payload starts with
 * the message type byte. {@link #frame} adds the length, {@link FrameDecoder} splits a byte
 * stream back into payloads, and both refuse payloads over {@value #MAX_MESSAGE_LENGTH} bytes
 * (OpenSSH's own limit) before allocating anything for them. The codec is separate from the
 * socket I/O in {@link AgentClient} so that agent forwarding can reuse it over a channel.
 *
 * <p>{@link Message#encode()} returns the payload (type byte and body, no length);
 * {@link #decodeRequest} and {@link #decodeResponse} take a payload and check it strictly:
 * truncated fields and trailing bytes are errors. Requests decode too, so that a test peer or
 * a future forwarding filter can read what a client sends.
 *
 * <p>Key encodings in {@link AddIdentity} (the draft's §3.2.1–3.2.5, as OpenSSH writes them):
 * <ul>
 *   <li>{@code ssh-ed25519}: {@code string ENC(A) || string k || ENC(A)} (32-byte seed then
 *       the 32-byte public key);</li>
 *   <li>{@code ecdsa-sha2-nistpNNN}: {@code string curve || string Q || mpint d};</li>
 *   <li>{@code ssh-rsa}: {@code mpint n || mpint e || mpint d || mpint iqmp || mpint p ||
 *       mpint q}.</li>
 * </ul>
 */
public final class AgentMessages {
    private AgentMessages() {
    }

    /** The largest payload accepted in either direction: 256 KiB, as OpenSSH's AGENT_MAX_LEN. */
    public static final int MAX_MESSAGE_LENGTH = 256 * 1024;

    // replies from the agent
    /** Message type: the agent refused the request, or does not know it. */
    public static final int SSH_AGENT_FAILURE = 5;
    /**
     * Message type: the agent did what was asked (the reply to add, remove, lock, unlock and, in OpenSSH,
     * extensions).
     */
    public static final int SSH_AGENT_SUCCESS = 6;
    /** Message type: the reply to {@link #SSH2_AGENTC_REQUEST_IDENTITIES}, listing the keys. */
    public static final int SSH2_AGENT_IDENTITIES_ANSWER = 12;
    /** Message type: the reply to {@link #SSH2_AGENTC_SIGN_REQUEST}, carrying the signature. */
    public static final int SSH2_AGENT_SIGN_RESPONSE = 14;
    /** Message type: the agent knows the extension but the request for it failed. */
    public static final int SSH_AGENT_EXTENSION_FAILURE = 28;
    /** The reply to an extension request in newer drafts; OpenSSH answers with SUCCESS instead. */
    public static final int SSH_AGENT_EXTENSION_RESPONSE = 29;

    // requests from the client
    /** Message type: list the keys the agent holds. */
    public static final int SSH2_AGENTC_REQUEST_IDENTITIES = 11;
    /** Message type: sign data with a key the agent holds. */
    public static final int SSH2_AGENTC_SIGN_REQUEST = 13;
    /** Message type: add a private key without constraints. */
    public static final int SSH2_AGENTC_ADD_IDENTITY = 17;
    /** Message type: remove one key. */
    public static final int SSH2_AGENTC_REMOVE_IDENTITY = 18;
    /** Message type: remove every key. */
    public static final int SSH2_AGENTC_REMOVE_ALL_IDENTITIES = 19;
    /** Message type: lock the agent with a passphrase. */
    public static final int SSH_AGENTC_LOCK = 22;
    /** Message type: unlock the agent. */
    public static final int SSH_AGENTC_UNLOCK = 23;
    /** Message type: add a private key with constraints (a lifetime, confirmation). */
    public static final int SSH2_AGENTC_ADD_ID_CONSTRAINED = 25;
    /** Message type: an extension request, named by a string. */
    public static final int SSH_AGENTC_EXTENSION = 27;

    // signature flags of a sign request
    /** Sign request flag: an RSA key signs with SHA-256 ({@code rsa-sha2-256}). */
    public static final int SSH_AGENT_RSA_SHA2_256 = 2;
    /** Sign request flag: an RSA key signs with SHA-512 ({@code rsa-sha2-512}). */
    public static final int SSH_AGENT_RSA_SHA2_512 = 4;

    // key constraints of an add request
    /** Add constraint: the agent forgets the key after a lifetime, a {@code uint32} of seconds. */
    public static final int SSH_AGENT_CONSTRAIN_LIFETIME = 1;
    /** Add constraint: the agent asks the user to confirm each use of the key. */
    public static final int SSH_AGENT_CONSTRAIN_CONFIRM = 2;

    private static final String CERT_SUFFIX = "-cert-v01@openssh.com";
    private static final int ED25519_KEY_SIZE = 32;

    /** A message of the agent protocol. */
    public sealed interface Message permits Request, Response {
        /**
         * The message type byte.
         *
         * @return one of the {@code SSH_AGENT*} message type constants
         */
        int type();

        /**
         * The payload: the type byte followed by the body, without the length prefix.
         *
         * @return a new array holding the encoded payload
         */
        byte[] encode();
    }

    /** A message from a client to the agent. */
    public sealed interface Request extends Message
            permits RequestIdentities, SignRequest, AddIdentity, RemoveIdentity, RemoveAllIdentities, Lock, Unlock, Extension {
    }

    /** A message from the agent to a client. */
    public sealed interface Response extends Message
            permits Failure, Success, IdentitiesAnswer, SignResponse, ExtensionFailure, ExtensionResponse {
    }

    // ---------------------------------------------------------------- requests

    /** SSH2_AGENTC_REQUEST_IDENTITIES: list the keys. */
    public record RequestIdentities() implements Request {
        @Override
        public int type() {
            return SSH2_AGENTC_REQUEST_IDENTITIES;
        }

        @Override
        public byte[] encode() {
            return new byte[] {SSH2_AGENTC_REQUEST_IDENTITIES};
        }
    }

    /**
     * SSH2_AGENTC_SIGN_REQUEST: sign {@code data} with the key whose public blob is
     * {@code keyBlob}; {@code flags} selects the RSA hash ({@link #signFlags}).
     *
     * @param keyBlob the public key blob of the key to sign with
     * @param data    the data to sign
     * @param flags   0, {@link #SSH_AGENT_RSA_SHA2_256} or {@link #SSH_AGENT_RSA_SHA2_512}
     */
    public record SignRequest(byte[] keyBlob, byte[] data, int flags) implements Request {
        /**
         * Copies both arrays in.
         *
         * @param keyBlob the public key blob of the key to sign with
         * @param data    the data to sign
         * @param flags   0, {@link #SSH_AGENT_RSA_SHA2_256} or {@link #SSH_AGENT_RSA_SHA2_512}
         */
        public SignRequest {
            keyBlob = keyBlob.clone();
            data = data.clone();
        }

        @Override
        public int type() {
            return SSH2_AGENTC_SIGN_REQUEST;
        }

        @Override
        public byte[] encode() {
            return new SshWriter(keyBlob.length + data.length + 16)
                    .byteValue(SSH2_AGENTC_SIGN_REQUEST).string(keyBlob).string(data).uint32(flags).toByteArray();
        }
    }

    /**
     * Constraints on an added key: a lifetime after which the agent forgets it (null for none)
     * and whether the agent asks the user to confirm each use.
     *
     * @param lifetime how long the agent keeps the key, or null for no limit
     * @param confirm  whether the agent asks the user to confirm each use of the key
     */
    public record Constraints(Duration lifetime, boolean confirm) {
        /** No constraint: the key is kept until removed and used without confirmation. */
        public static final Constraints NONE = new Constraints(null, false);

        /**
         * Checks the lifetime.
         *
         * @param lifetime how long the agent keeps the key, between 1 second and 2^32-1 seconds; null for no limit
         * @param confirm  whether the agent asks the user to confirm each use of the key
         * @throws IllegalArgumentException if the lifetime is zero, negative or longer than 2^32-1 seconds
         */
        public Constraints {
            if (lifetime != null && (lifetime.isNegative() || lifetime.isZero() || lifetime.getSeconds() > 0xffffffffL)) {
                throw new IllegalArgumentException("a key lifetime must be between 1 second and 2^32-1 seconds: " + lifetime);
            }
        }

        /**
         * True when there is no constraint, so the plain ADD_IDENTITY message is used.
         *
         * @return whether there is neither a lifetime nor confirmation
         */
        public boolean isEmpty() {
            return lifetime == null && !confirm;
        }
    }

    /**
     * SSH2_AGENTC_ADD_IDENTITY, or SSH2_AGENTC_ADD_ID_CONSTRAINED when {@code constraints} are
     * not empty: hand the agent a private key. The key pair must be Ed25519, ECDSA on
     * nistp256/384/521, or RSA with its CRT parameters.
     *
     * @param keyPair     the key pair to hand the agent
     * @param comment     the comment the agent lists with the key, never null (empty for none)
     * @param constraints the constraints to add it with, never null ({@link Constraints#NONE} for none)
     */
    public record AddIdentity(KeyPair keyPair, String comment, Constraints constraints) implements Request {
        /**
         * Checks and normalises the fields.
         *
         * @param keyPair     the key pair to hand the agent
         * @param comment     the comment the agent lists with the key; null means empty
         * @param constraints the constraints to add it with; null means {@link Constraints#NONE}
         * @throws NullPointerException if {@code keyPair} is null
         */
        public AddIdentity {
            Objects.requireNonNull(keyPair, "keyPair");
            comment = comment == null ? "" : comment;
            constraints = constraints == null ? Constraints.NONE : constraints;
        }

        @Override
        public int type() {
            return constraints.isEmpty() ? SSH2_AGENTC_ADD_IDENTITY : SSH2_AGENTC_ADD_ID_CONSTRAINED;
        }

        /**
         * @throws IllegalArgumentException if the key pair is of an unsupported type, its halves
         *                                  do not match in type, or an RSA key lacks CRT parameters
         */
        @Override
        public byte[] encode() {
            SshWriter w = new SshWriter(1024);
            try {
                w.byteValue(type());
                encodePrivateKey(w, keyPair);
                w.string(comment);
                if (constraints.lifetime() != null) {
                    w.byteValue(SSH_AGENT_CONSTRAIN_LIFETIME).uint32(constraints.lifetime().getSeconds());
                }
                if (constraints.confirm()) {
                    w.byteValue(SSH_AGENT_CONSTRAIN_CONFIRM);
                }
                return w.toByteArray();
            } finally {
                w.wipe();
            }
        }

        @Override
        public String toString() {
            return "AddIdentity[" + SignatureAlgorithms.fingerprint(SignatureAlgorithms.encodePublicKey(keyPair.getPublic()))
                    + ", comment=" + comment + ", constraints=" + constraints + "]";
        }
    }

    /**
     * SSH2_AGENTC_REMOVE_IDENTITY: forget the key with this public blob.
     *
     * @param keyBlob the public key blob of the key to remove
     */
    public record RemoveIdentity(byte[] keyBlob) implements Request {
        /**
         * Copies the blob in.
         *
         * @param keyBlob the public key blob of the key to remove
         */
        public RemoveIdentity {
            keyBlob = keyBlob.clone();
        }

        @Override
        public int type() {
            return SSH2_AGENTC_REMOVE_IDENTITY;
        }

        @Override
        public byte[] encode() {
            return typeAndString(SSH2_AGENTC_REMOVE_IDENTITY, keyBlob);
        }
    }

    /** SSH2_AGENTC_REMOVE_ALL_IDENTITIES: forget every key. */
    public record RemoveAllIdentities() implements Request {
        @Override
        public int type() {
            return SSH2_AGENTC_REMOVE_ALL_IDENTITIES;
        }

        @Override
        public byte[] encode() {
            return new byte[] {SSH2_AGENTC_REMOVE_ALL_IDENTITIES};
        }
    }

    /**
     * SSH_AGENTC_LOCK: lock the agent with a passphrase. {@link #wipe()} clears the passphrase.
     *
     * @param passphrase the passphrase, UTF-8 encoded
     */
    public record Lock(byte[] passphrase) implements Request {
        /**
         * Copies the passphrase in.
         *
         * @param passphrase the passphrase, UTF-8 encoded
         */
        public Lock {
            passphrase = passphrase.clone();
        }

        @Override
        public int type() {
            return SSH_AGENTC_LOCK;
        }

        @Override
        public byte[] encode() {
            return typeAndString(SSH_AGENTC_LOCK, passphrase);
        }

        /** Overwrites this request's copy of the passphrase with zeros, once it has been sent. */
        public void wipe() {
            Arrays.fill(passphrase, (byte) 0);
        }

        @Override
        public String toString() {
            return "Lock[passphrase hidden]";
        }
    }

    /**
     * SSH_AGENTC_UNLOCK: unlock the agent. {@link #wipe()} clears the passphrase.
     *
     * @param passphrase the passphrase the agent was locked with, UTF-8 encoded
     */
    public record Unlock(byte[] passphrase) implements Request {
        /**
         * Copies the passphrase in.
         *
         * @param passphrase the passphrase the agent was locked with, UTF-8 encoded
         */
        public Unlock {
            passphrase = passphrase.clone();
        }

        @Override
        public int type() {
            return SSH_AGENTC_UNLOCK;
        }

        @Override
        public byte[] encode() {
            return typeAndString(SSH_AGENTC_UNLOCK, passphrase);
        }

        /** Overwrites this request's copy of the passphrase with zeros, once it has been sent. */
        public void wipe() {
            Arrays.fill(passphrase, (byte) 0);
        }

        @Override
        public String toString() {
            return "Unlock[passphrase hidden]";
        }
    }

    /**
     * SSH_AGENTC_EXTENSION: {@code string name} followed by extension-specific bytes. The
     * contents follow the name directly, as OpenSSH sends and parses them (not as a nested
     * string, which early drafts showed).
     *
     * @param name     the extension's name
     * @param contents the extension-specific bytes after the name, never null
     */
    public record Extension(String name, byte[] contents) implements Request {
        /**
         * Copies the contents in.
         *
         * @param name     the extension's name, e.g. {@code session-bind@openssh.com}
         * @param contents the extension-specific bytes that follow the name; null means none
         * @throws NullPointerException if {@code name} is null
         */
        public Extension {
            Objects.requireNonNull(name, "name");
            contents = contents == null ? new byte[0] : contents.clone();
        }

        @Override
        public int type() {
            return SSH_AGENTC_EXTENSION;
        }

        @Override
        public byte[] encode() {
            return typeNameAndContents(SSH_AGENTC_EXTENSION, name, contents);
        }
    }

    // ---------------------------------------------------------------- responses

    /** SSH_AGENT_FAILURE: the agent refused or could not do what was asked. */
    public record Failure() implements Response {
        @Override
        public int type() {
            return SSH_AGENT_FAILURE;
        }

        @Override
        public byte[] encode() {
            return new byte[] {SSH_AGENT_FAILURE};
        }
    }

    /**
     * SSH_AGENT_SUCCESS. Empty {@code contents} except in a reply to an extension request,
     * where extension-specific data may follow.
     *
     * @param contents the extension data after the type byte, never null (empty for a plain SUCCESS)
     */
    public record Success(byte[] contents) implements Response {
        /**
         * Copies the contents in.
         *
         * @param contents the extension data that follows the type byte; null means none
         */
        public Success {
            contents = contents == null ? new byte[0] : contents.clone();
        }

        /** A plain SUCCESS, with no extension data. */
        public Success() {
            this(new byte[0]);
        }

        @Override
        public int type() {
            return SSH_AGENT_SUCCESS;
        }

        @Override
        public byte[] encode() {
            return new SshWriter(contents.length + 1).byteValue(SSH_AGENT_SUCCESS).raw(contents).toByteArray();
        }
    }

    /**
     * One key in an identities answer: its public key blob and comment.
     *
     * @param keyBlob the key's public blob
     * @param comment the key's comment, possibly empty
     */
    public record KeyEntry(byte[] keyBlob, String comment) {
        /**
         * Copies the blob in.
         *
         * @param keyBlob the key's public blob
         * @param comment the key's comment, possibly empty
         * @throws NullPointerException if {@code comment} is null
         */
        public KeyEntry {
            keyBlob = keyBlob.clone();
            Objects.requireNonNull(comment, "comment");
        }
    }

    /**
     * SSH2_AGENT_IDENTITIES_ANSWER: the keys the agent holds.
     *
     * @param keys the keys, in the agent's order; unmodifiable
     */
    public record IdentitiesAnswer(List<KeyEntry> keys) implements Response {
        /**
         * Copies the list.
         *
         * @param keys the keys, in the agent's order
         */
        public IdentitiesAnswer {
            keys = List.copyOf(keys);
        }

        @Override
        public int type() {
            return SSH2_AGENT_IDENTITIES_ANSWER;
        }

        @Override
        public byte[] encode() {
            SshWriter w = new SshWriter(256).byteValue(SSH2_AGENT_IDENTITIES_ANSWER).uint32(keys.size());
            for (KeyEntry k : keys) {
                w.string(k.keyBlob()).string(k.comment());
            }
            return w.toByteArray();
        }
    }

    /**
     * SSH2_AGENT_SIGN_RESPONSE: a signature blob {@code string algorithm || string sig}.
     *
     * @param signature the signature blob
     */
    public record SignResponse(byte[] signature) implements Response {
        /**
         * Copies the signature in.
         *
         * @param signature the signature blob {@code string algorithm || string sig}
         */
        public SignResponse {
            signature = signature.clone();
        }

        @Override
        public int type() {
            return SSH2_AGENT_SIGN_RESPONSE;
        }

        @Override
        public byte[] encode() {
            return typeAndString(SSH2_AGENT_SIGN_RESPONSE, signature);
        }
    }

    /** SSH_AGENT_EXTENSION_FAILURE: the agent knows the extension but the request failed. */
    public record ExtensionFailure() implements Response {
        @Override
        public int type() {
            return SSH_AGENT_EXTENSION_FAILURE;
        }

        @Override
        public byte[] encode() {
            return new byte[] {SSH_AGENT_EXTENSION_FAILURE};
        }
    }

    /**
     * SSH_AGENT_EXTENSION_RESPONSE (newer drafts): {@code string name} and extension-specific data.
     *
     * @param name     the extension's name
     * @param contents the extension-specific data after the name, never null
     */
    public record ExtensionResponse(String name, byte[] contents) implements Response {
        /**
         * Copies the contents in.
         *
         * @param name     the extension's name
         * @param contents the extension-specific data after the name; null means none
         * @throws NullPointerException if {@code name} is null
         */
        public ExtensionResponse {
            Objects.requireNonNull(name, "name");
            contents = contents == null ? new byte[0] : contents.clone();
        }

        @Override
        public int type() {
            return SSH_AGENT_EXTENSION_RESPONSE;
        }

        @Override
        public byte[] encode() {
            return typeNameAndContents(SSH_AGENT_EXTENSION_RESPONSE, name, contents);
        }
    }

    // ---------------------------------------------------------------- encoding helpers

    /** {@code byte type || string value}: the layout of the messages that carry one blob. */
    private static byte[] typeAndString(int type, byte[] value) {
        return new SshWriter(value.length + 8).byteValue(type).string(value).toByteArray();
    }

    /** {@code byte type || string name || contents}: an extension request or response. */
    private static byte[] typeNameAndContents(int type, String name, byte[] contents) {
        return new SshWriter(name.length() + contents.length + 8).byteValue(type).string(name).raw(contents).toByteArray();
    }

    // ---------------------------------------------------------------- decoding

    /**
     * Decodes a response payload.
     *
     * @param payload the response: type byte and body, without the length prefix
     * @return the decoded response
     * @throws SshException if the payload is empty, of an unknown type, truncated, or has
     *                      trailing bytes (except after SUCCESS and EXTENSION_RESPONSE, whose
     *                      remaining bytes are extension data)
     */
    public static Response decodeResponse(byte[] payload) throws SshException {
        return decode(payload, "response", AgentMessages::responseBody);
    }

    /**
     * Decodes a request payload.
     *
     * @param payload the request: type byte and body, without the length prefix
     * @return the decoded request
     * @throws SshException if the payload is empty, of an unknown or unsupported type
     *                      (smartcard keys, constraint extensions), truncated, has trailing
     *                      bytes, or holds a private key that is invalid or does not match
     *                      its public key
     */
    public static Request decodeRequest(byte[] payload) throws SshException {
        return decode(payload, "request", AgentMessages::requestBody);
    }

    /** Decodes the body that follows the type byte; {@code r} is positioned after it. */
    @FunctionalInterface
    private interface BodyDecoder<M extends Message> {
        M decode(int type, SshReader r) throws SshException;
    }

    /** Reads the type byte and hands the rest to {@code body}; its failures name the kind of message. */
    private static <M extends Message> M decode(byte[] payload, String kind, BodyDecoder<M> body) throws SshException {
        if (payload.length == 0) {
            throw new SshException("empty agent message");
        }
        SshReader r = new SshReader(payload);
        int type = r.byteValue();
        try {
            return body.decode(type, r);
        } catch (SshException e) {
            throw new SshException("invalid agent " + kind + ": " + e.getMessage(), e);
        }
    }

    /** {@code message}, once {@code r} is checked to be at its end. */
    private static <M extends Message> M atEnd(SshReader r, String name, M message) throws SshException {
        r.expectEnd(name);
        return message;
    }

    private static Response responseBody(int type, SshReader r) throws SshException {
        return switch (type) {
            case SSH_AGENT_FAILURE -> atEnd(r, "SSH_AGENT_FAILURE", new Failure());
            case SSH_AGENT_SUCCESS -> new Success(r.rest());
            case SSH_AGENT_EXTENSION_FAILURE -> atEnd(r, "SSH_AGENT_EXTENSION_FAILURE", new ExtensionFailure());
            case SSH_AGENT_EXTENSION_RESPONSE -> new ExtensionResponse(r.ascii(), r.rest());
            case SSH2_AGENT_SIGN_RESPONSE -> atEnd(r, "SSH2_AGENT_SIGN_RESPONSE", new SignResponse(r.string()));
            case SSH2_AGENT_IDENTITIES_ANSWER -> atEnd(r, "SSH2_AGENT_IDENTITIES_ANSWER", new IdentitiesAnswer(keyEntries(r)));
            default -> throw new SshException("unknown agent response type " + type);
        };
    }

    private static List<KeyEntry> keyEntries(SshReader r) throws SshException {
        long n = r.uint32AsLong();
        // each entry takes at least two length fields: check before allocating
        if (n > r.remaining() / 8) {
            throw new SshException("claims " + n + " keys in " + r.remaining() + " bytes");
        }
        List<KeyEntry> keys = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) {
            byte[] blob = r.string();
            if (blob.length == 0) {
                throw new SshException("key " + i + " has an empty public key blob");
            }
            new SshReader(blob).ascii(); // the key type must at least be readable
            // comments are file names or free text; tolerate bytes that are not UTF-8
            String comment = new String(r.string(), StandardCharsets.UTF_8);
            keys.add(new KeyEntry(blob, comment));
        }
        return keys;
    }

    private static Request requestBody(int type, SshReader r) throws SshException {
        return switch (type) {
            case SSH2_AGENTC_REQUEST_IDENTITIES -> atEnd(r, "SSH2_AGENTC_REQUEST_IDENTITIES", new RequestIdentities());
            case SSH2_AGENTC_SIGN_REQUEST -> atEnd(r, "SSH2_AGENTC_SIGN_REQUEST", new SignRequest(r.string(), r.string(), r.uint32()));
            case SSH2_AGENTC_ADD_IDENTITY, SSH2_AGENTC_ADD_ID_CONSTRAINED -> {
                KeyPair kp = decodePrivateKey(r);
                String comment = r.utf8();
                Constraints constraints = type == SSH2_AGENTC_ADD_ID_CONSTRAINED ? constraints(r) : Constraints.NONE;
                yield atEnd(r, "SSH2_AGENTC_ADD_IDENTITY", new AddIdentity(kp, comment, constraints));
            }
            case SSH2_AGENTC_REMOVE_IDENTITY -> atEnd(r, "SSH2_AGENTC_REMOVE_IDENTITY", new RemoveIdentity(r.string()));
            case SSH2_AGENTC_REMOVE_ALL_IDENTITIES -> atEnd(r, "SSH2_AGENTC_REMOVE_ALL_IDENTITIES", new RemoveAllIdentities());
            case SSH_AGENTC_LOCK, SSH_AGENTC_UNLOCK -> {
                byte[] pass = r.string();
                try {
                    r.expectEnd(type == SSH_AGENTC_LOCK ? "SSH_AGENTC_LOCK" : "SSH_AGENTC_UNLOCK");
                    yield type == SSH_AGENTC_LOCK ? new Lock(pass) : new Unlock(pass);
                } finally {
                    Arrays.fill(pass, (byte) 0);
                }
            }
            case SSH_AGENTC_EXTENSION -> new Extension(r.ascii(), r.rest());
            default -> throw new SshException("unknown or unsupported agent request type " + type);
        };
    }

    /** The constraints after the comment of an ADD_ID_CONSTRAINED: each known one at most once, at least one. */
    private static Constraints constraints(SshReader r) throws SshException {
        Duration lifetime = null;
        boolean confirm = false;
        while (r.hasRemaining()) {
            int c = r.byteValue();
            if (c == SSH_AGENT_CONSTRAIN_LIFETIME && lifetime == null) {
                long s = r.uint32AsLong();
                if (s == 0) {
                    throw new SshException("zero key lifetime");
                }
                lifetime = Duration.ofSeconds(s);
            } else if (c == SSH_AGENT_CONSTRAIN_CONFIRM && !confirm) {
                confirm = true;
            } else {
                throw new SshException("unsupported or repeated key constraint " + c);
            }
        }
        if (lifetime == null && !confirm) {
            throw new SshException("SSH2_AGENTC_ADD_ID_CONSTRAINED without constraints");
        }
        return new Constraints(lifetime, confirm);
    }

    // ---------------------------------------------------------------- framing

    /**
     * {@code uint32 length || payload}.
     *
     * @param payload the payload: type byte and body
     * @return a new array: the payload's length as a big-endian {@code uint32}, then the payload
     * @throws SshException if the payload is empty or over {@value #MAX_MESSAGE_LENGTH} bytes
     */
    public static byte[] frame(byte[] payload) throws SshException {
        checkLength(payload.length);
        return new SshWriter(payload.length + 4).uint32(payload.length).raw(payload).toByteArray();
    }

    /**
     * Checks a length field, read as an unsigned 32-bit value, before anything is allocated
     * for the payload, and returns it as an int.
     *
     * @param length the length field's value, as an unsigned 32-bit number
     * @return the same length, as an int
     * @throws SshException if it is zero (no room for the type byte) or over {@value #MAX_MESSAGE_LENGTH}
     */
    public static int checkLength(long length) throws SshException {
        if (length <= 0 || length > MAX_MESSAGE_LENGTH) {
            throw new SshException(length == 0 ? "agent message of length 0 has no type"
                    : "agent message of " + length + " bytes exceeds the " + MAX_MESSAGE_LENGTH + "-byte limit");
        }
        return (int) length;
    }

    /**
     * Splits a byte stream into agent message payloads. Keeps at most one partial message;
     * a length over the limit fails as soon as its four bytes have arrived. Not thread-safe.
     */
    public static final class FrameDecoder {
        private final byte[] header = new byte[4];
        private int headerFill;
        private byte[] body;
        private int bodyFill;

        /** A decoder at a message boundary, with nothing buffered. */
        public FrameDecoder() {
        }

        /**
         * Consumes {@code len} bytes and returns the payloads they complete, in order.
         *
         * @param b   the buffer holding the bytes
         * @param off where the bytes start in {@code b}
         * @param len how many bytes to consume
         * @return the payloads completed by these bytes (each without its length field), in order; empty if none
         * @throws SshException if a length field is zero or over {@value #MAX_MESSAGE_LENGTH};
         *                      the decoder is unusable afterwards
         * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not fit {@code b}
         */
        public List<byte[]> feed(byte[] b, int off, int len) throws SshException {
            Objects.checkFromIndexSize(off, len, b.length);
            List<byte[]> out = null;
            int end = off + len;
            while (off < end) {
                if (body == null) {
                    int n = Math.min(4 - headerFill, end - off);
                    System.arraycopy(b, off, header, headerFill, n);
                    headerFill += n;
                    off += n;
                    if (headerFill < 4) {
                        break;
                    }
                    long length = ((header[0] & 0xffL) << 24) | ((header[1] & 0xff) << 16) | ((header[2] & 0xff) << 8) | (header[3] & 0xff);
                    body = new byte[checkLength(length)];
                    bodyFill = 0;
                }
                int n = Math.min(body.length - bodyFill, end - off);
                System.arraycopy(b, off, body, bodyFill, n);
                bodyFill += n;
                off += n;
                if (bodyFill == body.length) {
                    if (out == null) {
                        out = new ArrayList<>(2);
                    }
                    out.add(body);
                    body = null;
                    headerFill = 0;
                }
            }
            return out == null ? Collections.emptyList() : out;
        }

        /**
         * True when no partial message is buffered: the stream is at a message boundary.
         *
         * @return whether no partial message is buffered
         */
        public boolean atBoundary() {
            return body == null && headerFill == 0;
        }
    }

    // ---------------------------------------------------------------- algorithm names

    /**
     * The flags of a sign request for a signature algorithm: {@link #SSH_AGENT_RSA_SHA2_256} for
     * {@code rsa-sha2-256}, {@link #SSH_AGENT_RSA_SHA2_512} for {@code rsa-sha2-512} (and their
     * certificate forms), 0 for every other algorithm.
     *
     * @param algorithm a signature algorithm name, plain or certificate
     * @return the flags for a sign request
     */
    public static int signFlags(String algorithm) {
        return switch (signatureName(algorithm)) {
            case "rsa-sha2-256" -> SSH_AGENT_RSA_SHA2_256;
            case "rsa-sha2-512" -> SSH_AGENT_RSA_SHA2_512;
            default -> 0;
        };
    }

    /**
     * The algorithm name inside a signature made with {@code algorithm}: the name itself, or for
     * a certificate algorithm its plain form ({@code rsa-sha2-256-cert-v01@openssh.com} signs as
     * {@code rsa-sha2-256}).
     *
     * @param algorithm a signature algorithm name, plain or certificate
     * @return the plain signature algorithm name
     */
    public static String signatureName(String algorithm) {
        return algorithm.endsWith(CERT_SUFFIX) ? algorithm.substring(0, algorithm.length() - CERT_SUFFIX.length()) : algorithm;
    }

    /**
     * The key type in the blob of a key that signs with {@code algorithm}: {@code ssh-rsa} for the
     * rsa-sha2 algorithms ({@code ssh-rsa-cert-v01@openssh.com} for their certificate forms), the
     * algorithm name itself otherwise.
     *
     * @param algorithm a signature algorithm name, plain or certificate
     * @return the key type name the key's blob starts with
     */
    public static String keyTypeFor(String algorithm) {
        String base = signatureName(algorithm);
        String suffix = algorithm.substring(base.length());
        return switch (base) {
            case "rsa-sha2-256", "rsa-sha2-512" -> "ssh-rsa" + suffix;
            default -> algorithm;
        };
    }

    /**
     * The signature algorithms for a key type, strongest first; {@code ssh-rsa} (SHA-1) is not
     * offered for RSA keys. For a key type we do not know, the type itself.
     *
     * @param keyType a key type name, plain or certificate
     * @return the signature algorithm names, strongest first
     */
    public static List<String> algorithmsFor(String keyType) {
        String base = signatureName(keyType);
        String suffix = keyType.substring(base.length());
        if ("ssh-rsa".equals(base)) {
            return List.of("rsa-sha2-512" + suffix, "rsa-sha2-256" + suffix);
        }
        return List.of(keyType);
    }

    // ---------------------------------------------------------------- private keys

    private static void encodePrivateKey(SshWriter w, KeyPair pair) {
        PublicKey pub = pair.getPublic();
        PrivateKey key = pair.getPrivate();
        byte[] pubBlob = SignatureAlgorithms.encodePublicKey(pub); // rejects unsupported types and curves
        SshReader pr = new SshReader(pubBlob);
        try {
            if (pub instanceof EdECPublicKey && key instanceof EdECPrivateKey ed) {
                String type = pr.ascii();
                byte[] a = pr.string();
                byte[] seed = ed.getBytes().orElseThrow(
                        () -> new IllegalArgumentException("the Ed25519 private key does not expose its seed"));
                byte[] sk = new byte[2 * ED25519_KEY_SIZE];
                try {
                    if (seed.length != ED25519_KEY_SIZE) {
                        throw new IllegalArgumentException("the Ed25519 private key seed is not 32 bytes");
                    }
                    System.arraycopy(seed, 0, sk, 0, ED25519_KEY_SIZE);
                    System.arraycopy(a, 0, sk, ED25519_KEY_SIZE, ED25519_KEY_SIZE);
                    w.string(type).string(a).string(sk);
                } finally {
                    Arrays.fill(seed, (byte) 0);
                    Arrays.fill(sk, (byte) 0);
                }
            } else if (pub instanceof ECPublicKey && key instanceof ECPrivateKey ec) {
                String type = pr.ascii();
                String curve = pr.ascii();
                byte[] q = pr.string();
                w.string(type).string(curve).string(q).mpint(ec.getS());
            } else if (pub instanceof RSAPublicKey rsaPub && key instanceof RSAPrivateCrtKey rsa) {
                if (!rsaPub.getModulus().equals(rsa.getModulus())) {
                    throw new IllegalArgumentException("the RSA private key does not belong to the public key");
                }
                w.string("ssh-rsa").mpint(rsa.getModulus()).mpint(rsa.getPublicExponent())
                        .mpint(rsa.getPrivateExponent()).mpint(rsa.getCrtCoefficient())
                        .mpint(rsa.getPrimeP()).mpint(rsa.getPrimeQ());
            } else {
                throw new IllegalArgumentException("cannot add a " + pub.getAlgorithm() + " public key with a "
                        + key.getAlgorithm() + " private key to an agent (RSA needs its CRT parameters)");
            }
        } catch (SshException e) {
            throw new IllegalStateException("our own public key blob did not parse", e);
        }
    }

    private static KeyPair decodePrivateKey(SshReader r) throws SshException {
        String type = r.ascii();
        try {
            KeyPair kp;
            if ("ssh-ed25519".equals(type)) {
                byte[] a = r.string();
                byte[] sk = r.string();
                try {
                    if (a.length != ED25519_KEY_SIZE || sk.length != 2 * ED25519_KEY_SIZE
                            || !Arrays.equals(sk, ED25519_KEY_SIZE, sk.length, a, 0, a.length)) {
                        throw new SshException("ssh-ed25519 private key fields are malformed");
                    }
                    PublicKey pub = SignatureAlgorithms.decodePublicKey(new SshWriter(48).string(type).string(a).toByteArray());
                    byte[] seed = Arrays.copyOf(sk, ED25519_KEY_SIZE);
                    try {
                        kp = new KeyPair(pub, KeyFactory.getInstance("Ed25519")
                                .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed)));
                    } finally {
                        Arrays.fill(seed, (byte) 0);
                    }
                } finally {
                    Arrays.fill(sk, (byte) 0);
                }
            } else if (type.startsWith("ecdsa-sha2-")) {
                String curve = r.ascii();
                byte[] q = r.string();
                BigInteger d = r.mpint();
                PublicKey pub = SignatureAlgorithms.decodePublicKey(
                        new SshWriter(q.length + 64).string(type).string(curve).string(q).toByteArray());
                ECPublicKey ec = (ECPublicKey) pub;
                if (d.signum() <= 0 || d.compareTo(ec.getParams().getOrder()) >= 0) {
                    throw new SshException(type + " private scalar is out of range");
                }
                kp = new KeyPair(pub, KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(d, ec.getParams())));
            } else if ("ssh-rsa".equals(type)) {
                BigInteger n = r.mpint();
                BigInteger e = r.mpint();
                BigInteger d = r.mpint();
                BigInteger iqmp = r.mpint();
                BigInteger p = r.mpint();
                BigInteger q = r.mpint();
                PublicKey pub = SignatureAlgorithms.decodePublicKey(
                        new SshWriter(n.bitLength() / 8 + 32).string(type).mpint(e).mpint(n).toByteArray());
                if (d.signum() <= 0 || d.compareTo(n) >= 0 || p.compareTo(BigInteger.ONE) <= 0 || q.compareTo(BigInteger.ONE) <= 0
                        || !p.multiply(q).equals(n) || iqmp.signum() <= 0 || !q.multiply(iqmp).mod(p).equals(BigInteger.ONE)) {
                    throw new SshException("ssh-rsa private key parameters are inconsistent");
                }
                BigInteger dp = d.mod(p.subtract(BigInteger.ONE));
                BigInteger dq = d.mod(q.subtract(BigInteger.ONE));
                kp = new KeyPair(pub, KeyFactory.getInstance("RSA")
                        .generatePrivate(new RSAPrivateCrtKeySpec(n, e, d, p, q, dp, dq, iqmp)));
            } else {
                throw new SshException("unsupported key type " + type);
            }
            if (!belongTogether(kp)) {
                throw new SshException(type + " private key does not match its public key");
            }
            return kp;
        } catch (GeneralSecurityException e) {
            throw new SshException("the JCA rejected the " + type + " private key: " + e.getClass().getSimpleName(), e);
        }
    }

    /** True if the private key signs what the public key verifies. */
    private static boolean belongTogether(KeyPair pair) throws SshException {
        List<String> algs = SignatureAlgorithms.algorithmsFor(pair.getPublic());
        if (algs.isEmpty()) {
            return false;
        }
        byte[] probe = "tether agent: key pair consistency check".getBytes(StandardCharsets.US_ASCII);
        String alg = algs.get(0);
        return SignatureAlgorithms.verify(alg, pair.getPublic(), probe, SignatureAlgorithms.sign(alg, pair.getPrivate(), probe));
    }
}
