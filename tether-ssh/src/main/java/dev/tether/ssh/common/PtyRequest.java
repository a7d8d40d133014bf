package dev.tether.ssh.common;

import java.util.Map;

/**
 * A {@code pty-req} (RFC 4254 §6.2): terminal type, size in characters and pixels, and the
 * encoded terminal modes decoded per RFC 4254 §8 (opcode name to value, e.g. {@code VINTR=3},
 * {@code ECHO=1}, {@code TTY_OP_ISPEED=38400}).
 */
public record PtyRequest(String term, int columns, int rows, int widthPixels, int heightPixels, Map<String, Integer> modes) {
}
