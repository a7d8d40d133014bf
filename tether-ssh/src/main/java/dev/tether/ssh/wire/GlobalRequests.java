package dev.tether.ssh.wire;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;

/**
 * Global requests of the connection protocol, RFC 4254 §4: GLOBAL_REQUEST, REQUEST_SUCCESS and
 * REQUEST_FAILURE. Request specific data stays bytes; its layout belongs to the request name
 * ({@code tcpip-forward}, §7.1, and so on). Each {@code decode} reads the body after the message
 * number.
 */
public final class GlobalRequests {
    private GlobalRequests() {
    }

    private static final byte[] NONE = new byte[0];

    /** RFC 4254 §4: {@code string request name (US-ASCII) || boolean want reply || ....  request specific data}. */
    public record GlobalRequest(String name, boolean wantReply, byte[] data) {
        public GlobalRequest(String name, boolean wantReply) {
            this(name, wantReply, NONE);
        }

        public byte[] encode() {
            return new SshWriter(32 + data.length).byteValue(MessageNumbers.GLOBAL_REQUEST).string(name).bool(wantReply)
                    .raw(data).toByteArray();
        }

        public static GlobalRequest decode(SshReader r) throws SshException {
            String name = r.ascii();
            boolean wantReply = r.bool();
            return new GlobalRequest(name, wantReply, r.rest());
        }
    }

    /** RFC 4254 §4: {@code ....  response specific data} (for {@code tcpip-forward} to port 0, the port bound, §7.1). */
    public record RequestSuccess(byte[] data) {
        public RequestSuccess() {
            this(NONE);
        }

        public byte[] encode() {
            byte[] out = new byte[1 + data.length];
            out[0] = (byte) MessageNumbers.REQUEST_SUCCESS;
            System.arraycopy(data, 0, out, 1, data.length);
            return out;
        }

        public static RequestSuccess decode(SshReader r) {
            return new RequestSuccess(r.rest());
        }
    }

    /** RFC 4254 §4: no fields. */
    public record RequestFailure() {
        public byte[] encode() {
            return new byte[]{(byte) MessageNumbers.REQUEST_FAILURE};
        }
    }
}
