package dev.tether.cli;

import dev.tether.sftp.SftpAttributes;
import dev.tether.sftp.SftpClient;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The command interpreter of {@code tether sftp}: OpenSSH sftp's commands on an
 * {@link SftpClient}, read a line at a time, interactively (prompt {@code sftp> }) or from a
 * batch file (each command echoed; a failure ends the batch unless the line starts with
 * {@code -}).
 */
final class SftpShell {
    /** A command's failure, already described to the user. */
    static final class Failed extends Exception {
        Failed(String message) {
            super(message);
        }
    }

    private final SftpClient sftp;
    private final PrintStream out;
    private final PrintStream err;
    private String cwd;
    private Path lcwd = Path.of("").toAbsolutePath();
    private boolean progress;
    private final boolean defaultRecursive;
    private final boolean defaultResume;
    private final boolean defaultPreserve;

    SftpShell(SftpClient sftp, String cwd, boolean progress, boolean recursive, boolean resume, boolean preserve,
              PrintStream out, PrintStream err) {
        this.sftp = sftp;
        this.cwd = cwd;
        this.progress = progress;
        this.defaultRecursive = recursive;
        this.defaultResume = resume;
        this.defaultPreserve = preserve;
        this.out = out;
        this.err = err;
    }

    /**
     * Runs the commands of {@code in}; returns 0, or 1 when a command failed with {@code batch}.
     * {@code echo} prints each command as {@code sftp> CMD} (input that is not a terminal);
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
            String cmd = line.strip();
            if (cmd.isEmpty() || cmd.startsWith("#")) {
                continue;
            }
            boolean ignoreFailure = false;
            boolean echo = echoCommands;
            while (!cmd.isEmpty() && (cmd.charAt(0) == '-' || cmd.charAt(0) == '@')) {
                if (cmd.charAt(0) == '-') {
                    ignoreFailure = true;
                } else {
                    echo = false;
                }
                cmd = cmd.substring(1).strip();
            }
            if (echo) {
                out.println("sftp> " + cmd);
                out.flush();
            }
            List<String> words;
            try {
                words = split(cmd);
            } catch (Failed e) {
                err.println(e.getMessage());
                if (batch && !ignoreFailure) {
                    return 1;
                }
                continue;
            }
            if (words.isEmpty()) {
                continue;
            }
            String name = words.get(0);
            if (name.equals("bye") || name.equals("exit") || name.equals("quit")) {
                return 0;
            }
            try {
                execute(name, words.subList(1, words.size()));
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
        }
    }

    /** Splits a command line into words: spaces separate, quotes and backslashes as sftp(1). */
    static List<String> split(String line) throws Failed {
        List<String> words = new ArrayList<>();
        StringBuilder w = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < line.length()) {
                    w.append(line.charAt(++i));
                } else {
                    w.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                if (w == null) {
                    w = new StringBuilder();
                }
            } else if (c == '\\' && i + 1 < line.length()) {
                if (w == null) {
                    w = new StringBuilder();
                }
                w.append(line.charAt(++i));
            } else if (Character.isWhitespace(c)) {
                if (w != null) {
                    words.add(w.toString());
                    w = null;
                }
            } else {
                if (w == null) {
                    w = new StringBuilder();
                }
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

    // ------------------------------------------------------------------ commands

    private void execute(String name, List<String> args) throws IOException, Failed {
        Flags f = Flags.parse(args);
        List<String> a = f.args;
        switch (name) {
            case "get", "reget" -> get(f, name.equals("reget"));
            case "put", "reput" -> put(f, name.equals("reput"));
            case "ls", "dir" -> ls(f);
            case "cd" -> {
                String p = resolve(a.isEmpty() ? sftp.home() : a.get(0));
                SftpAttributes at = statOrFail(p);
                if (!at.isDirectory()) {
                    throw new Failed("Can't change directory: \"" + p + "\" is not a directory");
                }
                cwd = sftp.realpath(p);
            }
            case "lcd" -> {
                Path p = local(a.isEmpty() ? System.getProperty("user.home") : a.get(0));
                if (!Files.isDirectory(p)) {
                    throw new Failed("Couldn't change local directory to \"" + p + "\": No such file or directory");
                }
                lcwd = p.normalize();
            }
            case "pwd" -> out.println("Remote working directory: " + cwd);
            case "lpwd" -> out.println("Local working directory: " + lcwd);
            case "lls" -> lls(f);
            case "lmkdir" -> {
                need(a, 1, "lmkdir");
                Files.createDirectory(local(a.get(0)));
            }
            case "mkdir" -> {
                need(a, 1, "mkdir");
                sftp.mkdir(resolve(a.get(0)), 0777);
            }
            case "rmdir" -> {
                need(a, 1, "rmdir");
                sftp.rmdir(resolve(a.get(0)));
            }
            case "rm" -> {
                need(a, 1, "rm");
                for (String pattern : a) {
                    for (String p : glob(pattern)) {
                        if (!f.has('q')) {
                            out.println("Removing " + p);
                        }
                        sftp.remove(p);
                    }
                }
            }
            case "rename" -> {
                need(a, 2, "rename");
                sftp.rename(resolve(a.get(0)), resolve(a.get(1)));
            }
            case "chmod" -> {
                need(a, 2, "chmod");
                int mode;
                try {
                    mode = Integer.parseInt(a.get(0), 8);
                } catch (NumberFormatException e) {
                    throw new Failed("You must supply a numeric mode");
                }
                for (String p : globs(a.subList(1, a.size()))) {
                    out.println("Changing mode on " + p);
                    sftp.chmod(p, mode);
                }
            }
            case "chown", "chgrp" -> {
                need(a, 2, name);
                int id;
                try {
                    id = Integer.parseInt(a.get(0));
                } catch (NumberFormatException e) {
                    throw new Failed("You must supply a numeric " + (name.equals("chown") ? "user id" : "group id"));
                }
                for (String p : globs(a.subList(1, a.size()))) {
                    SftpAttributes at = sftp.stat(p);
                    out.println("Changing " + (name.equals("chown") ? "owner" : "group") + " on " + p);
                    if (name.equals("chown")) {
                        sftp.chown(p, id, (int) at.gid());
                    } else {
                        sftp.chown(p, (int) at.uid(), id);
                    }
                }
            }
            case "ln", "symlink" -> {
                need(a, 2, name);
                if (name.equals("symlink") || f.has('s')) {
                    // the target is stored as typed, as sftp(1) does for a relative target
                    sftp.symlink(resolve(a.get(1)), a.get(0));
                } else {
                    sftp.hardlink(resolve(a.get(0)), resolve(a.get(1)));
                }
            }
            case "df" -> df(f);
            case "progress" -> {
                progress = !progress;
                out.println("Progress meter " + (progress ? "enabled" : "disabled"));
            }
            case "help", "?" -> help();
            case "version" -> out.println("SFTP protocol version 3");
            default -> throw new Failed("Invalid command.");
        }
    }

    private static void need(List<String> args, int n, String cmd) throws Failed {
        if (args.size() < n) {
            throw new Failed("You must specify " + (n == 1 ? "a path" : "two paths") + " after a " + cmd + " command.");
        }
    }

    private SftpAttributes statOrFail(String p) throws IOException, Failed {
        try {
            return sftp.stat(p);
        } catch (NoSuchFileException e) {
            throw new Failed("stat " + p + ": No such file or directory");
        }
    }

    private void get(Flags f, boolean reget) throws IOException, Failed {
        if (f.args.isEmpty()) {
            throw new Failed("You must specify at least one path after a get command.");
        }
        boolean recursive = f.has('r') || f.has('R') || defaultRecursive;
        SftpClient.Transfer how = SftpClient.Transfer.DEFAULT.withResume(reget || f.has('a') || defaultResume)
                .withPreserve(f.has('p') || f.has('P') || defaultPreserve);
        List<String> sources = glob(f.args.get(0));
        Path dest = f.args.size() > 1 ? local(f.args.get(1)) : lcwd;
        boolean intoDir = Files.isDirectory(dest);
        if (sources.size() > 1 && !intoDir) {
            throw new Failed("Multiple sources: \"" + dest + "\" is not a directory");
        }
        for (String src : sources) {
            Path target = intoDir ? dest.resolve(baseName(src)) : dest;
            SftpAttributes at = sftp.stat(src);
            if (at.isDirectory()) {
                if (!recursive) {
                    throw new Failed("Cannot download non-regular file: " + src);
                }
                out.println("Fetching " + src + "/ to " + target);
                SftpTrees.downloadTree(sftp, src, target, how, this::bar);
            } else {
                out.println("Fetching " + src + " to " + target);
                SftpTrees.download(sftp, src, target, how, this::bar);
            }
        }
    }

    private void put(Flags f, boolean reput) throws IOException, Failed {
        if (f.args.isEmpty()) {
            throw new Failed("You must specify at least one path after a put command.");
        }
        boolean recursive = f.has('r') || f.has('R') || defaultRecursive;
        SftpClient.Transfer how = SftpClient.Transfer.DEFAULT.withResume(reput || f.has('a') || defaultResume)
                .withPreserve(f.has('p') || f.has('P') || defaultPreserve);
        List<Path> sources = localGlob(f.args.get(0));
        String dest = f.args.size() > 1 ? resolve(f.args.get(1)) : cwd;
        boolean intoDir = SftpTrees.isDirectory(sftp, dest);
        if (sources.size() > 1 && !intoDir) {
            throw new Failed("Multiple paths match, but destination \"" + dest + "\" is not a directory");
        }
        for (Path src : sources) {
            String target = intoDir ? join(dest, src.getFileName().toString()) : dest;
            if (Files.isDirectory(src)) {
                if (!recursive) {
                    throw new Failed("Skipping non-regular file " + src);
                }
                out.println("Uploading " + src + "/ to " + target);
                SftpTrees.uploadTree(sftp, src, target, how, this::bar);
            } else {
                out.println("Uploading " + src + " to " + target);
                SftpTrees.upload(sftp, src, target, how, this::bar);
            }
        }
    }

    private void ls(Flags f) throws IOException, Failed {
        boolean all = f.has('a');
        boolean longFormat = f.has('l') || f.has('n');
        List<String> targets = f.args.isEmpty() ? List.of(".") : f.args;
        for (String t : targets) {
            String p = resolve(t);
            List<SftpClient.Entry> entries = new ArrayList<>();
            String prefix;
            if (hasGlob(t)) {
                prefix = null;
                for (String g : glob(t)) {
                    entries.add(new SftpClient.Entry(g, null, sftp.lstat(g)));
                }
            } else {
                SftpAttributes at = statOrFail(p);
                if (!at.isDirectory()) {
                    entries.add(new SftpClient.Entry(t, null, sftp.lstat(p)));
                    prefix = null;
                } else {
                    entries.addAll(sftp.list(p));
                    prefix = t.equals(".") ? null : t;
                }
            }
            entries.sort(Comparator.comparing(SftpClient.Entry::name));
            for (SftpClient.Entry e : entries) {
                String base = baseName(e.name());
                if (!all && base.startsWith(".")) {
                    continue;
                }
                String shown = prefix == null ? e.name() : (prefix.endsWith("/") ? prefix : prefix + "/") + e.name();
                out.println(longFormat ? longLine(e, shown) : shown);
            }
        }
    }

    static String longLine(SftpClient.Entry e, String shown) {
        SftpAttributes a = e.attributes();
        String mtime = a.modifiedTime() == null ? "" : DateTimeFormatter.ofPattern("MMM dd HH:mm", Locale.ROOT)
                .withZone(ZoneId.systemDefault()).format(a.modifiedTime());
        return String.format("%s    ? %-8d %-8d %8d %s %s", modeString(a.permissions()), a.uid(), a.gid(), a.size(), mtime, shown);
    }

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
        return b.toString();
    }

