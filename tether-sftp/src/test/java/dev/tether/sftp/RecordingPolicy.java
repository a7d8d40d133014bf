package dev.tether.sftp;

import dev.tether.sftp.policy.SftpOperation;
import dev.tether.sftp.policy.SftpPolicy;
import dev.tether.sftp.policy.SftpStatus;
import dev.tether.testkit.Poll;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An {@link SftpPolicy} that allows everything and records every outcome it is told of, for
 * tests to assert on (the kind, the client's path, the status and the byte counts of a close).
 * Thread-safe: sessions append from their own threads.
 */
class RecordingPolicy implements SftpPolicy {
    /** One {@link #completed} call. */
    record Outcome(SftpOperation.Kind kind, String path, String target, String user, SftpStatus status, long bytesRead,
                   long bytesWritten) {
    }

    final List<Outcome> outcomes = new CopyOnWriteArrayList<>();

    @Override
    public void completed(SftpOperation op, SftpStatus outcome, long bytesRead, long bytesWritten) {
        outcomes.add(new Outcome(op.kind(), op.path(), op.target(), op.user(), outcome, bytesRead, bytesWritten));
    }

    /** The outcomes of this kind on this client path, so far. */
    List<Outcome> of(SftpOperation.Kind kind, String path) {
        return outcomes.stream().filter(o -> o.kind() == kind && o.path().equals(path)).toList();
    }

    /** Waits (bounded, 10 s) for the first outcome of this kind on this path; null if none came. */
    Outcome await(SftpOperation.Kind kind, String path) {
        Poll.until(() -> !of(kind, path).isEmpty(), Duration.ofSeconds(10));
        List<Outcome> found = of(kind, path);
        return found.isEmpty() ? null : found.get(0);
    }
}
