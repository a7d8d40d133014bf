package dev.tether.ssh.wire;

import dev.tether.ssh.common.SshException;

import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import java.nio.charset.StandardCharsets;

/**
 * The small transport layer generic messages, RFC 4253 §10 (SERVICE_REQUEST, SERVICE_ACCEPT),
 * §11.2 (IGNORE), §11.3 (DEBUG), §11.4 (UNIMPLEMENTED), and OpenSSH's {@code ping@openssh.com}
 * PING and PONG (PROTOCOL §1.9). DISCONNECT is {@link Disconnect}, EXT_INFO {@link ExtInfo},
 * KEXINIT {@link KexInit}. Each {@code decode} reads the body after the message number.
 */
public final class TransportMessages {
    private TransportMessages() {
    }

    private static byte[] numberAndString(int messageNumber, byte[] data) {
        return new SshWriter(data.length + 8).byteValue(messageNumber).string(data).toByteArray();
    }

    /** RFC 4253 §10: {@code string service name}. */
    public record ServiceRequest(String name) {
        public byte[] encode() {
            return new SshWriter(32).byteValue(MessageNumbers.SERVICE_REQUEST).string(name).toByteArray();
        }

        public static ServiceRequest decode(SshReader r) throws SshException {
            return new ServiceRequest(r.ascii());
        }
    }

    /**
     * RFC 4253 §10: {@code string service name}. Some old servers send the message without the
     * name; it then decodes as a null name.
     */
    public record ServiceAccept(String name) {
        public byte[] encode() {
            return new SshWriter(32).byteValue(MessageNumbers.SERVICE_ACCEPT).string(name).toByteArray();
        }

        public static ServiceAccept decode(SshReader r) throws SshException {
            return new ServiceAccept(r.hasRemaining() ? r.ascii() : null);
        }
    }

    /** RFC 4253 §11.2: {@code string data}. */
    public record Ignore(byte[] data) {
        public byte[] encode() {
            return numberAndString(MessageNumbers.IGNORE, data);
        }

        public static Ignore decode(SshReader r) throws SshException {
            return new Ignore(r.string());
        }
    }

    /**
     * RFC 4253 §11.3: {@code boolean always_display || string message (UTF-8) || string language tag}.
     * Decoding is lenient, as the message is only logged: invalid UTF-8 is replaced, and a
     * missing or malformed language tag reads as {@code ""}.
     */
    public record Debug(boolean alwaysDisplay, String message, String language) {
        public byte[] encode() {
            return new SshWriter(message.length() + 16).byteValue(MessageNumbers.DEBUG).bool(alwaysDisplay)
                    .string(message).string(language).toByteArray();
        }

        public static Debug decode(SshReader r) throws SshException {
            boolean always = r.bool();
            String message = new String(r.string(), StandardCharsets.UTF_8);
            return new Debug(always, message, r.optionalUtf8Lenient());
        }
    }

    /** RFC 4253 §11.4: {@code uint32 packet sequence number of rejected message}. */
    public record Unimplemented(int sequence) {
        public byte[] encode() {
            return new SshWriter(8).byteValue(MessageNumbers.UNIMPLEMENTED).uint32(sequence).toByteArray();
        }

        public static Unimplemented decode(SshReader r) throws SshException {
            return new Unimplemented(r.uint32());
        }
    }

    /** OpenSSH PROTOCOL §1.9: {@code string data}. */
    public record Ping(byte[] data) {
        public byte[] encode() {
            return numberAndString(MessageNumbers.PING, data);
        }

        public static Ping decode(SshReader r) throws SshException {
            return new Ping(r.string());
        }
    }

    /** OpenSSH PROTOCOL §1.9: {@code string data}, echoing the PING. */
    public record Pong(byte[] data) {
        public byte[] encode() {
            return numberAndString(MessageNumbers.PONG, data);
        }

        public static Pong decode(SshReader r) throws SshException {
            return new Pong(r.string());
        }
    }
}
