package dev.tether.ssh.forward;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Xauthority file format of libXau ({@code XauReadAuth}/{@code XauWriteAuth}), which
 * {@code xauth} reads and writes: a sequence of entries, each a big-endian 16-bit family, then
 * four counted byte strings (16-bit big-endian length and bytes): address, display number (ASCII
 * decimal), authorization name and data. The server writes the session's entry itself, so no
 * {@code xauth} program is needed; the client reads the local display's cookie the same way.
 *
 * <p>Stateless.
 */
final class XAuthority {
    /** FamilyLocal: a display on this host, its address the host name (what {@code unix:N} means). */
    static final int FAMILY_LOCAL = 256;
    /** FamilyInternet: an IPv4 address of four bytes. */
    static final int FAMILY_INTERNET = 0;
    /** FamilyWild: any address. */
    static final int FAMILY_WILD = 65535;
    static final String MIT_MAGIC_COOKIE = "MIT-MAGIC-COOKIE-1";

    private XAuthority() {
    }

    /** One entry. */
    record Entry(int family, byte[] address, String number, String name, byte[] data) {
    }

    /** The entries of {@code in}, up to its end. */
    static List<Entry> read(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        List<Entry> out = new ArrayList<>();
        while (true) {
            int family;
            try {
                family = d.readUnsignedShort();
            } catch (EOFException e) {
                return out;
            }
            byte[] address = counted(d);
            String number = new String(counted(d), StandardCharsets.US_ASCII);
            String name = new String(counted(d), StandardCharsets.US_ASCII);
            out.add(new Entry(family, address, number, name, counted(d)));
        }
    }

    private static byte[] counted(DataInputStream d) throws IOException {
        byte[] b = new byte[d.readUnsignedShort()];
        d.readFully(b);
        return b;
    }

    static byte[] encode(List<Entry> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Entry e : entries) {
            out.write(e.family() >>> 8);
            out.write(e.family());
            counted(out, e.address());
            counted(out, e.number().getBytes(StandardCharsets.US_ASCII));
            counted(out, e.name().getBytes(StandardCharsets.US_ASCII));
            counted(out, e.data());
        }
        return out.toByteArray();
    }

    private static void counted(ByteArrayOutputStream out, byte[] b) {
        out.write(b.length >>> 8);
        out.write(b.length);
        out.write(b, 0, b.length);
    }

    /**
     * Writes a new file (mode 0600) holding the cookie for display {@code number} as
     * {@code xauth add unix:N MIT-MAGIC-COOKIE-1 HEX} would (FamilyLocal with this host's name,
     * which Xlib looks up for {@code localhost:N} too), and the same for 127.0.0.1.
     */
    static void writeCookieFile(Path file, int number, String protocol, byte[] cookie) throws IOException {
        String n = Integer.toString(number);
        List<Entry> entries = List.of(
                new Entry(FAMILY_LOCAL, hostName().getBytes(StandardCharsets.US_ASCII), n, protocol, cookie),
                new Entry(FAMILY_INTERNET, new byte[]{127, 0, 0, 1}, n, protocol, cookie));
        Files.write(Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                encode(entries), StandardOpenOption.WRITE);
    }

    /**
     * The authorization for display {@code number} in {@code file} (a FamilyLocal entry of this
     * host, else one of any address or FamilyWild), preferring MIT-MAGIC-COOKIE-1; empty if the
     * file is missing or has none.
     */
    static Optional<Entry> find(Path file, int number) {
        List<Entry> all;
        try (InputStream in = Files.newInputStream(file)) {
            all = read(in);
        } catch (IOException e) {
            return Optional.empty();
        }
        String n = Integer.toString(number);
        byte[] host = hostName().getBytes(StandardCharsets.US_ASCII);
        Entry best = null;
        int bestScore = -1;
        for (Entry e : all) {
            if (!e.number().equals(n) && !(e.family() == FAMILY_WILD && e.number().isEmpty())) {
                continue;
            }
            int score = (e.name().equals(MIT_MAGIC_COOKIE) ? 2 : 0)
                    + (e.family() == FAMILY_LOCAL && java.util.Arrays.equals(e.address(), host) ? 1 : 0);
            if (score > bestScore) {
                best = e;
                bestScore = score;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The file libXau reads: {@code $XAUTHORITY}, else {@code $HOME/.Xauthority}. */
    static Path defaultFile() {
        String x = System.getenv("XAUTHORITY");
        if (x != null && !x.isEmpty()) {
            return Path.of(x);
        }
        String home = System.getenv("HOME");
        return Path.of(home != null ? home : System.getProperty("user.home"), ".Xauthority");
    }

    /** This host's name, as libXau's FamilyLocal entries carry it (gethostname). */
    static String hostName() {
        try {
            Path p = Path.of("/proc/sys/kernel/hostname");
            if (Files.isReadable(p)) {
                return Files.readString(p).strip();
            }
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
