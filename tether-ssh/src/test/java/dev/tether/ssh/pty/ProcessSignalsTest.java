package dev.tether.ssh.pty;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcessSignalsTest {
    @TempDir
    Path dir;

    @Test
    void pgrpIsReadAfterACommandNameWithSpacesAndParentheses() throws IOException {
        Files.writeString(dir.resolve("stat"), "4242 (a) b (c)) S 17 4200 4200 34816 4242 4194304 110 0 0 0\n");
        assertEquals(4200, ProcessSignals.pgrp(dir));
        assertEquals(-1, ProcessSignals.pgrp(dir.resolve("gone")), "a process that ended meanwhile");
    }

    @Test
    void groupMembersFindsEveryProcessOfAGroupAndNoOther() throws Exception {
        // setsid makes the shell lead a new group, with two sleeps in it
        Process p = new ProcessBuilder("setsid", "sh", "-c", "sleep 30 & sleep 30 & echo ready; wait").start();
        try {
            assertEquals("ready", new String(p.getInputStream().readNBytes(5)));
            List<ProcessHandle> members = ProcessSignals.groupMembers(p.pid());
            assertEquals(3, members.size(), members.toString());
            assertTrue(members.stream().anyMatch(h -> h.pid() == p.pid()));
            assertEquals(List.of(), ProcessSignals.groupMembers(Integer.MAX_VALUE), "no such group");
        } finally {
            ProcessSignals.send(p.pid(), "KILL", true);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void unknownNamesAndLowPidsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ProcessSignals.send(12345, "STOP", false));
        assertThrows(IllegalArgumentException.class, () -> ProcessSignals.send(1, "TERM", true));
    }
}
