package dev.tether.ssh.forward;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OpenSSH's X11 cookie spoofing and the Xauthority format, without a peer. */
class X11SpoofingTest {
    private static final byte[] REAL = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FAKE = "FEDCBA9876543210".getBytes(StandardCharsets.US_ASCII);
    private static final X11Forwarding.Target TARGET = new X11Forwarding.Target(
            X11Forwarding.Display.parse(":0"), XAuthority.MIT_MAGIC_COOKIE, REAL, FAKE);

    @TempDir
    Path tmp;

    /** An X11 connection setup in either byte order, with {@code cookie}, then {@code more} bytes. */
    private static byte[] setup(boolean big, String name, byte[] cookie, byte[] more) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(big ? 'B' : 'l');
        out.write(0);
        card16(out, 11, big);
        card16(out, 0, big);
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        card16(out, n.length, big);
        card16(out, cookie.length, big);
        out.write(0);
        out.write(0);
        out.writeBytes(n);
        out.writeBytes(new byte[(4 - n.length % 4) % 4]);
        out.writeBytes(cookie);
        out.writeBytes(new byte[(4 - cookie.length % 4) % 4]);
        out.writeBytes(more);
        return out.toByteArray();
    }

    private static void card16(ByteArrayOutputStream out, int v, boolean big) {
        if (big) {
            out.write(v >>> 8);
            out.write(v);
        } else {
            out.write(v);
            out.write(v >>> 8);
        }
    }

    @Test
    void theFakeCookieIsReplacedByTheRealOneInBothByteOrders() throws Exception {
        for (boolean big : List.of(true, false)) {
            byte[] more = {1, 2, 3};
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(setup(big, XAuthority.MIT_MAGIC_COOKIE, FAKE, more)));
            byte[] out = X11Forwarding.spoofedSetup(in, TARGET);
            assertArrayEquals(setup(big, XAuthority.MIT_MAGIC_COOKIE, REAL, new byte[0]), out);
            assertArrayEquals(more, in.readAllBytes(), "what follows the setup is left for the relay");
        }
    }

    @Test
    void aWrongCookieOrProtocolIsRefused() throws Exception {
        assertNull(X11Forwarding.spoofedSetup(new DataInputStream(new ByteArrayInputStream(
                setup(false, XAuthority.MIT_MAGIC_COOKIE, REAL, new byte[0]))), TARGET));
        assertNull(X11Forwarding.spoofedSetup(new DataInputStream(new ByteArrayInputStream(
                setup(false, "XDM-AUTHORIZATION-1", FAKE, new byte[0]))), TARGET));
        byte[] notX = setup(false, XAuthority.MIT_MAGIC_COOKIE, FAKE, new byte[0]);
        notX[0] = 'G';
        assertNull(X11Forwarding.spoofedSetup(new DataInputStream(new ByteArrayInputStream(notX)), TARGET));
    }

    @Test
    void displaysParseAsXlibWritesThem() {
        assertEquals(new X11Forwarding.Display("", 0, 0), X11Forwarding.Display.parse(":0"));
        assertEquals(new X11Forwarding.Display("localhost", 10, 2), X11Forwarding.Display.parse("localhost:10.2"));
        assertEquals(new X11Forwarding.Display("unix", 3, 0), X11Forwarding.Display.parse("unix:3"));
        assertTrue(X11Forwarding.Display.parse("unix:3").local());
        assertThrows(IllegalArgumentException.class, () -> X11Forwarding.Display.parse("nodisplay"));
        assertThrows(IllegalArgumentException.class, () -> X11Forwarding.Display.parse("host:x"));
    }

    @Test
    void theCookieFileIsPrivateAndFoundForItsDisplay() throws Exception {
        Path f = tmp.resolve("Xauthority");
        XAuthority.writeCookieFile(f, 12, XAuthority.MIT_MAGIC_COOKIE, REAL);
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(f));
        XAuthority.Entry e = XAuthority.find(f, 12).orElseThrow();
        assertArrayEquals(REAL, e.data());
        assertEquals(XAuthority.FAMILY_LOCAL, e.family());
        assertArrayEquals(XAuthority.hostName().getBytes(StandardCharsets.US_ASCII), e.address());
        assertTrue(XAuthority.find(f, 13).isEmpty());
        assertTrue(XAuthority.find(tmp.resolve("missing"), 12).isEmpty());
        // both entries, as xauth would list them
        List<XAuthority.Entry> all = XAuthority.read(Files.newInputStream(f));
        assertEquals(2, all.size());
        assertTrue(Arrays.equals(new byte[]{127, 0, 0, 1}, all.get(1).address()));
    }
}
