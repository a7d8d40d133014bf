package dev.tether.ssh.pty;

import dev.tether.ssh.common.PtyRequest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Starts processes on a pseudo-terminal: the server side of {@code pty-req} (RFC 4254 §6.2).
 * The core library holds no native code, so it cannot open a pty itself; an implementation jar
 * supplies one (the {@code tether-pty} module does, with pty4j) and is found with
 * {@link ServiceLoader} under {@code META-INF/services/dev.tether.ssh.pty.PtySpawner}, or
 * set explicitly with {@code Portal.Builder.ptySpawner}.
 *
 * <p>Implementations must be thread-safe; {@link #spawn} is called on a session's own thread,
 * never on a connection's reader thread.
 */
public interface PtySpawner {

    /**
     * Starts {@code command} (program and arguments, no shell in between) as the leader of a new
     * session whose controlling terminal is a new pty.
     *
     * @param command     the program and its arguments
     * @param directory   the working directory
     * @param environment the whole environment of the new process; the spawner sets {@code TERM}
     *                    from {@code pty.term()} when that is not empty
     * @param pty         the requested terminal type, size and modes; modes an implementation
     *                    cannot apply are ignored, never an error
     * @return the running process, leading its session on the new terminal
     * @throws IOException if no pty can be opened or the command cannot be started
     */
    PtyProcess spawn(List<String> command, Path directory, Map<String, String> environment, PtyRequest pty) throws IOException;

    /**
     * A short name for logs, e.g. {@code pty4j}.
     *
     * @return the spawner's name; by default the simple name of its class
     */
    default String name() {
        return getClass().getSimpleName();
    }

    /**
     * The first spawner on the class path (the context class loader's, then this library's), or
     * empty when none is installed or none can be loaded.
     *
     * @return the spawner found, or empty
     */
    static Optional<PtySpawner> discover() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        Optional<PtySpawner> found = context != null ? first(ServiceLoader.load(PtySpawner.class, context)) : Optional.empty();
        return found.isPresent() ? found : first(ServiceLoader.load(PtySpawner.class, PtySpawner.class.getClassLoader()));
    }

    private static Optional<PtySpawner> first(ServiceLoader<PtySpawner> loader) {
        Iterator<PtySpawner> it = loader.iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    return Optional.empty();
                }
                return Optional.of(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                // a broken provider (missing dependency, wrong platform): try the next one
                org.slf4j.LoggerFactory.getLogger(PtySpawner.class).warn("cannot load a pty spawner: {}", e.toString());
            }
        }
    }
}
