package dev.tether.cli;

import dev.tether.sftp.ScpClient;
import dev.tether.sftp.SftpAttributes;
import dev.tether.sftp.SftpClient;
import dev.tether.ssh.Transport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code tether scp}: OpenSSH 9's scp. Operands are local paths or {@code [USER@]HOST:PATH};
 * files go over SFTP ({@link SftpClient}) by default, over the legacy protocol
 * ({@link ScpClient}) with {@code -O}. Remote to remote always passes through this machine
 * (a temporary directory), as {@code -3} asks. Connections as {@code tether ssh} makes them
 * ({@link RemoteLogin}), one per host. Exits 0, or 1 when anything failed.
 */
@Command(name = "scp", mixinStandardHelpOptions = true, versionProvider = Tether.Version.class, sortOptions = false,
        separator = " ",
        customSynopsis = {"tether scp [-3Opqr] [-F CONFIG] [-i IDENTITY] [-o KEY=VALUE] [-P PORT] SRC... DST"},
        description = {"Copy files between hosts, over SFTP (or the legacy SCP protocol with -O)."})
final class ScpCommand implements Callable<Integer> {
    @Mixin
    RemoteLogin login = new RemoteLogin();

    @Option(names = "-r", description = "copy directories recursively")
    boolean recursive;

    @Option(names = "-p", description = "keep modification times and modes")
    boolean preserve;

    @Option(names = "-q", description = "quiet: no progress meter")
    boolean quiet;

    @Option(names = "-O", description = "use the legacy SCP protocol instead of SFTP")
    boolean legacy;

    @Option(names = "-3", description = "copy between two remote hosts through this one (always so here)")
    boolean throughLocal;

    @Parameters(paramLabel = "SRC... DST", arity = "2..*")
    List<String> operands = new ArrayList<>();

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    private final Map<String, Transport> transports = new LinkedHashMap<>();
    private final Map<String, SftpClient> clients = new LinkedHashMap<>();
    private boolean progress;

    /** An operand: a host ({@code null} for a local path) and a path. */
    record Operand(String host, String path) {
        static Operand parse(String s) {
            int colon = SftpCommand.remoteColon(s);
            if (colon <= 0 || s.startsWith("/") || s.startsWith("./")) {
                return new Operand(null, s);
            }
            String host = s.substring(0, colon);
            if (host.startsWith("[") || host.contains("@[")) {
                host = host.replace("[", "").replace("]", "");
            }
            return new Operand(host, s.substring(colon + 1));
        }
    }

    @Override
    public Integer call() {
        Cli.configureLogging(0);
        progress = !quiet && Tty.stdoutIsTerminal();
        List<Operand> sources = operands.subList(0, operands.size() - 1).stream().map(Operand::parse).toList();
        Operand dst = Operand.parse(operands.get(operands.size() - 1));
        int status = 0;
        try {
            if (dst.host() == null) {
                for (Operand s : sources) {
                    if (s.host() == null) {
                        status |= localCopy(Path.of(s.path()), Path.of(dst.path()));
                    } else {
                        status |= download(s, Path.of(dst.path()));
                    }
                }
            } else {
                List<Path> locals = sources.stream().filter(s -> s.host() == null).map(s -> Path.of(s.path())).toList();
                if (!locals.isEmpty()) {
                    status |= upload(locals, dst);
                }
                for (Operand s : sources) {
                    if (s.host() != null) {
                        status |= remoteToRemote(s, dst);
                    }
                }
            }
        } finally {
            clients.values().forEach(SftpClient::close);
            transports.values().forEach(Transport::close);
        }
        return status;
    }

    private Transport transport(String host) throws Failure {
        Transport t = transports.get(host);
        if (t == null) {
            t = login.open(host, quiet, List.of(), err);
            if (t == null) {
                throw new Failure();
            }
            transports.put(host, t);
        }
        return t;
    }

    private SftpClient sftp(String host) throws Failure, IOException {
        SftpClient c = clients.get(host);
        if (c == null) {
            c = SftpClient.open(transport(host));
            clients.put(host, c);
        }
        return c;
    }

