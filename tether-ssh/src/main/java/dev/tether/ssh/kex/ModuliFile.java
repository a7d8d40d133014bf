package dev.tether.ssh.kex;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import java.io.BufferedReader;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A parser for OpenSSH's {@code moduli} file of Diffie-Hellman groups, the server's group source
 * for group exchange (RFC 4419 §3). Format, per moduli(5): one group per line, seven fields
 * separated by white space,
 *
 * <pre>
 *   time  type  tests  tries  size  generator  modulus
 *   20240101000000 2 6 100 2047 2 FFFF...   (time yyyymmddhhmmss; size = bits of the modulus - 1;
 *                                            generator and modulus in hexadecimal)
 * </pre>
 *
 * and lines starting with {@code #} or blank are ignored. Only <em>safe</em> primes (type 2)
 * that passed a primality test (tests has Miller-Rabin, Jacobi or elliptic curve, and not the
 * "composite" bit; tries non-zero) are kept; others are skipped silently, as sshd does. A line
 * that does not have this shape is an error naming the file and the line, so a corrupt file is
 * noticed when the server is configured rather than ignored.
 */
final class ModuliFile {
    private ModuliFile() {
    }

    /** moduli(5) type 2: safe prime, p = 2q + 1. */
    static final int TYPE_SAFE = 2;
    /** moduli(5) tests bits. */
    static final int TEST_COMPOSITE = 0x01;
    static final int TEST_PRIMALITY = 0x04 | 0x08 | 0x10; // Miller-Rabin, Jacobi, elliptic curve

    private static final Pattern TIME = Pattern.compile("[0-9]{14}");
    private static final Pattern HEX = Pattern.compile("[0-9A-Fa-f]+");
    private static final int MAX_BITS = 16384;

    /**
     * Reads the usable groups of {@code file}; fails on the first malformed line. Bytes are read
     * as ISO-8859-1, which cannot fail to decode, so that a stray non-ASCII byte is reported by the
     * field check with its own line number (and is harmless in a comment).
     */
    static List<DhGroup> read(Path file) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            return parse(in, file.toString());
        }
    }

    /** Parses moduli lines from {@code in}; {@code fileName} is used in error messages. */
    static List<DhGroup> parse(BufferedReader in, String fileName) throws IOException {
        List<DhGroup> groups = new ArrayList<>();
        String line;
        int lineNo = 0;
        while ((line = in.readLine()) != null) {
            lineNo++;
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            DhGroup g = parseLine(s, fileName, lineNo);
            if (g != null) {
                groups.add(g);
            }
        }
        return groups;
    }

    private static DhGroup parseLine(String s, String fileName, int lineNo) throws SshException {
        String[] f = s.split("\\s+");
        if (f.length != 7) {
            throw error(fileName, lineNo, "expected 7 fields (time type tests tries size generator modulus), found " + f.length);
        }
        if (!TIME.matcher(f[0]).matches()) {
            throw error(fileName, lineNo, "time must be 14 digits (yyyymmddhhmmss)");
        }
        int type = decimal(f[1], "type", fileName, lineNo);
        int tests = decimal(f[2], "tests", fileName, lineNo);
        int tries = decimal(f[3], "tries", fileName, lineNo);
        int size = decimal(f[4], "size", fileName, lineNo);
        if (!HEX.matcher(f[5]).matches() || f[5].length() > 8) {
            throw error(fileName, lineNo, "generator is not a hexadecimal number");
        }
        if (!HEX.matcher(f[6]).matches()) {
            throw error(fileName, lineNo, "modulus is not a hexadecimal number");
        }
        if (size <= 0 || size >= MAX_BITS) {
            throw error(fileName, lineNo, "size " + size + " is out of range (1.." + (MAX_BITS - 1) + ")");
        }
        if (f[6].length() > MAX_BITS / 4 + 1) {
            throw error(fileName, lineNo, "modulus is longer than " + MAX_BITS + " bits");
        }
        BigInteger p = new BigInteger(f[6], 16);
        BigInteger g = new BigInteger(f[5], 16);
        // the size field is the modulus length in bits minus one (ssh-keygen writes 2047 for a 2048-bit prime)
        if (p.bitLength() != size + 1) {
            throw error(fileName, lineNo, "size field says " + size + " (a " + (size + 1)
                    + "-bit modulus) but the modulus has " + p.bitLength() + " bits");
        }
        if (!p.testBit(0)) {
            throw error(fileName, lineNo, "modulus is even");
        }
        if (g.compareTo(BigInteger.ONE) <= 0 || g.compareTo(p.subtract(BigInteger.ONE)) >= 0) {
            throw error(fileName, lineNo, "generator must satisfy 1 < g < p-1");
        }
        if (type != TYPE_SAFE || (tests & TEST_COMPOSITE) != 0 || (tests & TEST_PRIMALITY) == 0 || tries == 0) {
            return null; // not a tested safe prime: skipped, as sshd does
        }
        return new DhGroup(p, g);
    }

    private static int decimal(String field, String what, String fileName, int lineNo) throws SshException {
        if (field.isEmpty() || field.length() > 9 || !field.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw error(fileName, lineNo, what + " is not a decimal number: \"" + field + "\"");
        }
        return Integer.parseInt(field);
    }

    private static SshException error(String fileName, int lineNo, String problem) {
        return new SshException(DisconnectReason.KEY_EXCHANGE_FAILED,
                "moduli file " + fileName + ", line " + lineNo + ": " + problem);
    }
}
