package dev.tether.sftp.nio;

import dev.tether.sftp.SftpClient;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;

/**
 * The file system a remote path is on, as {@code statvfs@openssh.com} reports it (asked anew on
 * every call: the numbers change). Without the extension the space methods throw
 * {@link dev.tether.sftp.SftpException}.
 */
public final class SftpFileStore extends FileStore {
    private final SftpPath path;

    SftpFileStore(SftpPath path) {
        this.path = path;
    }

    private SftpClient.StatVfs stat() throws IOException {
        return path.getFileSystem().client().statvfs(path.remote());
    }

    @Override
    public String name() {
        return path.getFileSystem().toString();
    }

    @Override
    public String type() {
        return "sftp";
    }

    @Override
    public boolean isReadOnly() {
        try {
            return stat().readOnly();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public long getTotalSpace() throws IOException {
        return stat().totalBytes();
    }

    @Override
    public long getUsableSpace() throws IOException {
        return stat().availableBytes();
    }

    @Override
    public long getUnallocatedSpace() throws IOException {
        SftpClient.StatVfs s = stat();
        return s.freeBlocks() * s.fragmentSize();
    }

    @Override
    public long getBlockSize() throws IOException {
        return stat().blockSize();
    }

    @Override
    public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) {
        return type == BasicFileAttributeView.class || type == PosixFileAttributeView.class || type == FileOwnerAttributeView.class;
    }

    @Override
    public boolean supportsFileAttributeView(String name) {
        return path.getFileSystem().supportedFileAttributeViews().contains(name);
    }

    @Override
    public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) {
        return null;
    }

    @Override
    public Object getAttribute(String attribute) throws IOException {
        switch (attribute) {
            case "totalSpace":
                return getTotalSpace();
            case "usableSpace":
                return getUsableSpace();
            case "unallocatedSpace":
                return getUnallocatedSpace();
            case "blockSize":
                return getBlockSize();
            default:
                throw new UnsupportedOperationException("no attribute " + attribute + " on an SFTP file store");
        }
    }

    @Override
    public String toString() {
        return name() + " (" + path + ")";
    }
}
