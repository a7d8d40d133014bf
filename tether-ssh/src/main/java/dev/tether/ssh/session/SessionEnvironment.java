package dev.tether.ssh.session;

import dev.tether.ssh.common.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * What the server's forwarding gives one session channel, for the command it will run: environment
 * variables ({@code SSH_AUTH_SOCK} from agent forwarding, {@code DISPLAY} and {@code XAUTHORITY}
 * from X11 forwarding), a private directory (mode 0700, made on first use, as sshd's
 * {@code /tmp/ssh-XXXXXXXX}) for the agent socket and the session's Xauthority file, and the
 * resources to close when the session ends. When the channel closes (or the connection ends) the
 * resources are closed in reverse order and the directory is deleted with what is left in it.
 *
 * <p>The session starters ({@code Portal}) add {@link #variables} to the command's environment;
 * a variable set by forwarding wins over one the client sent with {@code env}.
 *
 * <p><b>Threads.</b> Made and filled on the connection's reader thread (the requests that set
 * it up are answered there); read by whatever thread starts the command; closed on the thread
 * that completes the channel's close. All state is guarded by {@code this}; the registry is a
 * concurrent map.
 */
public final class SessionEnvironment {
    private static final Logger log = LoggerFactory.getLogger(SessionEnvironment.class);
    private static final Map<Channel, SessionEnvironment> BY_CHANNEL = new ConcurrentHashMap<>();

    private final Channel channel;
    private final Map<String, String> variables = new LinkedHashMap<>();
    private final ArrayDeque<AutoCloseable> resources = new ArrayDeque<>();
    private Path directory;
    private boolean closed;

    private SessionEnvironment(Channel channel) {
        this.channel = channel;
    }

    /** The channel's forwarding state, made on first use and ended with the channel. */
    public static SessionEnvironment of(Channel channel) {
        SessionEnvironment[] made = new SessionEnvironment[1];
        SessionEnvironment e = BY_CHANNEL.computeIfAbsent(channel, c -> made[0] = new SessionEnvironment(c));
        if (made[0] != null) {
            channel.closeFuture().whenComplete((v, t) -> e.close());
        }
        return e;
    }

    /** The variables forwarding set for the channel's command; empty if none. */
    public static Map<String, String> variables(Channel channel) {
        SessionEnvironment e = BY_CHANNEL.get(channel);
        if (e == null) {
            return Map.of();
        }
        synchronized (e) {
            return Map.copyOf(e.variables);
        }
    }

    /** Whether {@code name} has been set (a second agent or X11 request is refused). */
    public synchronized boolean has(String name) {
        return variables.containsKey(name);
    }

    public synchronized void put(String name, String value) {
        variables.put(name, value);
    }

    /**
     * The session's private directory, mode 0700, in the temporary directory; made on first use.
     *
     * @throws IOException it could not be made, or the session has ended
     */
    public synchronized Path privateDirectory() throws IOException {
        if (closed) {
            throw new IOException("the session has ended");
        }
        if (directory == null) {
            directory = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "tether-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return directory;
    }

    /**
     * Closes {@code resource} when the session ends (at once if it has ended already). Resources
     * are closed in the reverse order of their registration.
     */
    public void closeAtEnd(AutoCloseable resource) {
        synchronized (this) {
            if (!closed) {
                resources.push(resource);
                return;
            }
        }
        closeQuietly(resource);
    }

    private void close() {
        Path dir;
        ArrayDeque<AutoCloseable> toClose;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            dir = directory;
            toClose = new ArrayDeque<>(resources);
            resources.clear();
        }
        BY_CHANNEL.remove(channel, this);
        toClose.forEach(SessionEnvironment::closeQuietly);
        if (dir != null) {
            deleteTree(dir);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.debug("closing {}: {}", c, e.toString());
        }
    }

    /** Deletes the private directory and what the session's forwarding left in it; never follows links. */
    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    log.debug("cannot delete {}: {}", p, e.toString());
                }
            });
        } catch (IOException e) {
            log.debug("cannot delete {}: {}", dir, e.toString());
        }
    }
}
