package dev.tether.cli;

import dev.tether.sftp.SftpClient;

import java.io.IOException;
import java.io.PrintStream;

/**
 * The progress line of {@code tether sftp} and {@code tether scp}, like OpenSSH's: file name,
 * percent, bytes, rate and ETA, redrawn in place with {@code \r} at most a few times a second.
 * One line per file: as a listener of a tree transfer it ends a file's line when the next file
 * starts; {@link #done()} ends the last one.
 */
final class ProgressBar implements SftpClient.ProgressListener {
    private static final long REDRAW_NANOS = 200_000_000L;
    private final PrintStream out;
    private String name;
    private String file;
    private long started = System.nanoTime();
    private long lastDraw;
    private long done;
    private long total;

    /** @param name what a line shows if no progress comes at all (an empty file); null: no line then */
    ProgressBar(PrintStream out, String name) {
        this.out = out;
        this.name = name;
    }

    /** A transfer, told its {@link SftpClient.Transfer}. */
    interface Copy {
        void run(SftpClient.Transfer how) throws IOException;
    }

    /** Runs a transfer with {@code bar} (none if null) as its listener, and ends the bar's last line. */
    static void around(ProgressBar bar, SftpClient.Transfer how, Copy copy) throws IOException {
        try {
            copy.run(bar == null ? how : how.withProgress(bar));
        } finally {
            if (bar != null) {
                bar.done();
            }
        }
    }

    @Override
    public void progress(String path, long done, long total) {
        if (!path.equals(file)) {
            if (file != null) {
                endLine();
            }
            file = path;
            name = SftpShell.baseName(path);
            started = System.nanoTime();
            lastDraw = 0;
        }
        this.done = done;
        this.total = total;
        long now = System.nanoTime();
        if (now - lastDraw >= REDRAW_NANOS || (total >= 0 && done >= total)) {
            lastDraw = now;
            draw(false);
        }
    }

    /** Draws the final state and ends the line (none if nothing was shown and there is no name). */
    void done() {
        if (file != null || name != null) {
            endLine();
        }
        file = null;
    }

    private void endLine() {
        draw(true);
        out.println();
        out.flush();
    }

    private void draw(boolean finished) {
        double secs = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
        long rate = (long) (done / secs);
        int percent = total > 0 ? (int) Math.min(100, done * 100 / total) : 100;
        String eta;
        if (finished || total <= 0) {
            eta = String.format("%02d:%02d   ", (long) secs / 60, (long) secs % 60);
        } else if (rate <= 0) {
            eta = "--:-- ETA";
        } else {
            long left = (total - done) / rate;
            eta = String.format("%02d:%02d ETA", left / 60, left % 60);
        }
        String shown = name.length() > 40 ? name.substring(name.length() - 40) : name;
        out.print(String.format("\r%-40s %3d%% %8s %8s/s %s", shown, percent, human(done), human(rate), eta));
        out.flush();
    }

    static String human(long n) {
        String[] units = {"B", "KB", "MB", "GB", "TB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + "B" : String.format("%.1f%s", v, units[u]);
    }
}
