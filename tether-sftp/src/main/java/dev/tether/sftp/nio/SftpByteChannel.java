package dev.tether.sftp.nio;

import dev.tether.sftp.SftpClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * A {@link SeekableByteChannel} over an open remote file: each read is one READ request (at most
 * the client's block size), each write as many WRITE requests as the buffer needs, at the
 * channel's position. In append mode every write goes to the end (the server's size, asked
 * first). Streams ({@code Files.newInputStream}/{@code newOutputStream}) do not use this class:
 * they are pipelined.
 *
 * <p><b>Threading.</b> Thread-safe as {@code SeekableByteChannel} requires: operations on the
 * position are serialized on the channel.
 */
final class SftpByteChannel implements SeekableByteChannel {
    private final SftpClient.RemoteFile file;
    private final boolean readable;
    private final boolean writable;
    private final boolean append;
    private final Runnable onClose;
    private long position;
    private volatile boolean open = true;

    SftpByteChannel(SftpClient.RemoteFile file, boolean readable, boolean writable, boolean append, Runnable onClose) {
        this.file = file;
        this.readable = readable;
        this.writable = writable;
        this.append = append;
        this.onClose = onClose;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!open) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (!readable) {
            throw new NonReadableChannelException();
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        int want = dst.remaining();
        int n;
        if (dst.hasArray()) {
            n = file.read(position, dst.array(), dst.arrayOffset() + dst.position(), want);
            if (n > 0) {
                dst.position(dst.position() + n);
            }
        } else {
            byte[] b = new byte[Math.min(want, 256 * 1024)];
            n = file.read(position, b, 0, b.length);
            if (n > 0) {
                dst.put(b, 0, n);
            }
        }
        if (n > 0) {
            position += n;
        }
        return n;
    }

    @Override
    public synchronized int write(ByteBuffer src) throws IOException {
        ensureOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
        if (append) {
            position = file.attributes().size();
        }
        int n = src.remaining();
        if (src.hasArray()) {
            file.write(position, src.array(), src.arrayOffset() + src.position(), n);
            src.position(src.position() + n);
        } else {
            byte[] b = new byte[n];
            src.get(b);
            file.write(position, b, 0, n);
        }
        position += n;
        return n;
    }

    @Override
    public synchronized long position() throws IOException {
        ensureOpen();
        return position;
    }

    @Override
    public synchronized SeekableByteChannel position(long newPosition) throws IOException {
        ensureOpen();
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position " + newPosition);
        }
        position = newPosition;
        return this;
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return Math.max(0, file.attributes().size());
    }

    @Override
    public synchronized SeekableByteChannel truncate(long size) throws IOException {
        ensureOpen();
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        if (!writable) {
            throw new NonWritableChannelException();
        }
        if (size < size()) {
            file.truncate(size);
        }
        if (position > size) {
            position = size;
        }
        return this;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() throws IOException {
        if (!open) {
            return;
        }
        open = false;
        try {
            file.close();
        } finally {
            if (onClose != null) {
                onClose.run();
            }
        }
    }
}
