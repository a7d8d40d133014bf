package dev.tether.pty;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns the terminal modes of a {@code pty-req} (RFC 4254 §8, decoded by
 * {@code TerminalModes}) into {@code stty} arguments. pty4j opens the terminal with the
 * kernel's default modes and has no call to change them, so the spawner runs
 * {@code stty ARGS} on the new terminal before the command.
 *
 * <p>Applied: the control characters {@code VINTR VQUIT VERASE VKILL VEOF VEOL VEOL2 VSTART
 * VSTOP VSUSP VREPRINT VWERASE VLNEXT VDISCARD} (255 meaning disabled) and the flags
 * {@code IGNPAR PARMRK INPCK ISTRIP INLCR IGNCR ICRNL IUCLC IXON IXANY IXOFF IMAXBEL IUTF8 ISIG
 * ICANON XCASE ECHO ECHOE ECHOK ECHONL NOFLSH TOSTOP IEXTEN ECHOCTL ECHOKE OPOST OLCUC ONLCR
 * OCRNL ONOCR ONLRET CS7 CS8 PARENB PARODD}. Ignored: {@code VDSUSP VSTATUS VSWTCH VFLUSH
 * PENDIN}, which Linux's stty does not know, the line speeds {@code TTY_OP_ISPEED/OSPEED},
 * which mean nothing on a pty, and unknown opcodes. These names are GNU stty's; on a system
 * whose stty rejects one of them, stty changes nothing and the defaults stay.
 */
final class SttyModes {
    private static final Map<String, String> CHARS = Map.ofEntries(
            Map.entry("VINTR", "intr"), Map.entry("VQUIT", "quit"), Map.entry("VERASE", "erase"),
            Map.entry("VKILL", "kill"), Map.entry("VEOF", "eof"), Map.entry("VEOL", "eol"),
            Map.entry("VEOL2", "eol2"), Map.entry("VSTART", "start"), Map.entry("VSTOP", "stop"),
            Map.entry("VSUSP", "susp"), Map.entry("VREPRINT", "rprnt"), Map.entry("VWERASE", "werase"),
            Map.entry("VLNEXT", "lnext"), Map.entry("VDISCARD", "discard"));

    private static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("IGNPAR", "ignpar"), Map.entry("PARMRK", "parmrk"), Map.entry("INPCK", "inpck"),
            Map.entry("ISTRIP", "istrip"), Map.entry("INLCR", "inlcr"), Map.entry("IGNCR", "igncr"),
            Map.entry("ICRNL", "icrnl"), Map.entry("IUCLC", "iuclc"), Map.entry("IXON", "ixon"),
            Map.entry("IXANY", "ixany"), Map.entry("IXOFF", "ixoff"), Map.entry("IMAXBEL", "imaxbel"),
            Map.entry("IUTF8", "iutf8"), Map.entry("ISIG", "isig"), Map.entry("ICANON", "icanon"),
            Map.entry("XCASE", "xcase"), Map.entry("ECHO", "echo"), Map.entry("ECHOE", "echoe"),
            Map.entry("ECHOK", "echok"), Map.entry("ECHONL", "echonl"), Map.entry("NOFLSH", "noflsh"),
            Map.entry("TOSTOP", "tostop"), Map.entry("IEXTEN", "iexten"), Map.entry("ECHOCTL", "echoctl"),
            Map.entry("ECHOKE", "echoke"), Map.entry("OPOST", "opost"), Map.entry("OLCUC", "olcuc"),
            Map.entry("ONLCR", "onlcr"), Map.entry("OCRNL", "ocrnl"), Map.entry("ONOCR", "onocr"),
            Map.entry("ONLRET", "onlret"), Map.entry("PARENB", "parenb"), Map.entry("PARODD", "parodd"));

    private SttyModes() {
    }

    /** The stty arguments for {@code modes}, in their order; empty when none applies. */
    static List<String> arguments(Map<String, Integer> modes) {
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, Integer> e : modes.entrySet()) {
            String name = e.getKey();
            long value = e.getValue() & 0xffffffffL;
            String c = CHARS.get(name);
            if (c != null) {
                if (value == 255) {
                    args.add(c);
                    args.add("undef");
                } else if (value < 255) {
                    args.add(c);
                    args.add("0x" + Long.toHexString(value));
                }
                continue;
            }
            String f = FLAGS.get(name);
            if (f != null) {
                args.add(value != 0 ? f : "-" + f);
            } else if ((name.equals("CS7") || name.equals("CS8")) && value != 0) {
                args.add(name.toLowerCase(java.util.Locale.ROOT)); // a character size has no negation
            }
        }
        return args;
    }
}