    /** A failure already reported. */
    private static final class Failure extends Exception {
    }

    private int localCopy(Path from, Path to) {
        try {
            Path target = Files.isDirectory(to) ? to.resolve(from.getFileName()) : to;
            Files.copy(from, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return 0;
        } catch (IOException e) {
            err.println("scp: " + SftpShell.describe(e));
            return 1;
        }
    }

    private int upload(List<Path> locals, Operand dst) {
        try {
            if (legacy) {
                ProgressBar bar = bar(locals.size() == 1 ? locals.get(0).getFileName().toString() : "");
                ScpClient.upload(transport(dst.host()), locals, dst.path(), recursive, preserve, bar);
                done(bar);
                return 0;
            }
            SftpClient c = sftp(dst.host());
            String target = dst.path().isEmpty() ? "." : dst.path();
            boolean intoDir = SftpShell.remoteIsDirectory(c, target);
            if (locals.size() > 1 && !intoDir) {
                err.println("scp: " + target + ": Not a directory");
                return 1;
            }
            int status = 0;
            for (Path p : locals) {
                String to = intoDir ? SftpShell.join(target, p.getFileName().toString()) : target;
                try {
                    if (Files.isDirectory(p)) {
                        if (!recursive) {
                            err.println("scp: " + p + ": not a regular file");
                            status = 1;
                            continue;
                        }
                        ProgressBar.around(bar(null), how(), how -> c.uploadTree(p, to, how));
                    } else {
                        ProgressBar.around(bar(p.getFileName().toString()), how(), how -> c.upload(p, to, how));
                    }
                } catch (IOException e) {
                    err.println("scp: " + SftpShell.describe(e));
                    status = 1;
                }
            }
            return status;
        } catch (Failure f) {
            return 1;
        } catch (IOException e) {
            err.println("scp: " + SftpShell.describe(e));
            return 1;
        }
    }

    private int download(Operand src, Path target) {
        try {
            if (legacy) {
                ProgressBar bar = bar(SftpShell.baseName(src.path()));
                ScpClient.download(transport(src.host()), src.path(), target, recursive, preserve, bar);
                done(bar);
                return 0;
            }
            SftpClient c = sftp(src.host());
            String path = src.path().isEmpty() ? "." : src.path();
            SftpAttributes a = c.stat(path);
            Path to = Files.isDirectory(target) ? target.resolve(SftpShell.baseName(path)) : target;
            if (a.isDirectory()) {
                if (!recursive) {
                    err.println("scp: " + path + ": not a regular file");
                    return 1;
                }
                ProgressBar.around(bar(null), how(), how -> c.downloadTree(path, to, how));
            } else {
                ProgressBar.around(bar(SftpShell.baseName(path)), how(), how -> c.download(path, to, how));
            }
            return 0;
        } catch (Failure f) {
            return 1;
        } catch (IOException e) {
            err.println("scp: " + SftpShell.describe(e));
            return 1;
        }
    }

    /** Remote to remote through a temporary local directory (scp -3). */
    private int remoteToRemote(Operand src, Operand dst) {
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("tether-scp-");
            int s = download(src, tmp);
            if (s != 0) {
                return s;
            }
            List<Path> got;
            try (Stream<Path> list = Files.list(tmp)) {
                got = list.toList();
            }
            return upload(got, dst);
        } catch (IOException e) {
            err.println("scp: " + SftpShell.describe(e));
            return 1;
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }

    /** scp -r follows symbolic links, as OpenSSH's does. */
    private SftpClient.Transfer how() {
        return SftpClient.Transfer.DEFAULT.withPreserve(preserve).withLinks(SftpClient.Links.FOLLOW)
                .withFiles(progress ? 1 : SftpClient.Transfer.DEFAULT_FILES); // a bar is drawn for one file at a time
    }

    private ProgressBar bar(String name) {
        return progress ? new ProgressBar(out, name) : null;
    }

    private static void done(ProgressBar bar) {
        if (bar != null) {
            bar.done();
        }
    }
}
