package dev.tether.sftp;

import static org.junit.jupiter.api.Assertions.fail;

import dev.tether.testkit.Poll;
import dev.tether.testkit.StderrCopy;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The lines of the server's event log (slf4j logger {@code dev.tether.ssh.events}) that
 * slf4j-simple writes to standard error since a {@link #start}, read from the testkit's
 * {@link StderrCopy}; {@link #await} waits, bounded, for a line matching a pattern. Thread-safe.
 */
final class EventLogCapture {
    private final long mark;

    private EventLogCapture(long mark) {
        this.mark = mark;
    }

    /** Starts a capture: what is logged from now on. */
    static EventLogCapture start() {
        return new EventLogCapture(StderrCopy.position());
    }

    /** The event-log lines written since the capture started. */
    List<String> events() {
        return StderrCopy.since(mark).lines().filter(l -> l.contains(" dev.tether.ssh.events - ")).toList();
    }

    /** Waits (at most {@code timeout}) for an event line matching {@code regex} (found anywhere in the line); returns it. */
    String await(String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex);
        String[] found = new String[1];
        boolean ok = Poll.until(() -> {
            for (String l : events()) {
                if (p.matcher(l).find()) {
                    found[0] = l;
                    return true;
                }
            }
            return false;
        }, timeout);
        if (!ok) {
            fail("no event-log line matching /" + regex + "/ within " + timeout + "; the event log had:\n  "
                    + String.join("\n  ", events()));
        }
        return found[0];
    }
}
