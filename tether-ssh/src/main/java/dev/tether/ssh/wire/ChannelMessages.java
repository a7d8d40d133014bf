package dev.tether.ssh.wire;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;

/**
 * Channel messages of the connection protocol, RFC 4254 §5: open (§5.1), data and windows
 * (§5.2), EOF and close (§5.3), and channel requests with their replies (§5.4). Type and request
 * specific data stays bytes; its layout belongs to the channel type or request name. Each
 * {@code decode} reads the body after the message number, recipient channel included; a
 * dispatcher that must find the channel before reading further uses {@link #peekRecipient}.
 *
 * <p><b>Bulk data.</b> {@link Data#encode(int, byte[], int, int)} and
 * {@link ExtendedData#encode(int, int, byte[], int, int)} build the payload in one array of
 * exactly the right size, with one copy of the data: no record and no intermediate buffer per
 * packet. Inbound data is read in place ({@link SshReader#stringInPlace()}) by the channel.
 */
public final class ChannelMessages {
    private ChannelMessages() {
    }

    private static final byte[] NONE = new byte[0];

    /** The recipient channel that every channel message except CHANNEL_OPEN starts with, not consumed. */
    public static int peekRecipient(SshReader r) throws SshException {
        return r.peekUint32();
    }

    /** A message that is only its number and the recipient channel (EOF, CLOSE, SUCCESS, FAILURE). */
    private static byte[] recipientOnly(int messageNumber, int recipient) {
        return new byte[]{(byte) messageNumber,
                (byte) (recipient >>> 24), (byte) (recipient >>> 16), (byte) (recipient >>> 8), (byte) recipient};
    }

