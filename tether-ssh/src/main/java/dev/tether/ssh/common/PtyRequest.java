package dev.tether.ssh.common;

import java.util.Map;

/**
 * A {@code pty-req} (RFC 4254 §6.2): terminal type, size in characters and pixels, and the
 * encoded terminal modes decoded per RFC 4254 §8 (opcode name to value, e.g. {@code VINTR=3},
 * {@code ECHO=1}, {@code TTY_OP_ISPEED=38400}).
 *
 * @param term         the terminal type, e.g. {@code xterm-256color}; may be empty
 * @param columns      the width in characters
 * @param rows         the height in characters
 * @param widthPixels  the width in pixels, 0 when unknown
 * @param heightPixels the height in pixels, 0 when unknown
 * @param modes        the terminal modes by opcode name
 */
public record PtyRequest(String term, int columns, int rows, int widthPixels, int heightPixels, Map<String, Integer> modes) {
}
