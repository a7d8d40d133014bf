package dev.tether.ssh;

import java.nio.charset.StandardCharsets;

/**
 * What {@link Transport#exec} collected: the command's stdout, stderr and exit status (-1 if the
 * server sent none; then {@link #exitSignal} may name the signal).
 *
 * @param stdout     the bytes the command wrote to stdout
 * @param stderr     the bytes it wrote to stderr
 * @param exitStatus its exit status, or -1 if the server sent none
 * @param exitSignal the signal it died of, without {@code SIG}, or null
 */
public record ExecResult(byte[] stdout, byte[] stderr, int exitStatus, String exitSignal) {
    /**
     * The command's output as text.
     *
     * @return {@code stdout} decoded as UTF-8
     */
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /**
     * The command's error output as text.
     *
     * @return {@code stderr} decoded as UTF-8
     */
    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }
}
