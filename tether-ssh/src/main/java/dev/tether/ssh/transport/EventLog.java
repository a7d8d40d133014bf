package dev.tether.ssh.transport;

import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.ConnectionInfo;
import dev.tether.ssh.wire.Disconnect;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's event log: one INFO line per event on the slf4j logger {@value #LOGGER}, so that
 * an operator can follow who connected, how they logged in, what they ran and why they left
 * without turning on debug logging. Each line starts with the connection, {@code #ID ADDR:PORT},
 * then the event:
 *
 * <pre>
 *   #3 127.0.0.1:40112 connect
 *   #3 127.0.0.1:40112 auth failed alice password (1 of 6)
 *   #3 127.0.0.1:40112 auth accepted alice publickey ssh-ed25519 SHA256:...
 *   #4 127.0.0.1:40120 auth refused bob password: user bob is not allowed to log in (not in AllowUsers)
 *   #3 127.0.0.1:40112 session 0 start exec "make test"
 *   #3 127.0.0.1:40112 session 0 end exec "make test" status 0
 *   #3 127.0.0.1:40112 forward 2 open direct-tcpip db.internal:5432
 *   #3 127.0.0.1:40112 forward refused direct-tcpip mail:25: administratively prohibited: not permitted
 *   #3 127.0.0.1:40112 forward 2 end direct-tcpip db.internal:5432 (sent 1204, received 88 bytes)
 *   #3 127.0.0.1:40112 listen tcpip-forward 127.0.0.1:8080
 *   #3 127.0.0.1:40112 disconnect by peer (11): disconnected by user
 * </pre>
 *
 * Peer-supplied text (user names, commands) is quoted with control characters escaped. Secrets
 * never appear. Stateless and thread-safe.
 */
public final class EventLog {
    /** The logger name; configure it to route or silence the event lines. */
    public static final String LOGGER = "dev.tether.ssh.events";
    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    private EventLog() {
    }

    private static String tag(ConnectionInfo t) {
        return "#" + t.id() + " " + t.remoteHost() + ":" + t.remotePort();
    }

    /** Peer-supplied text, escaped and quoted when it has spaces or is empty. */
    public static String quote(String s) {
        String clean = Disconnect.sanitize(s);
        return clean.isEmpty() || clean.indexOf(' ') >= 0 || clean.indexOf('"') >= 0
                ? "\"" + clean.replace("\"", "\\\"") + "\"" : clean;
    }

    public static void connect(ConnectionInfo t) {
        if (log.isInfoEnabled()) {
            log.info("{} connect", tag(t));
        }
    }

    /**
     * @param method the method, with the key's algorithm and fingerprint for publickey
     */
    public static void authAccepted(ConnectionInfo t, String user, String method) {
        if (log.isInfoEnabled()) {
            log.info("{} auth accepted {} {}", tag(t), quote(user), method);
        }
    }

    public static void authPartial(ConnectionInfo t, String user, String method) {
        if (log.isInfoEnabled()) {
            log.info("{} auth partial {} {}", tag(t), quote(user), method);
        }
    }

    public static void authFailed(ConnectionInfo t, String user, String method, int failures, int maxTries) {
        if (log.isInfoEnabled()) {
            log.info("{} auth failed {} {} ({} of {})", tag(t), user == null ? "?" : quote(user), method, failures, maxTries);
        }
    }

    /** A login the policy refused after its credentials passed (AllowUsers, a validator, ...). */
    public static void authRefused(ConnectionInfo t, String user, String method, String why) {
        if (log.isInfoEnabled()) {
            log.info("{} auth refused {} {}: {}", tag(t), quote(user), method, Disconnect.sanitize(why));
        }
    }

    /**
     * @param what {@code shell}, {@code exec COMMAND} or {@code subsystem NAME}, as {@link #what}
     */
    public static void sessionStart(ConnectionInfo t, Channel channel, String what) {
        if (log.isInfoEnabled()) {
            log.info("{} session {} start {}", tag(t), channel.localId(), what);
        }
    }

    /** A session request the policy refused. */
    public static void sessionRefused(ConnectionInfo t, Channel channel, String what, String why) {
        if (log.isInfoEnabled()) {
            log.info("{} session {} refused {}: {}", tag(t), channel.localId(), what, why);
        }
    }

    /** @param status the exit status sent, or null if none was */
    public static void sessionEnd(ConnectionInfo t, Channel channel, String what, Integer status) {
        if (log.isInfoEnabled()) {
            log.info("{} session {} end {} {}", tag(t), channel.localId(), what,
                    status == null ? "without exit status" : "status " + status);
        }
    }

    /** What a session runs, for {@link #sessionStart}: {@code kind} and the quoted argument, if any. */
    public static String what(String kind, String argument) {
        return argument == null ? kind : kind + " " + quote(argument);
    }

    /**
     * @param how {@code by peer}, {@code by server}, or {@code connection lost}
     */
    public static void disconnect(ConnectionInfo t, String how, int code, String description) {
        if (log.isInfoEnabled()) {
            log.info("{} disconnect {} ({}): {}", tag(t), how, code, Disconnect.sanitize(description));
        }
    }

    // Forwarding (RFC 4254 §7, OpenSSH PROTOCOL §2.4): forwarded connections and listeners.

    /**
     * A forwarded connection started on channel {@code channel}.
     *
     * @param kind   the channel type ({@code direct-tcpip}, {@code forwarded-tcpip}, ...)
     * @param target what it connects to, or the listener that accepted it
     */
    public static void forwardOpen(ConnectionInfo t, int channel, String kind, String target) {
        if (log.isInfoEnabled()) {
            log.info("{} forward {} open {} {}", tag(t), channel, kind, quote(target));
        }
    }

    /** A forwarding channel refused, with the RFC 4254 §5.1 reason text and why. */
    public static void forwardRefused(ConnectionInfo t, String kind, String target, String reason, String why) {
        if (log.isInfoEnabled()) {
            log.info("{} forward refused {} {}: {}: {}", tag(t), kind, quote(target), reason, Disconnect.sanitize(why));
        }
    }

    /** A forwarded connection ended: bytes sent to the socket and received from it. */
    public static void forwardEnd(ConnectionInfo t, int channel, String kind, String target, long sent, long received) {
        if (log.isInfoEnabled()) {
            log.info("{} forward {} end {} {} (sent {}, received {} bytes)", tag(t), channel, kind, quote(target), sent, received);
        }
    }

    /** A listener for the client opened ({@code tcpip-forward}, {@code streamlocal-forward@openssh.com}). */
    public static void listen(ConnectionInfo t, String kind, String address) {
        if (log.isInfoEnabled()) {
            log.info("{} listen {} {}", tag(t), kind, quote(address));
        }
    }

    /** A listener refused (by policy, or it could not be opened). */
    public static void listenRefused(ConnectionInfo t, String kind, String address, String why) {
        if (log.isInfoEnabled()) {
            log.info("{} listen refused {} {}: {}", tag(t), kind, quote(address), Disconnect.sanitize(why));
        }
    }

    /** A listener closed: cancelled by the client, or the connection ended. */
    public static void listenEnd(ConnectionInfo t, String kind, String address, String why) {
        if (log.isInfoEnabled()) {
            log.info("{} listen end {} {} ({})", tag(t), kind, quote(address), why);
        }
    }
}
