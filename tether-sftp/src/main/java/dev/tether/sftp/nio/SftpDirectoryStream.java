package dev.tether.sftp.nio;

import dev.tether.sftp.SftpClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A remote directory's entries read lazily over one SFTP directory handle: one READDIR reply
 * (about a hundred names from OpenSSH's or Tether's server) is held at a time, so a directory of
 * any size costs one reply's memory. {@code .} and {@code ..} are skipped. Errors while iterating
 * are {@link DirectoryIteratorException}s, as the JDK's are.
 *
 * <p><b>Threading.</b> One iterator, used by one thread at a time, as {@code DirectoryStream}
 * specifies; {@link #close} may come from any thread.
 */
final class SftpDirectoryStream implements DirectoryStream<Path> {
    private final SftpPath dir;
    private final SftpClient.Listing listing;
    private final Filter<? super Path> filter;
    private boolean iterated;
    private volatile boolean closed;

    SftpDirectoryStream(SftpPath dir, SftpClient.Listing listing, Filter<? super Path> filter) {
        this.dir = dir;
        this.listing = listing;
        this.filter = filter;
    }

    @Override
    public synchronized Iterator<Path> iterator() {
        if (closed) {
            throw new IllegalStateException("directory stream closed");
        }
        if (iterated) {
            throw new IllegalStateException("iterator already obtained");
        }
        iterated = true;
        return new Iterator<>() {
            private Path next;

            @Override
            public boolean hasNext() {
                while (next == null && !closed) {
                    boolean more;
                    try {
                        more = listing.hasNext();
                    } catch (UncheckedIOException e) {
                        throw new DirectoryIteratorException(e.getCause());
                    }
                    if (!more) {
                        return false;
                    }
                    String name = listing.next().name();
                    if (name.equals(".") || name.equals("..")) {
                        continue;
                    }
                    Path p = dir.resolve(name);
                    try {
                        if (filter == null || filter.accept(p)) {
                            next = p;
                        }
                    } catch (IOException e) {
                        throw new DirectoryIteratorException(e);
                    }
                }
                return next != null;
            }

            @Override
            public Path next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Path p = next;
                next = null;
                return p;
            }
        };
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            listing.close();
        }
    }
}
