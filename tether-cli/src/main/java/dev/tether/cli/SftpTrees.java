package dev.tether.cli;

import dev.tether.sftp.SftpAttributes;
import dev.tether.sftp.SftpClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * File and directory-tree transfers over an {@link SftpClient}, shared by {@code tether sftp}'s
 * get/put and {@code tether scp}: regular files and directories only (other entries are
 * skipped, as OpenSSH does), a directory merged into one that exists, {@code preserve} also
 * setting the directories' times (and, on upload, modes) after their contents, a progress bar
 * per file when {@code bars} gives one.
 */
final class SftpTrees {
    private SftpTrees() {
    }

    static void download(SftpClient c, String src, Path to, SftpClient.Transfer how, Function<String, ProgressBar> bars)
            throws IOException {
        ProgressBar bar = bars.apply(SftpShell.baseName(src));
        c.download(src, to, bar == null ? how : how.withProgress(bar));
        if (bar != null) {
            bar.done();
        }
    }

    static void upload(SftpClient c, Path src, String to, SftpClient.Transfer how, Function<String, ProgressBar> bars)
            throws IOException {
        ProgressBar bar = bars.apply(src.getFileName().toString());
        c.upload(src, to, bar == null ? how : how.withProgress(bar));
        if (bar != null) {
            bar.done();
        }
    }

    static void downloadTree(SftpClient c, String src, Path to, SftpClient.Transfer how, Function<String, ProgressBar> bars)
            throws IOException {
        Files.createDirectories(to);
        List<SftpClient.Entry> entries = new ArrayList<>(c.list(src));
        entries.sort(Comparator.comparing(SftpClient.Entry::name));
        for (SftpClient.Entry e : entries) {
            if (e.name().equals(".") || e.name().equals("..")) {
                continue;
            }
            String child = join(src, e.name());
            if (e.attributes().isDirectory()) {
                downloadTree(c, child, to.resolve(e.name()), how, bars);
            } else if (e.attributes().isRegularFile()) {
                download(c, child, to.resolve(e.name()), how, bars);
            }
        }
        if (how.preserve()) {
            SftpAttributes a = c.stat(src);
            if (a.modifiedTime() != null) {
                Files.setLastModifiedTime(to, FileTime.from(a.modifiedTime()));
            }
        }
    }

    static void uploadTree(SftpClient c, Path src, String to, SftpClient.Transfer how, Function<String, ProgressBar> bars)
            throws IOException {
        if (!isDirectory(c, to)) {
            c.mkdir(to, 0777);
        }
        List<Path> children;
        try (Stream<Path> s = Files.list(src)) {
            children = s.sorted().toList();
        }
        for (Path ch : children) {
            String t = join(to, ch.getFileName().toString());
            if (Files.isDirectory(ch, LinkOption.NOFOLLOW_LINKS)) {
                uploadTree(c, ch, t, how, bars);
            } else if (Files.isRegularFile(ch)) {
                upload(c, ch, t, how, bars);
            }
        }
        if (how.preserve()) {
            Instant m = Files.getLastModifiedTime(src).toInstant();
            c.setTimes(to, m, m);
            int mode = 0;
            for (PosixFilePermission p : Files.getPosixFilePermissions(src)) {
                mode |= 0400 >> p.ordinal();
            }
            c.chmod(to, mode);
        }
    }

    static boolean isDirectory(SftpClient c, String p) throws IOException {
        try {
            return c.stat(p).isDirectory();
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }
}
