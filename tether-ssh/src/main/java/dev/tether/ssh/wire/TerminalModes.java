package dev.tether.ssh.wire;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encoded terminal modes, RFC 4254 §8: a sequence of {@code byte opcode || uint32 argument}
 * ended by TTY_OP_END (0). Opcodes 1–159 are known by name; 160–255 would carry other argument
 * types, so decoding stops at the first of them, as OpenSSH does.
 */
public final class TerminalModes {
    private static final String[] NAMES = new String[256];

    static {
        String[][] table = {
                {"1", "VINTR"}, {"2", "VQUIT"}, {"3", "VERASE"}, {"4", "VKILL"}, {"5", "VEOF"}, {"6", "VEOL"},
                {"7", "VEOL2"}, {"8", "VSTART"}, {"9", "VSTOP"}, {"10", "VSUSP"}, {"11", "VDSUSP"}, {"12", "VREPRINT"},
                {"13", "VWERASE"}, {"14", "VLNEXT"}, {"15", "VFLUSH"}, {"16", "VSWTCH"}, {"17", "VSTATUS"},
                {"18", "VDISCARD"}, {"30", "IGNPAR"}, {"31", "PARMRK"}, {"32", "INPCK"}, {"33", "ISTRIP"},
                {"34", "INLCR"}, {"35", "IGNCR"}, {"36", "ICRNL"}, {"37", "IUCLC"}, {"38", "IXON"}, {"39", "IXANY"},
                {"40", "IXOFF"}, {"41", "IMAXBEL"}, {"42", "IUTF8"}, {"50", "ISIG"}, {"51", "ICANON"}, {"52", "XCASE"},
                {"53", "ECHO"}, {"54", "ECHOE"}, {"55", "ECHOK"}, {"56", "ECHONL"}, {"57", "NOFLSH"}, {"58", "TOSTOP"},
                {"59", "IEXTEN"}, {"60", "ECHOCTL"}, {"61", "ECHOKE"}, {"62", "PENDIN"}, {"70", "OPOST"},
                {"71", "OLCUC"}, {"72", "ONLCR"}, {"73", "OCRNL"}, {"74", "ONOCR"}, {"75", "ONLRET"}, {"90", "CS7"},
                {"91", "CS8"}, {"92", "PARENB"}, {"93", "PARODD"}, {"128", "TTY_OP_ISPEED"}, {"129", "TTY_OP_OSPEED"}};
        for (String[] e : table) {
            NAMES[Integer.parseInt(e[0])] = e[1];
        }
    }

    private TerminalModes() {
    }

    /** Decodes modes; unknown opcodes below 160 are kept as {@code OPn}. */
    public static Map<String, Integer> decode(byte[] encoded) throws SshException {
        Map<String, Integer> out = new LinkedHashMap<>();
        SshReader r = new SshReader(encoded);
        while (r.hasRemaining()) {
            int op = r.byteValue();
            if (op == 0 || op >= 160) {
                break;
            }
            int arg = r.uint32();
            out.put(NAMES[op] != null ? NAMES[op] : "OP" + op, arg);
        }
        return out;
    }

    public static byte[] encode(Map<String, Integer> modes) {
        SshWriter w = new SshWriter();
        for (Map.Entry<String, Integer> e : modes.entrySet()) {
            int op = opcode(e.getKey());
            if (op > 0) {
                w.byteValue(op).uint32(e.getValue());
            }
        }
        w.byteValue(0);
        return w.toByteArray();
    }

    private static int opcode(String name) {
        for (int i = 1; i < 160; i++) {
            if (name.equals(NAMES[i])) {
                return i;
            }
        }
        if (name.startsWith("OP")) {
            try {
                int op = Integer.parseInt(name.substring(2));
                return op > 0 && op < 160 ? op : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }
}
