package dev.tether.cli;

import dev.tether.sftp.SftpAttributes;
import dev.tether.sftp.SftpClient;
import dev.tether.sftp.SftpException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The command interpreter of {@code tether sftp}: OpenSSH sftp's commands on an
 * {@link SftpClient}, read a line at a time, interactively (prompt {@code sftp> }) or from a
 * batch file (each line echoed as {@code sftp> LINE}; a failure ends the batch unless the line
 * starts with {@code -}). Words are split as sftp(1) does (quotes, backslashes, glob escapes);
 * remote and local paths are globbed in every component ({@link Glob}).
 */
final class SftpShell {
    /** A command's failure; its message (if any) not yet shown. */
    static final class Failed extends Exception {
        Failed(String message) {
            super(message);
        }
    }

    /** The commands, with the flags each takes (as OpenSSH's table and getopt strings). */
    private static final Map<String, String> FLAGS = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

    static {
        for (String c : List.of("get", "mget", "put", "mput", "reget", "reput")) {
            FLAGS.put(c, "afPpRr");
        }
        for (String c : List.of("chmod", "chown", "chgrp")) {
            FLAGS.put(c, "h");
        }
        FLAGS.put("ls", "1Safhlnrt");
        FLAGS.put("dir", "1Safhlnrt");
        FLAGS.put("df", "hi");
        FLAGS.put("ln", "s");
        FLAGS.put("rename", "l");
        for (String c : List.of("bye", "exit", "quit", "cd", "chdir", "lcd", "lchdir", "copy", "cp", "help", "?", "lmkdir",
                "lpwd", "lumask", "mkdir", "progress", "pwd", "rm", "rmdir", "symlink", "version")) {
            FLAGS.put(c, "");
        }
        FLAGS.put("lls", null); // the rest of the line goes to ls(1)
    }

    private final SftpClient sftp;
    private final PrintStream out;
    private final PrintStream err;
    private final String startDir;
    private String cwd;
    private Path lcwd = Path.of("").toAbsolutePath();
    private int lumask = -1;
    private boolean progress;
    private final boolean quiet;
    private final boolean warnings;
    private final boolean defaultRecursive;
    private final boolean defaultResume;
    private final boolean defaultPreserve;

    /**
     * @param quiet    no {@code Fetching}, {@code Removing}... lines (OpenSSH's -q and batch mode)
     * @param warnings the warnings OpenSSH logs at its default level (none with -q)
     */
    SftpShell(SftpClient sftp, String cwd, boolean progress, boolean quiet, boolean warnings, boolean recursive, boolean resume,
              boolean preserve, PrintStream out, PrintStream err) {
        this.sftp = sftp;
        this.cwd = cwd;
        this.startDir = cwd;
        this.progress = progress;
        this.quiet = quiet;
        this.warnings = warnings;
        this.defaultRecursive = recursive;
        this.defaultResume = resume;
        this.defaultPreserve = preserve;
        this.out = out;
        this.err = err;
    }

    /**
     * Runs the commands of {@code in}; returns 0, or 1 when a command failed with {@code batch}.
     * {@code echo} prints each line as {@code sftp> LINE} (input that is not a terminal);
     * {@code batch} also stops at the first failure not marked with {@code -}; {@code prompt}
     * prints {@code sftp> } before reading (a terminal).
     */
    int run(BufferedReader in, boolean echoCommands, boolean batch, boolean prompt) throws IOException {
        while (true) {
            if (prompt) {
                out.print("sftp> ");
                out.flush();
            }
            String line = in.readLine();
            if (line == null) {
                if (prompt) {
                    out.println();
                }
                return 0;
            }
            int i = 0;
            while (i < line.length() && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            boolean ignoreFailure = false;
            boolean echo = echoCommands;
            for (; i < line.length() && (line.charAt(i) == '-' || line.charAt(i) == '@'); i++) {
                if (line.charAt(i) == '-') {
                    ignoreFailure = true;
                } else {
                    echo = false;
                }
            }
            if (echo) {
                out.println("sftp> " + line);
                out.flush();
            }
            String cmd = line.substring(i).strip();
            if (cmd.isEmpty() || cmd.startsWith("#")) {
                continue;
            }
            boolean quit = false;
            try {
                quit = execute(cmd);
            } catch (Failed e) {
                if (e.getMessage() != null) {
                    err.println(e.getMessage());
                }
                if (batch && !ignoreFailure) {
                    return 1;
                }
            } catch (IOException e) {
                err.println(describe(e));
                if (sftp.isClosed()) {
                    err.println("Connection closed");
                    return 1;
                }
                if (batch && !ignoreFailure) {
                    return 1;
                }
            }
            out.flush();
            if (quit) {
                return 0;
            }
        }
    }

    /**
     * Splits a command line into words as sftp(1) does: spaces separate; quotes group; outside
     * quotes a backslash escapes the next character; a backslash before a glob character
     * ({@code * ? [ \}) stays, for {@link Glob} to take as a literal (and {@link #unescape} for
     * paths that are not globbed).
     */
    static List<String> split(String line) throws Failed {
        List<String> words = new ArrayList<>();
        StringBuilder w = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            char next = i + 1 < line.length() ? line.charAt(i + 1) : 0;
            if (quote == 0 && Character.isWhitespace(c)) {
                if (w != null) {
                    words.add(w.toString());
                    w = null;
                }
                continue;
            }
            if (w == null) {
                w = new StringBuilder();
            }
            if (c == quote) {
                quote = 0;
            } else if (quote == 0 && (c == '\'' || c == '"')) {
                quote = c;
            } else if (c == '\\' && quote != 0) {
                if (next == quote) {
                    w.append(next);
                } else if (isGlobChar(next) && next != '\\') {
                    w.append("\\\\\\").append(next); // a literal backslash, then the literal glob character
                } else {
                    w.append(c).append(next);
                }
                i++;
            } else if (c == '\\') {
                if (next == 0) {
                    throw new Failed("Invalid command.");
                }
                if (isGlobChar(next)) {
                    w.append(c);
                }
                w.append(next);
                i++;
            } else {
                w.append(c);
            }
        }
        if (quote != 0) {
            throw new Failed("Unterminated quote");
        }
        if (w != null) {
            words.add(w.toString());
        }
        return words;
    }

