package dev.tether.ssh.kex;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;

import java.io.IOException;

/**
 * The packet interface a key exchange method runs over. The transport implements it; methods
 * see only the payloads of their own messages (numbers 30–49).
 *
 * <p>{@link #read()} blocks on the connection's reader thread until the next key exchange
 * message arrives. IGNORE and DEBUG are consumed beneath it (except under strict KEX, where they
 * end the connection), DISCONNECT raises {@link dev.tether.ssh.common.DisconnectException}, and any
 * other message ends the connection with PROTOCOL_ERROR.
 */
public interface KexIo {
    /** The next key exchange method message payload, beginning with its message number. */
    byte[] read() throws IOException;

    /** Sends a key exchange method message payload. */
    void write(byte[] payload) throws IOException;

    /**
     * The body of {@code payload} after its message number, which must be {@code expected};
     * otherwise the exchange fails as {@link #unexpected} says.
     */
    static SshReader expect(String method, int expected, byte[] payload) throws SshException {
        if (payload.length == 0 || (payload[0] & 0xff) != expected) {
            throw unexpected(method, expected, payload);
        }
        return new SshReader(payload, 1, payload.length - 1);
    }

    /** Convenience: fail the exchange because a message was not the one expected. */
    static SshException unexpected(String method, int expected, byte[] payload) {
        int got = payload.length == 0 ? -1 : payload[0] & 0xff;
        return new SshException(dev.tether.ssh.common.DisconnectReason.PROTOCOL_ERROR,
                method + ": expected message " + expected + ", got " + got);
    }
}
