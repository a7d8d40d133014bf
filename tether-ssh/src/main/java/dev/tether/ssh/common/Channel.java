package dev.tether.ssh.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One channel of the connection protocol (RFC 4254), on either side, as paramiko's
 * {@code Channel}: streams for data and extended data (stderr), EOF and close, and the session
 * requests. Thread-safe: one thread may write while others read.
 *
 * <p><b>Flow control.</b> Reading is what reopens the peer's window: data that is not read stays
 * buffered (never more than the window) and the peer waits. stdout and stderr share one window
 * (RFC 4254 §5.2), so read both, or use {@link dev.tether.ssh.Transport#exec} which does.
 */
public interface Channel extends AutoCloseable {
    /**
     * Our channel number, which the peer sends as the recipient channel.
     *
     * @return the local channel id
     */
    int localId();

    /**
     * The peer's channel number, which we send as the recipient channel.
     *
     * @return the remote channel id
     */
    int remoteId();

    /**
     * The channel type, e.g. {@code session}.
     *
     * @return the channel type
     */
    String type();

    /**
     * The most data one packet to the peer may carry (its maximum packet size, capped at ours); a
     * larger write goes out as several packets, so a protocol above may size its messages to fit.
     *
     * @return the largest payload of one CHANNEL_DATA packet, in bytes
     */
    int remoteMaxPacket();

    /**
     * Data from the peer (CHANNEL_DATA).
     *
     * @return the stream of the peer's data; reading it reopens the window
     */
    InputStream getInputStream();

    /**
     * Extended data from the peer of type 1, stderr (CHANNEL_EXTENDED_DATA).
     *
     * @return the stream of the peer's extended data of type 1
     */
    InputStream getErrorStream();

    /**
     * Data to the peer (CHANNEL_DATA); closing it sends EOF.
     *
     * @return the stream writing CHANNEL_DATA; writes block while the peer's window is full
     */
    OutputStream getOutputStream();

    /**
     * Extended data of type 1 to the peer: a server's stderr.
     *
     * @return the stream writing CHANNEL_EXTENDED_DATA of type 1
     */
    OutputStream getErrorOutputStream();

    /**
     * Sends CHANNEL_EOF: we will send no more data.
     *
     * @throws IOException if the channel or the connection is closed
     */
    void sendEof() throws IOException;

    /** Sends CHANNEL_CLOSE and waits a bounded time for the peer's; never hangs on the peer. */
    @Override
    void close();

    /**
     * Whether either side has sent CHANNEL_CLOSE.
     *
     * @return true once we sent CHANNEL_CLOSE or the peer did
     */
    boolean isClosed();

    /**
     * Completes when both sides have closed the channel (or the connection ended).
     *
     * @return a future completed when the channel is closed on both sides
     */
    CompletableFuture<Void> closeFuture();

    // Client side: session requests (RFC 4254 §6). Each waits for the reply and returns it.

    /**
     * Asks the server to run a command (client side; waits for the reply).
     *
     * @param command the command line, run by the user's shell on the server
     * @return whether the server accepted the request
     * @throws IOException if the channel is closed, no reply comes within the channel's timeout, or the connection is
     *     lost
     */
    boolean exec(String command) throws IOException;

    /**
     * Asks the server to start the user's shell (client side; waits for the reply).
     *
     * @return whether the server accepted the request
     * @throws IOException if the channel is closed, no reply comes within the channel's timeout, or the connection is
     *     lost
     */
    boolean shell() throws IOException;

    /**
     * Asks the server to start a subsystem, e.g. {@code sftp} (client side; waits for the reply).
     *
     * @param name the subsystem name
     * @return whether the server accepted the request
     * @throws IOException if the channel is closed, no reply comes within the channel's timeout, or the connection is
     *     lost
     */
    boolean subsystem(String name) throws IOException;

    /**
     * Asks the server for a pseudo-terminal (client side; waits for the reply).
     *
     * @param pty the terminal type, size and modes; the modes are encoded as RFC 4254 §8 terminal modes
     * @return whether the server accepted the request
     * @throws IOException if the channel is closed, no reply comes within the channel's timeout, or the connection is
     *     lost
     */
    boolean requestPty(PtyRequest pty) throws IOException;

    /**
     * Asks the server to set an environment variable for the command to come (client side; waits for the reply).
     * Servers usually accept only some names (OpenSSH: {@code AcceptEnv}).
     *
     * @param name  the variable's name
     * @param value its value
     * @return whether the server accepted the request
     * @throws IOException if the channel is closed, no reply comes within the channel's timeout, or the connection is
     *     lost
     */
    boolean setEnvironment(String name, String value) throws IOException;

    /**
     * Tells the server the terminal's new size (client side; {@code window-change}, no reply).
     *
     * @param columns      the width in characters
     * @param rows         the height in characters
     * @param widthPixels  the width in pixels, 0 when unknown
     * @param heightPixels the height in pixels, 0 when unknown
     * @throws IOException if the request cannot be sent, e.g. the connection is lost
     */
    void windowChange(int columns, int rows, int widthPixels, int heightPixels) throws IOException;

    /**
     * Sends a signal by name without the {@code SIG} prefix, e.g. {@code TERM}.
     *
     * @param name the signal name, e.g. {@code TERM} or {@code INT}
     * @throws IOException if the request cannot be sent, e.g. the connection is lost
     */
    void signal(String name) throws IOException;

    /**
     * The exit status the server reported, or null if none (yet).
     *
     * @return the exit status, or null
     */
    Integer exitStatus();

    /**
     * The signal name the command died of (exit-signal), or null.
     *
     * @return the signal name without {@code SIG}, or null
     */
    String exitSignal();

    /**
     * Waits for the channel to close and returns the exit status, or -1 if none was sent.
     *
     * @param timeout how long to wait for the channel to close
     * @return the exit status, or -1 if the server sent none (e.g. the command died of a signal)
     * @throws IOException if the channel does not close within {@code timeout}, the wait is interrupted, or the
     *     connection is lost
     */
    int awaitExitStatus(Duration timeout) throws IOException;

    // Server side.

    /**
     * Reports the command's exit status to the client (server side; {@code exit-status}, no reply). Dropped if the
     * channel is already closed.
     *
     * @param status the exit status
     * @throws IOException if the request cannot be sent, e.g. the connection is lost
     */
    void sendExitStatus(int status) throws IOException;

    /**
     * Reports that the command died of a signal (server side; {@code exit-signal}, no reply). Dropped if the channel
     * is already closed.
     *
     * @param signal     the signal name without {@code SIG}, e.g. {@code KILL}
     * @param coreDumped whether a core was dumped
     * @param message    an error message, possibly empty
     * @throws IOException if the request cannot be sent, e.g. the connection is lost
     */
    void sendExitSignal(String signal, boolean coreDumped, String message) throws IOException;
}
