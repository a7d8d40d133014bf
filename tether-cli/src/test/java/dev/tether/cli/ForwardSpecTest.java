package dev.tether.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ForwardSpec}: every form of OpenSSH's parse_forward, and what it rejects. */
class ForwardSpecTest {
    private static ForwardSpec local(String s) {
        return ForwardSpec.parse(s, false, false);
    }

    @Test
    void localForms() {
        assertEquals(new ForwardSpec(null, 8080, null, "db", 5432, null, false), local("8080:db:5432"));
        assertEquals(new ForwardSpec("127.0.0.1", 8080, null, "db", 5432, null, false), local("127.0.0.1:8080:db:5432"));
        assertEquals(new ForwardSpec("::1", 8080, null, "fe80::1", 22, null, false), local("[::1]:8080:[fe80::1]:22"));
        assertEquals(new ForwardSpec("", 8080, null, "h", 1, null, false), local(":8080:h:1"));
        assertEquals(new ForwardSpec(null, 8080, null, null, -1, "/run/db.sock", false), local("8080:/run/db.sock"));
        assertEquals(new ForwardSpec("*", 8080, null, null, -1, "/run/db.sock", false), local("*:8080:/run/db.sock"));
        assertEquals(new ForwardSpec(null, -1, "/tmp/l.sock", "h", 80, null, false), local("/tmp/l.sock:h:80"));
        assertEquals(new ForwardSpec(null, -1, "/tmp/l.sock", null, -1, "/tmp/r.sock", false), local("/tmp/l.sock:/tmp/r.sock"));
        assertEquals(new ForwardSpec(null, 80, null, "a:b", 1, null, false), local("80:a\\:b:1"), "a backslash escapes");
    }

    @Test
    void rejected() {
        for (String bad : new String[]{"", "8080", "8080:h", "x:h:1", "8080:h:0", "8080:h:70000", "0:h:1", "1:2:3:4:5",
                "[::1:8080:h:1"}) {
            assertNull(local(bad), bad);
        }
        assertNull(ForwardSpec.parse("1:2:3", true, false), "-D takes [bind:]port");
        assertNull(ForwardSpec.parse("0", true, false), "-D 0 is refused, as ssh does");
    }

    @Test
    void remoteAndDynamic() {
        assertEquals(new ForwardSpec(null, 0, null, "localhost", 80, null, false), ForwardSpec.parseRemote("0:localhost:80"));
        ForwardSpec socks = ForwardSpec.parseRemote("1080");
        assertTrue(socks.dynamic());
        assertEquals(1080, socks.listenPort());
        assertEquals(new ForwardSpec("0.0.0.0", 1080, null, null, -1, null, true), ForwardSpec.parseRemote("0.0.0.0:1080"));
        assertEquals(new ForwardSpec("127.0.0.1", 1080, null, null, -1, null, true), ForwardSpec.parse("127.0.0.1:1080", true, false));
        ForwardSpec w = ForwardSpec.parse("db.internal:5432", true, false);
        assertEquals("db.internal", w.listenHost(), "-W host:port");
        assertEquals(5432, w.listenPort());
        assertEquals("/run/x.sock", ForwardSpec.parse("/run/x.sock", true, false).listenPath(), "-W /path");
    }
}
