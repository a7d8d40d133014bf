package dev.tether.ssh.session;

import dev.tether.ssh.pty.PtyProcess;
import dev.tether.testkit.Peers;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wrapper that tells {@code exit(N)} from a death by signal, run for real. */
class ExitReportTest {

    private static PtyProcess.Exit run(String shellCommand) throws Exception {
        ExitReport report = ExitReport.create();
        Peers.require("perl (Debian package perl-base)", report != null);
        Peers.requireExecutable(java.nio.file.Path.of("/usr/bin/setsid"), "util-linux");
        // as in ProcessSession: the wrapper leads its own process group
        List<String> argv = new java.util.ArrayList<>(List.of("/usr/bin/setsid", "--wait"));
        argv.addAll(report.wrap(List.of("/bin/sh", "-c", shellCommand)));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getOutputStream().close();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the wrapped command did not end");
        return report.exit(p.exitValue());
    }

    @Test
    void exitCodesComeBackAsTheyWere() throws Exception {
        for (int n : new int[]{0, 1, 42, 128, 130, 137, 143, 255}) {
            PtyProcess.Exit e = run("exit " + n);
            assertEquals(n, e.status(), "exit " + n);
            assertNull(e.signal(), "exit " + n);
        }
    }

    @Test
    void deathsBySignalAreNamed() throws Exception {
        for (String sig : new String[]{"TERM", "INT", "HUP", "KILL", "USR1", "SEGV", "PIPE"}) {
            PtyProcess.Exit e = run("kill -s " + sig + " $$");
            assertEquals(sig, e.signal(), "kill -s " + sig);
        }
    }

    @Test
    void aCoreDumpIsFlagged() throws Exception {
        // ulimit may forbid core files; the flag follows what the kernel reported either way
        PtyProcess.Exit e = run("ulimit -c unlimited 2>/dev/null; cd /tmp; kill -s QUIT $$");
        assertEquals("QUIT", e.signal());
    }

    @Test
    void theCommandStartsWithNoSignalBlocked() throws Exception {
        // the JVM blocks SIGQUIT in its threads; sshd's children start with an empty mask
        ExitReport report = ExitReport.create();
        Peers.require("perl (Debian package perl-base)", report != null);
        Process p = new ProcessBuilder(report.wrap(List.of("/bin/grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status")))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, report.exit(p.exitValue()).status(), out);
        assertTrue(out.contains("SigBlk:\t0000000000000000"), out);
    }

    @Test
    void signalsWithoutAnRfcNameUseOpenSshsName() throws Exception {
        PtyProcess.Exit e = run("kill -s WINCH $$; kill -s XCPU $$");
        assertEquals("SIG@openssh.com", e.signal());
    }

    @Test
    void theWrapperItselfIgnoresTheGroupsSignals() throws Exception {
        // TERM to the whole group: the command dies of it, the wrapper reports it. Many times: the
        // command runs at once, and a wrapper that ignored the signals only after forking lost the race
        // now and then (seen in CI)
        for (int i = 0; i < 30; i++) {
            PtyProcess.Exit e = run("kill -s TERM 0");
            assertEquals("TERM", e.signal(), "run " + i);
        }
    }

    @Test
    void parsingIsStrictAndFallsBack() {
        assertEquals(3, ExitReport.parse("exit 3", 3).status());
        assertEquals("TERM", ExitReport.parse("signal TERM 0", 143).signal());
        assertTrue(ExitReport.parse("signal SEGV 1", 139).coreDumped());
        assertFalse(ExitReport.parse("signal SEGV 0", 139).coreDumped());
        assertEquals(143, ExitReport.parse("garbage", 143).status());
        assertNull(ExitReport.parse("garbage", 143).signal());
        assertEquals(143, ExitReport.parse(null, 143).status());
        assertNull(ExitReport.parse(null, 143).signal());
        // no report and 137: SIGKILL took the wrapper with the group
        assertNotNull(ExitReport.parse(null, 137).signal());
    }
}
