package dev.tether.sftp.server;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * An open file or directory of an {@link SftpSession}: what it was opened as, the channel or
 * directory stream, the listing's progress, and the bytes read and written (for the close's
 * event-log line and the policy). Touched only by the session's thread.
 */
final class Handle {
    final String clientPath;
    final Path path;
    final SeekableByteChannel channel;
    final FileChannel fileChannel;
    final boolean append;
    final boolean readable;
    final boolean writable;
    final DirectoryStream<Path> dir;
    Iterator<Path> entries;
    boolean dotsSent;
    long bytesRead;
    long bytesWritten;

    Handle(String clientPath, Path path, SeekableByteChannel ch, boolean readable, boolean writable, boolean append) {
        this.clientPath = clientPath;
        this.path = path;
        this.channel = ch;
        this.fileChannel = ch instanceof FileChannel ? (FileChannel) ch : null;
        this.readable = readable;
        this.writable = writable;
        this.append = append;
        this.dir = null;
    }

    Handle(String clientPath, Path path, DirectoryStream<Path> dir) {
        this.clientPath = clientPath;
        this.path = path;
        this.channel = null;
        this.fileChannel = null;
        this.readable = false;
        this.writable = false;
        this.append = false;
        this.dir = dir;
        this.entries = dir.iterator();
    }

    void close() throws IOException {
        if (channel != null) {
            channel.close();
        } else {
            dir.close();
        }
    }
}