    private void lls(Flags f) throws IOException, Failed {
        Path p = f.args.isEmpty() ? lcwd : local(f.args.get(0));
        if (!Files.isDirectory(p)) {
            out.println(p);
            return;
        }
        try (Stream<Path> s = Files.list(p)) {
            for (Path c : s.sorted().toList()) {
                String n = c.getFileName().toString();
                if (!f.has('a') && n.startsWith(".")) {
                    continue;
                }
                if (f.has('l')) {
                    String perms;
                    try {
                        perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(c, java.nio.file.LinkOption.NOFOLLOW_LINKS));
                    } catch (UnsupportedOperationException e) {
                        perms = "?????????";
                    }
                    char type = Files.isSymbolicLink(c) ? 'l' : Files.isDirectory(c) ? 'd' : '-';
                    out.println(type + perms + " " + Files.size(c) + " " + n);
                } else {
                    out.println(n);
                }
            }
        }
    }

    private void df(Flags f) throws IOException {
        String p = f.args.isEmpty() ? cwd : resolve(f.args.get(0));
        SftpClient.StatVfs v = sftp.statvfs(p);
        long unit = v.fragmentSize() > 0 ? v.fragmentSize() : v.blockSize();
        long size = v.blocks() * unit;
        long avail = v.availableBlocks() * unit;
        long used = (v.blocks() - v.freeBlocks()) * unit;
        int cap = size > 0 ? (int) (100 * (size - avail) / size) : 0;
        if (f.has('h')) {
            out.println(String.format("%9s %9s %9s %9s %7s", "Size", "Used", "Avail", "(root)", "%Capacity"));
            out.println(String.format("%9s %9s %9s %9s %6d%%", ProgressBar.human(size), ProgressBar.human(used),
                    ProgressBar.human(avail), ProgressBar.human(v.freeBlocks() * unit), cap));
        } else {
            out.println(String.format("%12s %12s %12s %12s %9s", "Size", "Used", "Avail", "(root)", "%Capacity"));
            out.println(String.format("%12d %12d %12d %12d %8d%%", size / 1024, used / 1024, avail / 1024,
                    v.freeBlocks() * unit / 1024, cap));
        }
    }

    private void help() {
        out.println("""
                Available commands:
                bye                                Quit sftp
                cd [path]                          Change remote directory to 'path'
                chgrp grp path                     Change group of file 'path' to 'grp'
                chmod mode path                    Change permissions of file 'path' to 'mode'
                chown own path                     Change owner of file 'path' to 'own'
                df [-h] [path]                     Display statistics for current directory or
                                                   filesystem containing 'path'
                exit                               Quit sftp
                get [-afpPr] remote [local]        Download file
                help                               Display this help text
                lcd path                           Change local directory to 'path'
                lls [-la] [path]                   Display local directory listing
                lmkdir path                        Create local directory
                ln [-s] oldpath newpath            Link remote file (-s for symlink)
                lpwd                               Print local working directory
                ls [-la] [path]                    Display remote directory listing
                mkdir path                         Create remote directory
                progress                           Toggle display of progress meter
                put [-afpPr] local [remote]        Upload file
                pwd                                Display remote working directory
                quit                               Quit sftp
                reget [-fpPr] remote [local]       Resume download file
                rename oldpath newpath             Rename remote file
                reput [-fpPr] local [remote]       Resume upload file
                rm path                            Delete remote file
                rmdir path                         Remove remote directory
                symlink oldpath newpath            Symlink remote file
                version                            Show SFTP version
                ?                                  Synonym for help""");
    }

    // ------------------------------------------------------------------ paths

    private String resolve(String p) {
        if (p.startsWith("/")) {
            return p;
        }
        if (p.equals(".")) {
            return cwd;
        }
        return join(cwd, p);
    }

    private static String join(String dir, String name) {
        return SftpTrees.join(dir, name);
    }

    private ProgressBar bar(String name) {
        return progress ? new ProgressBar(out, name) : null;
    }

    private Path local(String p) {
        return lcwd.resolve(Cli.expandTilde(p)).normalize();
    }

    static String baseName(String p) {
        String s = p.endsWith("/") && p.length() > 1 ? p.substring(0, p.length() - 1) : p;
        return s.substring(s.lastIndexOf('/') + 1);
    }

    private static boolean hasGlob(String p) {
        return p.indexOf('*') >= 0 || p.indexOf('?') >= 0 || p.indexOf('[') >= 0;
    }

    private List<String> globs(List<String> patterns) throws IOException, Failed {
        List<String> all = new ArrayList<>();
        for (String p : patterns) {
            all.addAll(glob(p));
        }
        return all;
    }

    /** Remote paths matching a pattern whose last component may hold {@code * ? [..]}. */
    private List<String> glob(String pattern) throws IOException, Failed {
        String p = resolve(pattern);
        if (!hasGlob(baseName(p))) {
            return List.of(p);
        }
        int slash = p.lastIndexOf('/');
        String dir = slash == 0 ? "/" : p.substring(0, slash);
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + p.substring(slash + 1));
        List<String> out = new ArrayList<>();
        for (SftpClient.Entry e : sftp.list(dir)) {
            if (e.name().equals(".") || e.name().equals("..")) {
                continue;
            }
            if (e.name().startsWith(".") && !baseName(p).startsWith(".")) {
                continue;
            }
            if (m.matches(Path.of(e.name()))) {
                out.add(join(dir, e.name()));
            }
        }
        if (out.isEmpty()) {
            throw new Failed("File \"" + p + "\" not found.");
        }
        out.sort(null);
        return out;
    }

    private List<Path> localGlob(String pattern) throws IOException, Failed {
        Path p = local(pattern);
        String name = p.getFileName() == null ? "" : p.getFileName().toString();
        if (!hasGlob(name)) {
            if (!Files.exists(p)) {
                throw new Failed("stat local \"" + p + "\": No such file or directory");
            }
            return List.of(p);
        }
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + name);
        List<Path> out;
        try (Stream<Path> s = Files.list(p.getParent())) {
            out = s.filter(c -> m.matches(c.getFileName())).sorted().toList();
        }
        if (out.isEmpty()) {
            throw new Failed("File \"" + p + "\" not found.");
        }
        return out;
    }

    static String describe(IOException e) {
        String file = e instanceof java.nio.file.FileSystemException fe && fe.getFile() != null ? fe.getFile() + ": " : "";
        if (e instanceof NoSuchFileException) {
            return file + "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return file + "Permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return file + "File exists";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return file + "Directory not empty";
        }
        if (e instanceof NotDirectoryException) {
            return file + "Not a directory";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** A command's single-letter flags, then its arguments. */
    record Flags(String letters, List<String> args) {
        static Flags parse(List<String> words) {
            StringBuilder l = new StringBuilder();
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
                l.append(w, 1, w.length());
            }
            return new Flags(l.toString(), List.copyOf(words.subList(i, words.size())));
        }

        boolean has(char c) {
            return letters.indexOf(c) >= 0;
        }
    }
}