    private static boolean isGlobChar(char c) {
        return c == '*' || c == '?' || c == '[' || c == '\\';
    }

    /** Drops the glob escapes of a path that is not globbed (OpenSSH's undo_glob_escape). */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && isGlobChar(s.charAt(i + 1))) {
                c = s.charAt(++i);
            }
            b.append(c);
        }
        return b.toString();
    }

    /** Escapes glob characters, so that a directory name can prefix a pattern. */
    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            if (isGlobChar(c)) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ commands

    /** The words of a command after its name: flags, then arguments. */
    private record Args(String cmd, String flags, List<String> words) {
        boolean has(char c) {
            return flags.indexOf(c) >= 0;
        }

        String word(int i) {
            return i < words.size() ? words.get(i) : null;
        }
    }

    /** Runs one command line (its prefixes already taken off); true for bye, exit and quit. */
    private boolean execute(String line) throws IOException, Failed {
        if (line.startsWith("!")) {
            shell(line.substring(1).strip());
            return false;
        }
        List<String> words = split(line);
        String name = words.get(0);
        if (!FLAGS.containsKey(name)) {
            throw new Failed("Invalid command.");
        }
        name = name.toLowerCase(Locale.ROOT);
        if (name.equals("lls")) {
            shell(("ls " + line.substring(line.indexOf(words.get(0)) + words.get(0).length()).strip()).strip());
            return false;
        }
        Args a = parseFlags(name, words.subList(1, words.size()));
        switch (name) {
            case "bye", "exit", "quit" -> {
                return true;
            }
            case "get", "mget", "reget" -> get(a, name.equals("reget"));
            case "put", "mput", "reput" -> put(a, name.equals("reput"));
            case "ls", "dir" -> ls(a);
            case "cd", "chdir" -> cd(a.word(0));
            case "lcd", "lchdir" -> lcd(a.word(0));
            case "pwd" -> out.println("Remote working directory: " + cwd);
            case "lpwd" -> out.println("Local working directory: " + lcwd);
            case "lmkdir" -> lmkdir(path(a, 0));
            case "lumask" -> {
                lumask = (int) number(a, 8);
                out.println(String.format("Local umask: %03o", lumask));
            }
            case "mkdir" -> {
                String p = absolute(path(a, 0));
                remote("remote mkdir \"" + p + "\"", () -> sftp.mkdir(p, 0777));
            }
            case "rmdir" -> {
                String p = absolute(path(a, 0));
                remote("remote rmdir \"" + p + "\"", () -> sftp.rmdir(p));
            }
            case "rm" -> {
                if (a.words().isEmpty()) {
                    throw new Failed("You must specify a path after a rm command.");
                }
                for (String p : remoteGlobOrSelf(a.word(0))) {
                    if (!quiet) {
                        out.println("Removing " + p);
                    }
                    remote("remote delete " + p, () -> sftp.remove(p));
                }
            }
            case "rename" -> {
                String from = absolute(path(a, 0));
                String to = absolute(path(a, 1));
                remote("remote rename \"" + from + "\" to \"" + to + "\"", () -> sftp.rename(from, to));
            }
            case "copy", "cp" -> copy(absolute(path(a, 0)), absolute(path(a, 1)));
            case "ln", "symlink" -> {
                String target = path(a, 0);
                String link = absolute(path(a, 1));
                if (name.equals("symlink") || a.has('s')) {
                    // the target is stored as typed, as sftp(1) does
                    remote("remote symlink file \"" + target + "\" to \"" + link + "\"", () -> sftp.symlink(link, target));
                } else {
                    String existing = absolute(target);
                    requireExtension("hardlink@openssh.com");
                    remote("remote link \"" + existing + "\" to \"" + link + "\"", () -> sftp.hardlink(existing, link));
                }
            }
            case "chmod" -> {
                int mode = (int) number(a, 8);
                for (String p : remoteGlobOrSelf(pathAfterNumber(a))) {
                    if (!quiet) {
                        out.println("Changing mode on " + p);
                    }
                    if (a.has('h')) {
                        requireExtension("lsetstat@openssh.com");
                        remote("remote lsetstat \"" + p + "\"", () -> sftp.chmodLink(p, mode));
                    } else {
                        remote("remote setstat \"" + p + "\"", () -> sftp.chmod(p, mode));
                    }
                }
            }
            case "chown", "chgrp" -> chown(a, name.equals("chown"));
            case "df" -> df(a);
            case "progress" -> {
                progress = !progress;
                out.println("Progress meter " + (progress ? "enabled" : "disabled"));
            }
            case "help", "?" -> help();
            case "version" -> out.println("SFTP protocol version 3");
            default -> throw new Failed("Invalid command.");
        }
        return false;
    }

    /** Takes the leading {@code -x} words that are flags of {@code cmd} (getopt's rules). */
    private static Args parseFlags(String cmd, List<String> words) throws Failed {
        String allowed = FLAGS.get(cmd);
        StringBuilder flags = new StringBuilder();
        int i = 0;
        for (; i < words.size(); i++) {
            String w = words.get(i);
            if (w.equals("--")) {
                i++;
                break;
            }
            if (!w.startsWith("-") || w.length() < 2) {
                break;
            }
            for (char c : w.substring(1).toCharArray()) {
                if (allowed.indexOf(c) < 0) {
                    throw new Failed(cmd + ": Invalid flag -" + c);
                }
                flags.append(c);
            }
        }
        return new Args(cmd, flags.toString(), List.copyOf(words.subList(i, words.size())));
    }

    /** Argument {@code i}, unescaped; missing: OpenSSH's message for the command. */
    private static String path(Args a, int i) throws Failed {
        boolean two = Set.of("rename", "copy", "cp", "ln", "symlink").contains(a.cmd());
        if (a.words().size() < (two ? 2 : i + 1)) {
            throw new Failed(two ? "You must specify two paths after a " + a.cmd() + " command."
                    : "You must specify a path after a " + a.cmd() + " command.");
        }
        return unescape(a.word(i));
    }

    private static long number(Args a, int radix) throws Failed {
        try {
            long n = Long.parseLong(a.word(0), radix);
            if (n >= 0 && n <= 0xffffffffL) {
                return n;
            }
        } catch (NumberFormatException | NullPointerException e) {
            // below
        }
        throw new Failed("You must supply a numeric argument to the " + a.cmd() + " command.");
    }

    private static String pathAfterNumber(Args a) throws Failed {
        if (a.words().size() < 2) {
            throw new Failed("You must specify a path after a " + a.cmd() + " command.");
        }
        return a.word(1);
    }

    /** A remote request whose failure OpenSSH reports as {@code WHAT: STATUS}. */
    private interface Request {
        void run() throws IOException;
    }

    private void remote(String what, Request r) throws IOException, Failed {
        try {
            r.run();
        } catch (IOException e) {
            if (sftp.isClosed()) {
                throw e;
            }
            throw new Failed(what + ": " + status(e));
        }
    }

    private void requireExtension(String name) throws Failed {
        if (!sftp.extensions().containsKey(name)) {
            throw new Failed("Server does not support " + name + " extension");
        }
    }

    private void cd(String arg) throws IOException, Failed {
        String p = arg == null || arg.isEmpty() ? startDir : absolute(unescape(arg));
        String[] real = new String[1];
        remote("realpath " + p, () -> real[0] = sftp.realpath(p));
        SftpAttributes at = statOrFail(real[0]);
        if (at.permissions() < 0) {
            throw new Failed("Can't change directory: Can't check target");
        }
        if (!at.isDirectory()) {
            throw new Failed("Can't change directory: \"" + real[0] + "\" is not a directory");
        }
        cwd = real[0];
    }

    private void lcd(String arg) throws Failed {
        String shown = arg == null || arg.isEmpty() ? "~" : unescape(arg);
        Path p = local(shown);
        if (!Files.isDirectory(p)) {
            String why = Files.exists(p) ? "Not a directory" : "No such file or directory";
            throw new Failed("Couldn't change local directory to \"" + Cli.expandTilde(shown) + "\": " + why);
        }
        lcwd = p;
    }

    private void lmkdir(String arg) throws Failed {
        Path p = local(arg);
        try {
            Files.createDirectory(p);
            if (lumask >= 0) {
                Files.setPosixFilePermissions(p, toPermissions(0777 & ~lumask));
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new Failed("Couldn't create local directory \"" + arg + "\": "
                    + (e instanceof IOException io ? strerror(io) : e.getMessage()));
        }
    }

    private static Set<java.nio.file.attribute.PosixFilePermission> toPermissions(int mode) {
        StringBuilder b = new StringBuilder();
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            b.append((mode & (0400 >> i)) != 0 ? rwx.charAt(i) : '-');
        }
        return PosixFilePermissions.fromString(b.toString());
    }

    private void copy(String from, String to) throws IOException, Failed {
        requireExtension("copy-data");
        SftpAttributes at = statOrFail(from);
        if (!at.isRegularFile()) {
            throw new Failed("Cannot copy non-regular file: " + from);
        }
        remote("Couldn't copy file \"" + from + "\" to \"" + to + "\"", () -> sftp.copy(from, to));
    }

    private void chown(Args a, boolean owner) throws IOException, Failed {
        int id = (int) number(a, 10);
        for (String p : remoteGlobOrSelf(pathAfterNumber(a))) {
            SftpAttributes at;
            try {
                at = a.has('h') ? sftp.lstat(p) : sftp.stat(p);
            } catch (IOException e) {
                throw new Failed("stat remote: " + status(e));
            }
            if (at.uid() < 0 || at.gid() < 0) {
                throw new Failed("Can't get current ownership of remote file \"" + p + "\"");
            }
            if (!quiet) {
                out.println("Changing " + (owner ? "owner" : "group") + " on " + p);
            }
            int uid = owner ? id : (int) at.uid();
            int gid = owner ? (int) at.gid() : id;
            if (a.has('h')) {
                requireExtension("lsetstat@openssh.com");
                remote("remote lsetstat \"" + p + "\"", () -> sftp.chownLink(p, uid, gid));
            } else {
                remote("remote setstat \"" + p + "\"", () -> sftp.chown(p, uid, gid));
            }
        }
    }

    private SftpAttributes statOrFail(String p) throws IOException, Failed {
        SftpAttributes[] at = new SftpAttributes[1];
        remote("stat remote", () -> at[0] = sftp.stat(p));
        return at[0];
    }

    private void shell(String command) throws IOException {
        out.flush();
        String sh = System.getenv("SHELL");
        if (sh == null || sh.isEmpty()) {
            sh = "/bin/sh";
        }
        ProcessBuilder pb = command.isEmpty() ? new ProcessBuilder(sh) : new ProcessBuilder(sh, "-c", command);
        Process p = pb.directory(lcwd.toFile()).inheritIO().start();
        try {
            int status = p.waitFor();
            if (status != 0) {
                err.println("Shell exited with status " + status);
            }
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    // ------------------------------------------------------------------ transfers

    private SftpClient.Transfer how(Args a, boolean resume) {
        return SftpClient.Transfer.DEFAULT.withResume(resume || a.has('a') || defaultResume)
                .withPreserve(a.has('p') || a.has('P') || defaultPreserve)
                .withLinks(SftpClient.Links.SKIP)
                .withFiles(progress ? 1 : SftpClient.Transfer.DEFAULT_FILES); // a bar is drawn for one file at a time
    }

    private void get(Args a, boolean reget) throws IOException, Failed {
        if (a.words().isEmpty()) {
            throw new Failed("You must specify at least one path after a " + a.cmd() + " command.");
        }
        boolean recursive = a.has('r') || a.has('R') || defaultRecursive;
        SftpClient.Transfer how = how(a, reget);
        String pattern = absoluteGlob(a.word(0));
        String dst = a.words().size() > 1 ? unescape(a.word(1)) : null;
        List<Glob.Match> sources = remoteGlob(pattern);
        if (sources.isEmpty()) {
            throw new Failed("File \"" + pattern + "\" not found.");
        }
        if (sources.size() > 1 && dst != null && !Files.isDirectory(local(dst))) {
            throw new Failed("Multiple source paths, but destination \"" + dst + "\" is not a directory");
        }
        boolean failed = false;
        for (Glob.Match m : sources) {
            String file = baseName(m.path()).equals("..") ? "." : baseName(m.path());
            String shownDst;
            if (dst == null) {
                shownDst = file;
            } else if (sources.size() == 1 && !Files.isDirectory(local(dst))) {
                shownDst = dst;
            } else {
                shownDst = join(dst, file);
            }
            if (!quiet) {
                out.println((how.resume() ? "Resuming " : "Fetching ") + m.marked() + " to " + shownDst);
            }
            Path to = local(shownDst);
            failed |= !attempt(() -> {
                if (m.directory() && recursive) {
                    sftp.downloadTree(m.path(), to, how.withProgress(treeListener(true, m.path(), m.path())));
                } else {
                    if (m.directory()) {
                        throw new Failed("download " + m.marked() + ": not a regular file");
                    }
                    ProgressBar.around(bar(file), how, h -> sftp.download(m.path(), to, h));
                    if (a.has('f')) {
                        try (FileChannel ch = FileChannel.open(to, StandardOpenOption.WRITE)) {
                            ch.force(true);
                        }
                    }
                }
            });
        }
        if (failed) {
            throw new Failed(null);
        }
    }

    private void put(Args a, boolean reput) throws IOException, Failed {
        if (a.words().isEmpty()) {
            throw new Failed("You must specify at least one path after a " + a.cmd() + " command.");
        }
        boolean recursive = a.has('r') || a.has('R') || defaultRecursive;
        SftpClient.Transfer how = how(a, reput);
        String dst = a.words().size() > 1 ? absolute(unescape(a.word(1))) : null;
        List<Glob.Match> sources = localGlob(a.word(0));
        if (sources.isEmpty()) {
            // GLOB_NOCHECK: the pattern itself, which stat then reports
            sources = List.of(new Glob.Match(unescape(a.word(0)), false));
        }
        boolean dstIsDir = dst == null || remoteIsDirectory(sftp, dst);
        if (sources.size() > 1 && dst != null && !dstIsDir) {
            throw new Failed("Multiple paths match, but destination \"" + dst + "\" is not a directory");
        }
        boolean failed = false;
        for (Glob.Match m : sources) {
            Path src = local(m.path());
            if (!Files.exists(src)) {
                err.println("stat " + m.path() + ": No such file or directory");
                failed = true;
                continue;
            }
            String file = baseName(m.path()).equals("..") ? "." : baseName(m.path());
            String to;
            if (dst == null) {
                to = absolute(file);
            } else if (sources.size() == 1 && !dstIsDir) {
                to = dst;
            } else {
                to = join(dst, file);
            }
            if (!quiet) {
                out.println((how.resume() ? "Resuming upload of " : "Uploading ") + m.marked() + " to " + to);
            }
            String target = to;
            failed |= !attempt(() -> {
                if (m.directory() && recursive) {
                    sftp.uploadTree(src, target, how.withProgress(treeListener(false, src.toString(), m.marked())));
                } else {
                    if (!Files.isRegularFile(src)) {
                        throw new Failed("local \"" + m.marked() + "\" is not a regular file");
                    }
                    ProgressBar.around(bar(file), how, h -> sftp.upload(src, target, h));
                    if (a.has('f') && sftp.extensions().containsKey("fsync@openssh.com")) {
                        try (SftpClient.RemoteFile f = sftp.open(target, Set.of(StandardOpenOption.WRITE), 0)) {
                            f.fsync();
                        }
                    }
                }
            });
        }
        if (failed) {
            throw new Failed(null);
        }
    }

    /** One transfer of a get or put. */
    private interface Step {
        void run() throws IOException, Failed;
    }

    /** Runs one transfer of a get or put: a failure is reported and gives false, so that the others still go. */
    private boolean attempt(Step step) throws IOException {
        try {
            step.run();
            return true;
        } catch (Failed e) {
            err.println(e.getMessage());
            return false;
        } catch (IOException e) {
            if (sftp.isClosed()) {
                throw e;
            }
            err.println(describe(e));
            return false;
        } finally {
            out.flush();
        }
    }

    /**
     * A tree transfer's listener: a progress bar per file (when shown), OpenSSH's line per
     * directory ({@code Retrieving DIR} or {@code Entering DIR}, a directory under {@code top}
     * shown under {@code shownTop}), and its warning for each entry left out.
     */
    private SftpClient.ProgressListener treeListener(boolean download, String top, String shownTop) {
        String verb = download ? "Retrieving" : "Entering";
        ProgressBar bar = bar(null);
        return new SftpClient.ProgressListener() {
            @Override
            public void progress(String name, long done, long total) {
                if (bar != null) {
                    bar.progress(name, done, total);
                }
            }

            @Override
            public void directory(String path) {
                if (bar != null) {
                    bar.done();
                }
                String shown = path.equals(top) ? shownTop
                        : path.startsWith(top + "/") ? join(shownTop, path.substring(top.length() + 1)) : path;
                out.println(verb + " " + shown);
                out.flush();
            }

            @Override
            public void skipped(String path) {
                if (warnings) {
                    err.println(download ? "download \"" + path + "\": not a regular file" : baseName(path) + ": not a regular file");
                }
            }
        };
    }

    private ProgressBar bar(String name) {
        return progress ? new ProgressBar(out, name) : null;
    }

    // ------------------------------------------------------------------ ls and df

    private void ls(Args a) throws IOException, Failed {
        if (a.words().isEmpty()) {
            lsDir(cwd, cwd, a);
            return;
        }
        String typed = a.word(0);
        String strip = typed.startsWith("/") ? null : cwd;
        String pattern = absoluteGlob(typed);
        List<Glob.Match> matches = remoteGlob(pattern);
        if (matches.isEmpty()) {
            throw new Failed("Can't ls: \"" + pattern + "\" not found");
        }
        if (matches.size() == 1 && matches.get(0).directory()) {
            lsDir(matches.get(0).marked(), strip, a);
            return;
        }
        List<Row> rows = new ArrayList<>();
        int width = 0;
        for (Glob.Match m : matches) {
            width = Math.max(width, m.marked().length()); // OpenSSH measures the whole paths

            try {
                rows.add(new Row(strip(m.marked(), strip), statOrLink(m.path()), null));
            } catch (IOException e) {
                err.println("no stat information for " + strip(m.marked(), strip));
            }
        }
        print(rows, a, width, true);
    }

    /** The attributes glob keeps for a match: its target's, or a dangling link's own. */
    private SftpAttributes statOrLink(String path) throws IOException {
        try {
            return sftp.stat(path);
        } catch (NoSuchFileException e) {
            return sftp.lstat(path);
        }
    }

    /** One line of a listing: the name shown, its attributes, the server's long name (or null). */
    private record Row(String name, SftpAttributes attrs, String longname) {
    }

    private void lsDir(String dir, String strip, Args a) throws IOException, Failed {
        List<Row> rows = new ArrayList<>();
        int longest = 0;
        try (SftpClient.Listing l = sftp.openDirectory(dir)) {
            while (l.hasNext()) {
                SftpClient.Entry e = l.next();
                if (e.name().startsWith(".") && !a.has('a')) {
                    continue;
                }
                longest = Math.max(longest, e.name().length());
                rows.add(new Row(strip(join(dir, e.name()), strip), e.attributes(), e.longname()));
            }
        } catch (java.io.UncheckedIOException e) {
            throw new Failed("Couldn't read directory: " + status(e.getCause()));
        } catch (IOException e) {
            if (sftp.isClosed()) {
                throw e;
            }
            throw new Failed("Couldn't read directory: " + status(e));
        }
        print(rows, a, longest + strip(dir, strip).length(), false);
    }

    /** Prints rows sorted as the flags say: long lines, or names in columns as OpenSSH does. */
    private void print(List<Row> rows, Args a, int width, boolean globbed) throws IOException {
        Comparator<Row> order = null;
        if (a.has('f')) {
            order = null;
        } else if (lastOf(a.flags(), "Stf") == 't') {
            order = Comparator.comparing((Row r) -> r.attrs().modifiedTime() == null ? Instant.EPOCH : r.attrs().modifiedTime())
                    .reversed();
        } else if (lastOf(a.flags(), "Stf") == 'S') {
            order = Comparator.comparingLong((Row r) -> r.attrs().size()).reversed();
        } else {
            order = Comparator.comparing(Row::name);
        }
        if (order != null) {
            rows.sort(a.has('r') ? order.reversed() : order);
        }
        boolean longView = a.has('l') || a.has('n');
        if (lastOf(a.flags(), "1ln") == '1') {
            longView = false;
        }
        if (longView) {
            boolean numeric = a.has('n');
            boolean names = !numeric && sftp.extensions().containsKey("users-groups-by-id@openssh.com");
            boolean ownFormat = globbed || numeric || a.has('h') || names;
            Map<Long, String> users = new TreeMap<>();
            Map<Long, String> groups = new TreeMap<>();
            if (names) {
                lookUpNames(rows, users, groups);
            }
            for (Row r : rows) {
                if (!ownFormat && r.longname() != null && !r.longname().isEmpty()) {
                    out.println(r.longname());
                } else {
                    out.println(longLine(r.name(), r.attrs(), users.get(r.attrs().uid()), groups.get(r.attrs().gid()), a.has('h')));
                }
            }
            return;
        }
        int colspace = 0;
        int columns = 1;
        if (lastOf(a.flags(), "1ln") != '1') {
            int cols = terminalWidth();
            int m = width;
            columns = Math.max(1, cols / (m + 2));
            colspace = Math.min(cols / columns, cols);
        }
        int c = 1;
        StringBuilder b = new StringBuilder();
        for (Row r : rows) {
            b.append(r.name());
            b.append(" ".repeat(Math.max(0, colspace - r.name().length())));
            if (c >= columns) {
                out.println(b);
                b.setLength(0);
                c = 1;
            } else {
                c++;
            }
        }
        if (c != 1) {
            out.println(b);
        }
    }

    private static char lastOf(String flags, String among) {
        for (int i = flags.length() - 1; i >= 0; i--) {
            if (among.indexOf(flags.charAt(i)) >= 0) {
                return flags.charAt(i);
            }
        }
        return 0;
    }

    private void lookUpNames(List<Row> rows, Map<Long, String> users, Map<Long, String> groups) throws IOException {
        int[] uids = rows.stream().mapToLong(r -> r.attrs().uid()).filter(u -> u >= 0).distinct().mapToInt(u -> (int) u).toArray();
        int[] gids = rows.stream().mapToLong(r -> r.attrs().gid()).filter(g -> g >= 0).distinct().mapToInt(g -> (int) g).toArray();
        SftpClient.IdNames n = sftp.names(uids, gids);
        for (int i = 0; i < uids.length; i++) {
            if (!n.users().get(i).isEmpty()) {
                users.put((long) uids[i], n.users().get(i));
            }
        }
        for (int i = 0; i < gids.length; i++) {
            if (!n.groups().get(i).isEmpty()) {
                groups.put((long) gids[i], n.groups().get(i));
            }
        }
    }

    private static int terminalWidth() {
        if (Tty.stdinIsTerminal()) {
            int[] size = Tty.size();
            if (size != null) {
                return size[1];
            }
        }
        return 80;
    }

    /** OpenSSH's ls_file for a remote file: mode, "?" links, owner, group, size, time, name. */
    static String longLine(String name, SftpAttributes a, String user, String group, boolean human) {
        String u = user != null ? user : Long.toString(a.uid());
        String g = group != null ? group : Long.toString(a.gid());
        String time = "";
        if (a.modifiedTime() != null) {
            Instant now = Instant.now();
            Instant t = a.modifiedTime();
            boolean recent = t.isAfter(now.minusSeconds(365L * 24 * 60 * 60 / 2)) && !t.isAfter(now);
            time = DateTimeFormatter.ofPattern(recent ? "MMM ppd HH:mm" : "MMM ppd  yyyy", Locale.ROOT)
                    .withZone(ZoneId.systemDefault()).format(t);
        }
        String size = human ? scaled(a.size()) : Long.toString(a.size());
        return String.format("%s   ? %-" + Math.max(8, u.length()) + "s %-" + Math.max(8, g.length()) + "s %8s %s %s",
                modeString(a.permissions()), u, g, size, time, name);
    }

    /** BSD strmode: the type, then rwx triplets with s/S and t/T, then a space. */
    static String modeString(int mode) {
        char type = switch (mode & 0170000) {
            case 0040000 -> 'd';
            case 0120000 -> 'l';
            case 0020000 -> 'c';
            case 0060000 -> 'b';
            case 0010000 -> 'p';
            case 0140000 -> 's';
            default -> '-';
        };
        StringBuilder b = new StringBuilder().append(type);
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            b.append((mode & (0400 >> i)) != 0 ? rwx.charAt(i) : '-');
        }
        special(b, 3, (mode & 04000) != 0, 's');
        special(b, 6, (mode & 02000) != 0, 's');
        special(b, 9, (mode & 01000) != 0, 't');
        return b.append(' ').toString();
    }

    private static void special(StringBuilder b, int at, boolean set, char c) {
        if (set) {
            b.setCharAt(at, b.charAt(at) == 'x' ? c : Character.toUpperCase(c));
        }
    }

    /** OpenBSD's fmt_scaled: at most three digits and a unit, one decimal below ten. */
    static String scaled(long n) {
        String units = "BKMGTPE";
        long abs = Math.abs(n);
        int unit = 0;
        long scale = 1;
        while (unit < units.length() - 1 && abs / 1024 >= scale) {
            scale *= 1024;
            unit++;
        }
        long number = n / scale;
        long fract = unit == 0 ? 0 : (abs % scale) / (scale / 1024);
        fract = (10 * fract + 512) / 1024;
        if (fract >= 10) {
            number += number >= 0 ? 1 : -1;
            fract = 0;
        }
        if (number == 0) {
            return "0B";
        }
        if (unit == 0 || number >= 100 || number <= -100) {
            if (fract >= 5) {
                number += number >= 0 ? 1 : -1;
            }
            return number + "" + units.charAt(unit);
        }
        return number + "." + fract + units.charAt(unit);
    }

    private void df(Args a) throws IOException, Failed {
        String p = a.words().isEmpty() ? cwd : absolute(unescape(a.word(0)));
        requireExtension("statvfs@openssh.com");
        SftpClient.StatVfs[] box = new SftpClient.StatVfs[1];
        remote("remote statvfs", () -> box[0] = sftp.statvfs(p));
        SftpClient.StatVfs v = box[0];
        String icap = v.files() == 0 ? "ERR" : String.format("%3d%%", 100 * (v.files() - v.freeFiles()) / v.files());
        String dcap = v.blocks() == 0 ? "ERR" : String.format("%3d%%", 100 * (v.blocks() - v.freeBlocks()) / v.blocks());
        long frag = v.fragmentSize();
        if (a.has('i')) {
            out.println("     Inodes        Used       Avail      (root)    %Capacity");
            out.println(String.format("%11d %11d %11d %11d         %s", v.files(), v.files() - v.freeFiles(), v.availableFiles(),
                    v.freeFiles(), icap));
        } else if (a.has('h')) {
            out.println("    Size     Used    Avail   (root)    %Capacity");
            out.println(String.format("%7sB %7sB %7sB %7sB         %s", scaled(v.blocks() * frag),
                    scaled((v.blocks() - v.freeBlocks()) * frag), scaled(v.availableBlocks() * frag), scaled(v.freeBlocks() * frag),
                    dcap));
        } else {
            out.println("        Size         Used        Avail       (root)    %Capacity");
            out.println(String.format("%12d %12d %12d %12d         %s", frag * v.blocks() / 1024,
                    frag * (v.blocks() - v.freeBlocks()) / 1024, frag * v.availableBlocks() / 1024, frag * v.freeBlocks() / 1024, dcap));
        }
    }

    private void help() {
        out.print("""
                Available commands:
                bye                                Quit sftp
                cd path                            Change remote directory to 'path'
                chgrp [-h] grp path                Change group of file 'path' to 'grp'
                chmod [-h] mode path               Change permissions of file 'path' to 'mode'
                chown [-h] own path                Change owner of file 'path' to 'own'
                copy oldpath newpath               Copy remote file
                cp oldpath newpath                 Copy remote file
                df [-hi] [path]                    Display statistics for current directory or
                                                   filesystem containing 'path'
                exit                               Quit sftp
                get [-afpR] remote [local]         Download file
                help                               Display this help text
                lcd path                           Change local directory to 'path'
                lls [ls-options [path]]            Display local directory listing
                lmkdir path                        Create local directory
                ln [-s] oldpath newpath            Link remote file (-s for symlink)
                lpwd                               Print local working directory
                ls [-1afhlnrSt] [path]             Display remote directory listing
                lumask umask                       Set local umask to 'umask'
                mkdir path                         Create remote directory
                progress                           Toggle display of progress meter
                put [-afpR] local [remote]         Upload file
                pwd                                Display remote working directory
                quit                               Quit sftp
                reget [-fpR] remote [local]        Resume download file
                rename oldpath newpath             Rename remote file
                reput [-fpR] local [remote]        Resume upload file
                rm path                            Delete remote file
                rmdir path                         Remove remote directory
                symlink oldpath newpath            Symlink remote file
                version                            Show SFTP version
                !command                           Execute 'command' in local shell
                !                                  Escape to local shell
                ?                                  Synonym for help
                """);
    }

    // ------------------------------------------------------------------ paths and globs

    /** A remote path made absolute against the working directory (not a pattern). */
    private String absolute(String p) {
        if (p.startsWith("/")) {
            return p;
        }
        return join(cwd, p);
    }

    /** A remote pattern made absolute, the working directory's own glob characters escaped. */
    private String absoluteGlob(String pattern) {
        return pattern.startsWith("/") ? pattern : join(escape(cwd), pattern);
    }

    /** {@code dir/name}, with no doubled slash. */
    static String join(String dir, String name) {
        return dir.isEmpty() ? name : dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    /** OpenSSH's path_strip: {@code path} less a leading {@code strip} directory. */
    private static String strip(String path, String strip) {
        if (strip == null || !path.startsWith(strip)) {
            return path;
        }
        int len = strip.length();
        if (!strip.endsWith("/") && path.length() > len && path.charAt(len) == '/') {
            len++;
        }
        return path.substring(len);
    }

    private Path local(String p) {
        return lcwd.resolve(Cli.expandTilde(p)).normalize();
    }

    static String baseName(String p) {
        String s = p.endsWith("/") && p.length() > 1 ? p.substring(0, p.length() - 1) : p;
        return s.substring(s.lastIndexOf('/') + 1);
    }

    static boolean remoteIsDirectory(SftpClient c, String p) throws IOException {
        try {
            return c.stat(p).isDirectory();
        } catch (NoSuchFileException | AccessDeniedException e) {
            return false;
        }
    }

    private List<Glob.Match> remoteGlob(String absolutePattern) throws IOException {
        return Glob.expand(absolutePattern, new Glob.Lister() {
            @Override
            public List<String> names(String dir) throws IOException {
                return sftp.list(dir.isEmpty() ? "." : dir).stream().map(SftpClient.Entry::name).toList();
            }

            @Override
            public Boolean isDirectory(String path) throws IOException {
                try {
                    return sftp.stat(path).isDirectory();
                } catch (NoSuchFileException e) {
                    try {
                        sftp.lstat(path); // a dangling link still matches
                        return false;
                    } catch (NoSuchFileException gone) {
                        return null;
                    }
                }
            }
        });
    }

    /** What a pattern matches remotely, or the pattern itself (unescaped) if nothing: GLOB_NOCHECK. */
    private List<String> remoteGlobOrSelf(String typed) throws IOException {
        String pattern = absoluteGlob(typed);
        List<Glob.Match> m = remoteGlob(pattern);
        return m.isEmpty() ? List.of(unescape(pattern)) : m.stream().map(Glob.Match::path).toList();
    }

    private List<Glob.Match> localGlob(String pattern) throws IOException {
        return Glob.expand(Cli.expandTilde(pattern), new Glob.Lister() {
            @Override
            public List<String> names(String dir) throws IOException {
                try (Stream<Path> s = Files.list(local(dir.isEmpty() ? "." : dir))) {
                    return s.map(p -> p.getFileName().toString()).toList();
                }
            }

            @Override
            public Boolean isDirectory(String path) {
                Path p = local(path);
                return Files.isDirectory(p) ? Boolean.TRUE
                        : Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? Boolean.FALSE : null;
            }
        });
    }

    // ------------------------------------------------------------------ errors

    /** OpenSSH's fx2txt for a remote failure. */
    static String status(IOException e) {
        if (e instanceof NoSuchFileException || e instanceof AccessDeniedException) {
            return strerror(e);
        }
        if (e instanceof SftpException s) {
            return switch (s.status()) {
                case 4 -> "Failure";
                case 5 -> "Bad message";
                case 6 -> "No connection";
                case 7 -> "Connection lost";
                case 8 -> "Operation unsupported";
                default -> s.getReason() != null ? s.getReason() : "Unknown status";
            };
        }
        if (e instanceof FileAlreadyExistsException || e instanceof DirectoryNotEmptyException || e instanceof NotDirectoryException) {
            // SftpClient's refinement of what the server said, which is the cause
            return e.getCause() instanceof IOException said ? status(said) : "Failure";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** strerror for a local failure. */
    static String strerror(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "File exists";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "Directory not empty";
        }
        if (e instanceof NotDirectoryException) {
            return "Not a directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** A failure as {@code FILE: REASON}. */
    static String describe(IOException e) {
        String file = e instanceof FileSystemException fe && fe.getFile() != null ? fe.getFile() + ": " : "";
        return file + strerror(e);
    }
}
