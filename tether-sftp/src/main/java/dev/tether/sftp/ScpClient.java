package dev.tether.sftp;

import dev.tether.ssh.Transport;
import dev.tether.ssh.common.Channel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The client side of the legacy SCP protocol (rcp's, as OpenSSH's {@code scp -O} speaks it):
 * {@link #upload} runs {@code scp -t} on the remote host and sends C/D/E/T records,
 * {@link #download} runs {@code scp -f} and receives them. Each call uses one session channel
 * of an authenticated transport, which stays open. Failures the remote side reports are thrown
 * as {@link IOException}s carrying its message.
 */
public final class ScpClient {
    private static final int BUFFER = 32 * 1024;
    private static final long[] NO_TIMES = new long[0];

    private ScpClient() {
    }

    /**
     * Sends local files (directories with {@code recursive}) to {@code target} on the remote host.
     *
     * @param transport an authenticated client connection
     * @param sources   the local files and directories to send
     * @param target    the remote destination; empty means the remote start directory
     * @param recursive whether to send directories with their contents ({@code -r})
     * @param preserve  whether to keep modification times and permission bits ({@code -p})
     * @param progress  told as each file goes, or null
     * @throws IOException if a local file cannot be read, the remote scp reports an error, or the connection fails
     */
    public static void upload(Transport transport, List<Path> sources, String target, boolean recursive, boolean preserve,
                              SftpClient.ProgressListener progress) throws IOException {
        String cmd = "scp -t" + (recursive ? " -r" : "") + (preserve ? " -p" : "") + (sources.size() > 1 ? " -d" : "")
                + " -- " + shellQuote(target.isEmpty() ? "." : target);
        Channel ch = start(transport, cmd);
        try {
            InputStream in = ch.getInputStream();
            OutputStream out = ch.getOutputStream();
            ack(in);
            for (Path p : sources) {
                if (Files.isDirectory(p)) {
                    if (!recursive) {
                        throw new IOException(p + ": not a regular file");
                    }
                    sendDirectory(p, in, out, preserve, progress);
                } else {
                    sendFile(p, in, out, preserve, progress);
                }
            }
            out.close();
            finish(ch);
        } finally {
            ch.close();
        }
    }

    /**
     * Receives {@code source} (a directory with {@code recursive}) from the remote host into {@code target}.
     *
     * @param transport an authenticated client connection
     * @param source    the remote file or directory
     * @param target    the local destination
     * @param recursive whether to receive a directory with its contents ({@code -r})
     * @param preserve  whether to keep modification times and permission bits ({@code -p})
     * @param progress  told as each file goes, or null
     * @throws IOException if the remote scp reports an error, a local file cannot be written, the server sends a name
     *     that would escape {@code target}, or the connection fails
     */
    public static void download(Transport transport, String source, Path target, boolean recursive, boolean preserve,
                                SftpClient.ProgressListener progress) throws IOException {
        String cmd = "scp -f" + (recursive ? " -r" : "") + (preserve ? " -p" : "") + " -- " + shellQuote(source.isEmpty() ? "." : source);
        Channel ch = start(transport, cmd);
        try {
            InputStream in = ch.getInputStream();
            OutputStream out = ch.getOutputStream();
            receive(in, out, target, preserve, progress);
            out.close();
            finish(ch);
        } finally {
            ch.close();
        }
    }

    private static Channel start(Transport transport, String cmd) throws IOException {
        Channel ch = transport.openSession();
        if (!ch.exec(cmd)) {
            ch.close();
            throw new IOException("exec request failed: " + cmd);
        }
        return ch;
    }

    private static void finish(Channel ch) throws IOException {
        ch.closeFuture().handle((v, t) -> null).join();
        Integer status = ch.exitStatus();
        if (status != null && status != 0) {
            String errText = new String(ch.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            throw new IOException(errText.isEmpty() ? "remote scp exited with status " + status : errText);
        }
    }

    // ------------------------------------------------------------------ source (upload)

    private static void sendTimes(Path p, InputStream in, OutputStream out) throws IOException {
        long m = Files.getLastModifiedTime(p).toInstant().getEpochSecond();
        long a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).lastAccessTime().toInstant().getEpochSecond();
        record(out, "T" + m + " 0 " + a + " 0\n");
        ack(in);
    }

    private static void sendFile(Path p, InputStream in, OutputStream out, boolean preserve, SftpClient.ProgressListener progress)
            throws IOException {
        if (preserve) {
            sendTimes(p, in, out);
        }
        long size = Files.size(p);
        record(out, String.format("C%04o %d %s\n", mode(p) & 07777, size, p.getFileName()));
        ack(in);
        byte[] buf = new byte[BUFFER];
        long sent = 0;
        try (InputStream f = Files.newInputStream(p)) {
            while (sent < size) {
                int n = f.read(buf, 0, (int) Math.min(buf.length, size - sent));
                if (n < 0) {
                    throw new IOException(p + " shrank while it was sent");
                }
                out.write(buf, 0, n);
                sent += n;
                if (progress != null) {
                    progress.progress(p.toString(), sent, size);
                }
            }
        }
        out.write(0);
        out.flush();
        ack(in);
    }

    private static void sendDirectory(Path dir, InputStream in, OutputStream out, boolean preserve,
                                      SftpClient.ProgressListener progress) throws IOException {
        if (preserve) {
            sendTimes(dir, in, out);
        }
        record(out, String.format("D%04o 0 %s\n", mode(dir) & 07777, dir.getFileName()));
        ack(in);
        List<Path> children;
        try (Stream<Path> s = Files.list(dir)) {
            children = s.sorted().toList();
        }
        for (Path c : children) {
            if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) {
                sendDirectory(c, in, out, preserve, progress);
            } else if (Files.isRegularFile(c)) {
                sendFile(c, in, out, preserve, progress);
            }
        }
        record(out, "E\n");
        ack(in);
    }

    private static void record(OutputStream out, String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads the status byte answering a record: 0 goes on, 1 or 2 throws with the line that follows. */
    private static void ack(InputStream in) throws IOException {
        int b = in.read();
        if (b == 0) {
            return;
        }
        if (b < 0) {
            throw new IOException("lost connection");
        }
        String line = readLine(in);
        throw new IOException(b == 1 || b == 2 ? line : "protocol error: " + (char) b + line);
    }

    // ------------------------------------------------------------------ sink (download)

    private static void receive(InputStream in, OutputStream out, Path target, boolean preserve,
                                SftpClient.ProgressListener progress) throws IOException {
        Deque<Path> dirs = new ArrayDeque<>();
        Deque<long[]> dirTimes = new ArrayDeque<>();
        long[] times = null;
        boolean first = true;
        String warning = null;
        out.write(0);
        out.flush();
        while (true) {
            int type = in.read();
            if (type < 0) {
                break;
            }
            String line = readLine(in);
            switch (type) {
                case 1 -> {
                    warning = line;
                    continue;
                }
                case 2 -> throw new IOException(line);
                case 'T' -> {
                    String[] f = line.split(" ");
                    times = new long[]{Long.parseLong(f[0]), Long.parseLong(f[2])};
                    out.write(0);
                    out.flush();
                }
                case 'E' -> {
                    Path d = dirs.pop();
                    long[] t = dirTimes.pop();
                    if (t != NO_TIMES) {
                        Files.setLastModifiedTime(d, FileTime.from(t[0], java.util.concurrent.TimeUnit.SECONDS));
                    }
                    out.write(0);
                    out.flush();
                }
                case 'C', 'D' -> {
                    String[] f = line.split(" ", 3);
                    if (f.length < 3 || f[2].contains("/") || f[2].equals("..")) {
                        out.write(2);
                        record(out, "protocol error: bad record\n");
                        throw new IOException("protocol error: " + (char) type + line);
                    }
                    int mode = Integer.parseInt(f[0], 8);
                    long size = Long.parseLong(f[1]);
                    Path dest;
                    if (!dirs.isEmpty()) {
                        dest = dirs.peek().resolve(f[2]);
                    } else if (first && Files.isDirectory(target)) {
                        dest = target.resolve(f[2]);
                    } else {
                        dest = first ? target : target.resolve(f[2]);
                    }
                    if (type == 'D') {
                        if (!Files.isDirectory(dest)) {
                            Files.createDirectory(dest);
                        }
                        if (preserve) {
                            setMode(dest, mode);
                        }
                        dirs.push(dest);
                        dirTimes.push(preserve && times != null ? times : NO_TIMES);
                        times = null;
                        out.write(0);
                        out.flush();
                    } else {
                        out.write(0);
                        out.flush();
                        byte[] buf = new byte[BUFFER];
                        long got = 0;
                        try (OutputStream file = Files.newOutputStream(dest, StandardOpenOption.CREATE,
                                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                            while (got < size) {
                                int n = in.read(buf, 0, (int) Math.min(buf.length, size - got));
                                if (n < 0) {
                                    throw new IOException("lost connection");
                                }
                                file.write(buf, 0, n);
                                got += n;
                                if (progress != null) {
                                    progress.progress(dest.toString(), got, size);
                                }
                            }
                        }
                        ack(in);
                        if (preserve) {
                            setMode(dest, mode);
                            if (times != null) {
                                Files.setLastModifiedTime(dest, FileTime.from(times[0], java.util.concurrent.TimeUnit.SECONDS));
                            }
                        }
                        times = null;
                        out.write(0);
                        out.flush();
                    }
                    first = false;
                }
                default -> throw new IOException("protocol error: unexpected record " + (char) type);
            }
        }
        if (warning != null) {
            throw new IOException(warning);
        }
        if (first) {
            throw new IOException("nothing received");
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("lost connection");
            }
            if (b.size() > 4096) {
                throw new IOException("protocol error: record too long");
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private static int mode(Path p) throws IOException {
        PosixFileAttributeView v = Files.getFileAttributeView(p, PosixFileAttributeView.class);
        if (v == null) {
            return Files.isDirectory(p) ? 0755 : 0644;
        }
        int m = 0;
        for (PosixFilePermission perm : v.readAttributes().permissions()) {
            m |= 0400 >> perm.ordinal();
        }
        return m;
    }

    private static void setMode(Path p, int mode) throws IOException {
        PosixFileAttributeView v = Files.getFileAttributeView(p, PosixFileAttributeView.class);
        if (v == null) {
            return;
        }
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission perm : PosixFilePermission.values()) {
            if ((mode & (0400 >> perm.ordinal())) != 0) {
                perms.add(perm);
            }
        }
        v.setPermissions(perms);
    }

    /** Quotes a word for the remote POSIX shell. */
    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