    private static void putUint32(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /**
     * RFC 4254 §5.1: {@code string channel type (US-ASCII) || uint32 sender channel ||
     * uint32 initial window size || uint32 maximum packet size || ....  channel type specific data}.
     */
    public record Open(String type, int sender, long initialWindow, int maxPacket, byte[] typeSpecific) {
        public Open(String type, int sender, long initialWindow, int maxPacket) {
            this(type, sender, initialWindow, maxPacket, NONE);
        }

        public byte[] encode() {
            return new SshWriter(64 + typeSpecific.length).byteValue(MessageNumbers.CHANNEL_OPEN).string(type).uint32(sender)
                    .uint32((int) initialWindow).uint32(maxPacket).raw(typeSpecific).toByteArray();
        }

        public static Open decode(SshReader r) throws SshException {
            String type = r.ascii();
            int sender = r.uint32();
            long window = r.uint32AsLong();
            int maxPacket = r.uint32();
            return new Open(type, sender, window, maxPacket, r.rest());
        }
    }

    /**
     * RFC 4254 §5.1: {@code uint32 recipient channel || uint32 sender channel || uint32 initial
     * window size || uint32 maximum packet size}; channel type specific data that may follow is
     * not used and not read.
     */
    public record OpenConfirmation(int recipient, int sender, long initialWindow, int maxPacket) {
        public byte[] encode() {
            return new SshWriter(32).byteValue(MessageNumbers.CHANNEL_OPEN_CONFIRMATION).uint32(recipient).uint32(sender)
                    .uint32((int) initialWindow).uint32(maxPacket).toByteArray();
        }

        public static OpenConfirmation decode(SshReader r) throws SshException {
            int recipient = r.uint32();
            int sender = r.uint32();
            long window = r.uint32AsLong();
            return new OpenConfirmation(recipient, sender, window, r.uint32());
        }
    }

    /**
     * RFC 4254 §5.1: {@code uint32 recipient channel || uint32 reason code || string description
     * (UTF-8) || string language tag}; a missing or malformed language tag reads as {@code ""}.
     */
    public record OpenFailure(int recipient, int reasonCode, String description, String language) {
        public byte[] encode() {
            return new SshWriter(64).byteValue(MessageNumbers.CHANNEL_OPEN_FAILURE).uint32(recipient).uint32(reasonCode)
                    .string(description).string(language).toByteArray();
        }

        public static OpenFailure decode(SshReader r) throws SshException {
            int recipient = r.uint32();
            int code = r.uint32();
            String description = r.utf8();
            return new OpenFailure(recipient, code, description, r.optionalUtf8Lenient());
        }
    }

    /** RFC 4254 §5.2: {@code uint32 recipient channel || uint32 bytes to add}. */
    public record WindowAdjust(int recipient, long bytesToAdd) {
        public byte[] encode() {
            byte[] b = new byte[9];
            b[0] = (byte) MessageNumbers.CHANNEL_WINDOW_ADJUST;
            putUint32(b, 1, recipient);
            putUint32(b, 5, (int) bytesToAdd);
            return b;
        }

        public static WindowAdjust decode(SshReader r) throws SshException {
            int recipient = r.uint32();
            return new WindowAdjust(recipient, r.uint32AsLong());
        }
    }

    /** RFC 4254 §5.2: {@code uint32 recipient channel || string data}. */
    public record Data(int recipient, byte[] data) {
        /** Header bytes before the data: number, recipient, length. */
        public static final int HEADER = 9;

        public byte[] encode() {
            return encode(recipient, data, 0, data.length);
        }

        /** The payload for {@code len} bytes of {@code b} from {@code off}, in one exact-size array. */
        public static byte[] encode(int recipient, byte[] b, int off, int len) {
            byte[] out = new byte[HEADER + len];
            out[0] = (byte) MessageNumbers.CHANNEL_DATA;
            putUint32(out, 1, recipient);
            putUint32(out, 5, len);
            System.arraycopy(b, off, out, HEADER, len);
            return out;
        }

        /** Copies the data; the channel's bulk path reads in place instead. */
        public static Data decode(SshReader r) throws SshException {
            int recipient = r.uint32();
            return new Data(recipient, r.string());
        }
    }

    /**
     * RFC 4254 §5.2: {@code uint32 recipient channel || uint32 data_type_code || string data};
     * type 1 is SSH_EXTENDED_DATA_STDERR.
     */
    public record ExtendedData(int recipient, int dataType, byte[] data) {
        public static final int STDERR = 1;
        /** Header bytes before the data: number, recipient, type, length. */
        public static final int HEADER = 13;

        public byte[] encode() {
            return encode(recipient, dataType, data, 0, data.length);
        }

        /** The payload for {@code len} bytes of {@code b} from {@code off}, in one exact-size array. */
        public static byte[] encode(int recipient, int dataType, byte[] b, int off, int len) {
            byte[] out = new byte[HEADER + len];
            out[0] = (byte) MessageNumbers.CHANNEL_EXTENDED_DATA;
            putUint32(out, 1, recipient);
            putUint32(out, 5, dataType);
            putUint32(out, 9, len);
            System.arraycopy(b, off, out, HEADER, len);
            return out;
        }

        /** Copies the data; the channel's bulk path reads in place instead. */
        public static ExtendedData decode(SshReader r) throws SshException {
            int recipient = r.uint32();
            int type = r.uint32();
            return new ExtendedData(recipient, type, r.string());
        }
    }

    /** RFC 4254 §5.3: {@code uint32 recipient channel}. */
    public record Eof(int recipient) {
        public byte[] encode() {
            return recipientOnly(MessageNumbers.CHANNEL_EOF, recipient);
        }

        public static Eof decode(SshReader r) throws SshException {
            return new Eof(r.uint32());
        }
    }

    /** RFC 4254 §5.3: {@code uint32 recipient channel}. */
    public record Close(int recipient) {
        public byte[] encode() {
            return recipientOnly(MessageNumbers.CHANNEL_CLOSE, recipient);
        }

        public static Close decode(SshReader r) throws SshException {
            return new Close(r.uint32());
        }
    }

    /**
     * RFC 4254 §5.4: {@code uint32 recipient channel || string request type (US-ASCII) ||
     * boolean want reply || ....  type-specific data}.
     */
    public record Request(int recipient, String type, boolean wantReply, byte[] typeSpecific) {
        public byte[] encode() {
            return new SshWriter(64 + typeSpecific.length).byteValue(MessageNumbers.CHANNEL_REQUEST).uint32(recipient)
                    .string(type).bool(wantReply).raw(typeSpecific).toByteArray();
        }

        public static Request decode(SshReader r) throws SshException {
            int recipient = r.uint32();
            String type = r.ascii();
            boolean wantReply = r.bool();
            return new Request(recipient, type, wantReply, r.rest());
        }
    }

    /** RFC 4254 §5.4: {@code uint32 recipient channel}. */
    public record Success(int recipient) {
        public byte[] encode() {
            return recipientOnly(MessageNumbers.CHANNEL_SUCCESS, recipient);
        }

        public static Success decode(SshReader r) throws SshException {
            return new Success(r.uint32());
        }
    }

    /** RFC 4254 §5.4: {@code uint32 recipient channel}. */
    public record Failure(int recipient) {
        public byte[] encode() {
            return recipientOnly(MessageNumbers.CHANNEL_FAILURE, recipient);
        }

        public static Failure decode(SshReader r) throws SshException {
            return new Failure(r.uint32());
        }
    }
}
