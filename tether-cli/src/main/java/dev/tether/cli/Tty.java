package dev.tether.cli;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The controlling terminal, through {@code /dev/tty} and {@code stty(1)}: Java cannot call
 * {@code isatty}, {@code tcsetattr} or {@code ioctl(TIOCGWINSZ)} itself, so the tools ask
 * {@code test} and {@code stty} (POSIX, always present where a terminal is). Prompts go to the
 * terminal, never to stdout, as OpenSSH's {@code read_passphrase} does.
 */
final class Tty {
    private static final File DEV_TTY = new File("/dev/tty");
    private static final long STTY_TIMEOUT_SECONDS = 5;
    private static volatile Boolean stdinIsTerminal;

    private Tty() {
    }

    /** Whether stdin is a terminal ({@code test -t 0}, or the JVM's console). Cached. */
    static boolean stdinIsTerminal() {
        Boolean b = stdinIsTerminal;
        if (b == null) {
            b = Cli.hasConsole() || testStdin();
            stdinIsTerminal = b;
        }
        return b;
    }

    private static volatile Boolean stdoutIsTerminal;

    /** Whether stdout is a terminal ({@code test -t 1}). Cached. */
    static boolean stdoutIsTerminal() {
        Boolean b = stdoutIsTerminal;
        if (b == null) {
            b = false;
            try {
                Process p = new ProcessBuilder("test", "-t", "1").redirectOutput(ProcessBuilder.Redirect.INHERIT)
                        .redirectInput(ProcessBuilder.Redirect.PIPE).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(STTY_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    b = p.exitValue() == 0;
                } else {
                    p.destroyForcibly();
                }
            } catch (IOException e) {
                b = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stdoutIsTerminal = b;
        }
        return b;
    }

    private static boolean testStdin() {
        try {
            Process p = new ProcessBuilder("test", "-t", "0").redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(STTY_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Whether a person can be asked something: stdin is a terminal and {@code /dev/tty} opens.
     * Tests and pipelines (stdin a pipe or a file) never get a prompt, so they never hang on one.
     */
    static boolean canPrompt() {
        if (!stdinIsTerminal()) {
            return false;
        }
        if (Cli.hasConsole()) {
            return true;
        }
        try {
            new FileInputStream(DEV_TTY).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs {@code stty ARGS} on the terminal and returns its output, trimmed. */
    static String stty(String... args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add("stty");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectInput(DEV_TTY).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(STTY_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("stty " + String.join(" ", args) + " did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running stty", e);
        }
        String text = new String(out, Charset.defaultCharset()).trim();
        if (p.exitValue() != 0) {
            throw new IOException("stty " + String.join(" ", args) + " failed: " + text);
        }
        return text;
    }

    /** The terminal's size as {rows, columns}, or null if it cannot be read or is 0x0. */
    static int[] size() {
        try {
            String[] f = stty("size").split("\\s+");
            int rows = Integer.parseInt(f[0]);
            int cols = Integer.parseInt(f[1]);
            return rows > 0 && cols > 0 ? new int[]{rows, cols} : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The terminal's modes as RFC 4254 §8 names (what OpenSSH's client sends in a pty-req),
     * from {@code stty -a}; empty if it cannot be read.
     */
    static Map<String, Integer> modes() {
        try {
            return parseModes(stty("-a"));
        } catch (IOException e) {
            return Map.of();
        }
    }

    private static final Map<String, String> CHARS = Map.ofEntries(
            Map.entry("intr", "VINTR"), Map.entry("quit", "VQUIT"), Map.entry("erase", "VERASE"),
            Map.entry("kill", "VKILL"), Map.entry("eof", "VEOF"), Map.entry("eol", "VEOL"), Map.entry("eol2", "VEOL2"),
            Map.entry("start", "VSTART"), Map.entry("stop", "VSTOP"), Map.entry("susp", "VSUSP"),
            Map.entry("dsusp", "VDSUSP"), Map.entry("rprnt", "VREPRINT"), Map.entry("werase", "VWERASE"),
            Map.entry("lnext", "VLNEXT"), Map.entry("discard", "VDISCARD"), Map.entry("swtch", "VSWTCH"),
            Map.entry("status", "VSTATUS"));

    private static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("ignpar", "IGNPAR"), Map.entry("parmrk", "PARMRK"), Map.entry("inpck", "INPCK"),
            Map.entry("istrip", "ISTRIP"), Map.entry("inlcr", "INLCR"), Map.entry("igncr", "IGNCR"),
            Map.entry("icrnl", "ICRNL"), Map.entry("iuclc", "IUCLC"), Map.entry("ixon", "IXON"),
            Map.entry("ixany", "IXANY"), Map.entry("ixoff", "IXOFF"), Map.entry("imaxbel", "IMAXBEL"),
            Map.entry("iutf8", "IUTF8"), Map.entry("isig", "ISIG"), Map.entry("icanon", "ICANON"),
            Map.entry("xcase", "XCASE"), Map.entry("echo", "ECHO"), Map.entry("echoe", "ECHOE"),
            Map.entry("echok", "ECHOK"), Map.entry("echonl", "ECHONL"), Map.entry("noflsh", "NOFLSH"),
            Map.entry("tostop", "TOSTOP"), Map.entry("iexten", "IEXTEN"), Map.entry("echoctl", "ECHOCTL"),
            Map.entry("echoke", "ECHOKE"), Map.entry("pendin", "PENDIN"), Map.entry("opost", "OPOST"),
            Map.entry("olcuc", "OLCUC"), Map.entry("onlcr", "ONLCR"), Map.entry("ocrnl", "OCRNL"),
            Map.entry("onocr", "ONOCR"), Map.entry("onlret", "ONLRET"), Map.entry("parenb", "PARENB"),
            Map.entry("parodd", "PARODD"));

    /**
     * Parses {@code stty -a} output (GNU or BSD style): {@code name = ^C;} control characters,
     * {@code [-]flag} words, {@code speed N baud}.
     */
    static Map<String, Integer> parseModes(String sttyA) {
        Map<String, Integer> modes = new LinkedHashMap<>();
        String[] tokens = sttyA.replace(';', ' ').split("\\s+");
        for (int i = 0; i < tokens.length; i++) {
            String t = tokens[i];
            if (i + 2 < tokens.length && tokens[i + 1].equals("=") && CHARS.containsKey(t)) {
                Integer c = controlChar(tokens[i + 2]);
                if (c != null) {
                    modes.put(CHARS.get(t), c);
                }
                i += 2;
            } else if (t.equals("speed") && i + 1 < tokens.length && tokens[i + 1].matches("\\d+")) {
                int speed = Integer.parseInt(tokens[i + 1]);
                modes.put("TTY_OP_ISPEED", speed);
                modes.put("TTY_OP_OSPEED", speed);
            } else if (t.equals("cs7") || t.equals("cs8")) {
                modes.put(t.equals("cs7") ? "CS7" : "CS8", 1);
            } else {
                boolean off = t.startsWith("-");
                String name = FLAGS.get(off ? t.substring(1) : t);
                if (name != null) {
                    modes.put(name, off ? 0 : 1);
                }
            }
        }
        return modes;
    }

    /** {@code ^C} → 3, {@code ^?} → 127, {@code <undef>} → 255 (_POSIX_VDISABLE as OpenSSH sends it), a literal char. */
    private static Integer controlChar(String s) {
        if (s.equals("<undef>") || s.equals("undef")) {
            return 255;
        }
        if (s.length() == 2 && s.charAt(0) == '^') {
            char c = s.charAt(1);
            return c == '?' ? 127 : (Character.toUpperCase(c) & 0x1f);
        }
        if (s.length() == 1) {
            return (int) s.charAt(0);
        }
        return null;
    }

    /** Reads a line from the terminal with echo off (a password or passphrase); null at EOF or without a terminal. */
    static char[] readSecret(String prompt) {
        Console c = Cli.hasConsole() ? System.console() : null;
        if (c != null) {
            return c.readPassword("%s", prompt);
        }
        String saved = null;
        try (InputStream in = new FileInputStream(DEV_TTY); OutputStream out = new FileOutputStream(DEV_TTY)) {
            out.write(prompt.getBytes(Charset.defaultCharset()));
            out.flush();
            saved = stty("-g");
            stty("-echo");
            String line = readLine(in);
            out.write('\n');
            return line == null ? null : line.toCharArray();
        } catch (IOException e) {
            return null;
        } finally {
            if (saved != null) {
                try {
                    stty(saved);
                } catch (IOException ignored) {
                    // the terminal is gone
                }
            }
        }
    }

    /** Reads a line from the terminal with echo on; null at EOF or without a terminal. */
    static String readVisible(String prompt) {
        Console c = Cli.hasConsole() ? System.console() : null;
        if (c != null) {
            return c.readLine("%s", prompt);
        }
        try (InputStream in = new FileInputStream(DEV_TTY); OutputStream out = new FileOutputStream(DEV_TTY)) {
            out.write(prompt.getBytes(Charset.defaultCharset()));
            out.flush();
            return readLine(in);
        } catch (IOException e) {
            return null;
        }
    }

    /** Writes a message to the terminal (for prompts' instructions); falls back to stderr. */
    static void show(String text) {
        Console c = Cli.hasConsole() ? System.console() : null;
        if (c != null) {
            c.printf("%s", text);
            c.flush();
            return;
        }
        try (OutputStream out = new FileOutputStream(DEV_TTY)) {
            out.write(text.getBytes(Charset.defaultCharset()));
        } catch (IOException e) {
            System.err.print(text);
            System.err.flush();
        }
    }

    /** Reads bytes up to a newline (not included; a CR before it is dropped); null at EOF with nothing read. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int b;
        boolean any = false;
        while ((b = in.read()) >= 0) {
            any = true;
            if (b == '\n') {
                break;
            }
            buf.write(b);
        }
        if (!any) {
            return null;
        }
        String s = buf.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}
