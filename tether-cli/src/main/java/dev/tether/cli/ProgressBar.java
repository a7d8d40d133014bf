package dev.tether.cli;

import dev.tether.sftp.SftpClient;

import java.io.PrintStream;

/**
 * The progress line of {@code tether sftp} and {@code tether scp}, like OpenSSH's: file name,
 * percent, bytes, rate and ETA, redrawn in place with {@code \r} at most a few times a second,
 * and finished with a newline by {@link #done()}.
 */
final class ProgressBar implements SftpClient.ProgressListener {
    private static final long REDRAW_NANOS = 200_000_000L;
    private final PrintStream out;
    private final String name;
    private final long started = System.nanoTime();
    private long lastDraw;
    private long done;
    private long total;

    ProgressBar(PrintStream out, String name) {
        this.out = out;
        this.name = name;
    }

    @Override
    public void progress(String file, long done, long total) {
        this.done = done;
        this.total = total;
        long now = System.nanoTime();
        if (now - lastDraw >= REDRAW_NANOS || (total >= 0 && done >= total)) {
            lastDraw = now;
            draw(false);
        }
    }

    /** Draws the final state and ends the line. */
    void done() {
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
