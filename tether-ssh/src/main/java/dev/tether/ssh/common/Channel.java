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
    int localId();

    int remoteId();

    /** The channel type, e.g. {@code session}. */
    String type();

    /**
     * The most data one packet to the peer may carry (its maximum packet size, capped at ours); a
     * larger write goes out as several packets, so a protocol above may size its messages to fit.
     */
    int remoteMaxPacket();

    /** Data from the peer (CHANNEL_DATA). */
    InputStream getInputStream();

    /** Extended data from the peer of type 1, stderr (CHANNEL_EXTENDED_DATA). */
    InputStream getErrorStream();

    /** Data to the peer (CHANNEL_DATA); closing it sends EOF. */
    OutputStream getOutputStream();

    /** Extended data of type 1 to the peer: a server's stderr. */
    OutputStream getErrorOutputStream();

    /** Sends CHANNEL_EOF: we will send no more data. */
    void sendEof() throws IOException;

    /** Sends CHANNEL_CLOSE and waits a bounded time for the peer's; never hangs on the peer. */
    @Override
    void close();

    boolean isClosed();

    /** Completes when both sides have closed the channel (or the connection ended). */
    CompletableFuture<Void> closeFuture();

    // Client side: session requests (RFC 4254 §6). Each waits for the reply and returns it.

    boolean exec(String command) throws IOException;

    boolean shell() throws IOException;

    boolean subsystem(String name) throws IOException;

    boolean requestPty(PtyRequest pty) throws IOException;

    boolean setEnvironment(String name, String value) throws IOException;

    void windowChange(int columns, int rows, int widthPixels, int heightPixels) throws IOException;

    /** Sends a signal by name without the {@code SIG} prefix, e.g. {@code TERM}. */
    void signal(String name) throws IOException;

    /** The exit status the server reported, or null if none (yet). */
    Integer exitStatus();

    /** The signal name the command died of (exit-signal), or null. */
    String exitSignal();

    /** Waits for the channel to close and returns the exit status, or -1 if none was sent. */
    int awaitExitStatus(Duration timeout) throws IOException;

    // Server side.

    void sendExitStatus(int status) throws IOException;

    void sendExitSignal(String signal, boolean coreDumped, String message) throws IOException;
}
