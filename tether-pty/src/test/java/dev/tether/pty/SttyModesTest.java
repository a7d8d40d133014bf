package dev.tether.pty;

import dev.tether.ssh.wire.TerminalModes;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SttyModesTest {
    @Test
    void charactersFlagsAndWhatIsIgnored() {
        Map<String, Integer> modes = new LinkedHashMap<>();
        modes.put("VINTR", 3);
        modes.put("VERASE", 127);
        modes.put("VEOL", 255);          // disabled
        modes.put("VDSUSP", 25);         // not on Linux
        modes.put("ECHO", 1);
        modes.put("ICANON", 0);
        modes.put("CS7", 0);             // no negation for a character size
        modes.put("CS8", 1);
        modes.put("PENDIN", 1);          // not in GNU stty
        modes.put("TTY_OP_ISPEED", 38400);
        modes.put("OP99", 1);
        assertEquals(List.of("intr", "0x3", "erase", "0x7f", "eol", "undef", "echo", "-icanon", "cs8"),
                SttyModes.arguments(modes));
    }

    @Test
    void whatOpenSshSendsDecodesToArguments() throws Exception {
        // a typical OpenSSH client's modes, encoded and decoded as on the wire
        Map<String, Integer> sent = new LinkedHashMap<>();
        sent.put("VINTR", 3);
        sent.put("VSWTCH", 0);
        sent.put("IUTF8", 1);
        sent.put("ECHOCTL", 1);
        sent.put("TTY_OP_OSPEED", 38400);
        Map<String, Integer> decoded = TerminalModes.decode(TerminalModes.encode(sent));
        assertEquals(List.of("intr", "0x3", "iutf8", "echoctl"), SttyModes.arguments(decoded));
    }

    @Test
    void valuesBeyondAByteAreDropped() {
        assertEquals(List.of(), SttyModes.arguments(Map.of("VINTR", 256)));
        assertEquals(List.of(), SttyModes.arguments(Map.of("VINTR", -1)));
    }
}
