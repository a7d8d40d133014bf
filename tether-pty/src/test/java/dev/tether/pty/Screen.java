package dev.tether.pty;

import dev.tether.ssh.common.Channel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything a session channel has printed, read by a daemon thread as it arrives, with bounded
 * waits for a pattern; the way to drive a shell over a channel: type a command, wait for its
 * marker.
 */
final class Screen {
    private final StringBuilder text = new StringBuilder();
    private boolean ended;
    private final Channel channel;

    Screen(Channel channel) {
        this.channel = channel;
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream in = channel.getInputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the channel ended
            } finally {
                end();
            }
        }, "screen-" + channel.localId());
        t.setDaemon(true);
        t.start();
    }

    private synchronized void append(String s) {
        text.append(s);
        notifyAll();
    }

    private synchronized void end() {
        ended = true;
        notifyAll();
    }

    synchronized String text() {
        return text.toString();
    }

    /** Types {@code line} and a return. */
    void type(String line) throws IOException {
        channel.getOutputStream().write((line + "\r").getBytes(StandardCharsets.UTF_8));
    }

    /** Waits for {@code regex} to match at or after {@code from}; returns the match. */
    synchronized Matcher await(String regex, int from, Duration timeout) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher m = p.matcher(text);
            if (m.find(Math.min(from, text.length()))) {
                return m;
            }
            long left = deadline - System.nanoTime();
            if (ended || left <= 0) {
                throw new AssertionError("no /" + regex + "/ within " + timeout.toMillis() + " ms"
                        + (ended ? " (channel ended)" : "") + "; screen so far:\n" + text);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** Waits until the channel's output ended; returns everything. */
    synchronized String awaitEnd(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ended) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("output did not end within " + timeout.toMillis() + " ms; so far:\n" + text);
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return text.toString();
    }
}
