package dev.tether.ssh;

import java.nio.charset.StandardCharsets;

/**
 * What {@link Transport#exec} collected: the command's stdout, stderr and exit status (-1 if the
 * server sent none; then {@link #exitSignal} may name the signal).
 */
public record ExecResult(byte[] stdout, byte[] stderr, int exitStatus, String exitSignal) {
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }
}
