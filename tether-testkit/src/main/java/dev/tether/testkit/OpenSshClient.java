package dev.tether.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The OpenSSH client against a server on 127.0.0.1: builds {@code ssh} (and {@code sftp}) command
 * lines and runs them with a deadline. Every run is {@code ssh -F /dev/null} (no config of the
 * machine) with {@code -vvv} (see {@link Invocation#verbose}), {@code BatchMode=yes} (no when a
 * password is given, which {@code sshpass -e} answers), its own known_hosts file in this client's
 * directory (a fresh one per invocation unless {@link Invocation#knownHosts} names one) with
 * {@code StrictHostKeyChecking=accept-new}, {@code IdentitiesOnly=yes} when identities are
 * given, and no agent of the machine (SSH_AUTH_SOCK removed unless the invocation sets it).
 * Options the test sets replace these defaults.
 *
 * <p>Threading: a client may be shared by threads; each {@link Invocation} belongs to one.
 * Cleans up: a run is killed (with its descendants) at its deadline; a {@link #start started} ssh
 * is the caller's to close; {@link #close()} deletes the client's directory if the client made it.
 */
public final class OpenSshClient implements AutoCloseable {
    private final Path dir;
    private final boolean ownsDir;
    private final AtomicInteger runs = new AtomicInteger();

    /** A client with a temp dir of its own (deleted on close); requires ssh. */
    public OpenSshClient() {
        Peers.requireSsh();
        this.dir = TempDirs.create("tether-ssh-");
        this.ownsDir = true;
    }

    /** A client whose files (known_hosts, output) go to the caller's {@code dir}, which close leaves alone; requires ssh. */
    public OpenSshClient(Path dir) {
        Peers.requireSsh();
        this.dir = dir;
        this.ownsDir = false;
    }

    public Path dir() {
        return dir;
    }

    /** {@code ssh -Q WHAT}: the algorithms this ssh supports, e.g. for {@code kex}, {@code cipher}, {@code mac}, {@code key-sig}. */
    public static List<String> query(String what) {
        Peers.requireSsh();
        try {
            Processes.Result r = Processes.run(List.of(Peers.SSH.toString(), "-Q", what), Map.of(), null, null, Duration.ofSeconds(20));
            if (r.exitCode() != 0) {
                throw new IllegalStateException("ssh -Q " + what + " failed: " + r.describe());
            }
            return r.stdout().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The line {@code ssh -v} logs once it has authenticated to a server on 127.0.0.1:{@code port} with {@code method}. */
    public static String authenticated(int port, String method) {
        return "Authenticated to 127.0.0.1 ([127.0.0.1]:" + port + ") using \"" + method + "\".";
    }

    /** The key blobs of a known_hosts file (for example the one ssh wrote with accept-new); empty if there is none. */
    public static List<byte[]> knownHostKeys(Path knownHosts) throws IOException {
        if (!Files.exists(knownHosts)) {
            return List.of();
        }
        List<byte[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(knownHosts)) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3) {
                out.add(Base64.getDecoder().decode(f[2]));
            }
        }
        return out;
    }

    /** {@code ssh [options] -p PORT USER@127.0.0.1 [command]}, to be configured and run. */
    public Invocation to(int port, String user) {
        return new Invocation("ssh", port, null, user);
    }

    /**
     * A client multiplexed over the ControlMaster at {@code controlPath} ({@code -S}); it cannot
     * connect by itself ({@code ControlMaster=no}, {@code ProxyCommand=/bin/false}).
     */
    public Invocation mux(Path controlPath, String user) {
        return new Invocation("ssh", -1, controlPath, user);
    }

    /** {@code sftp [options] -P PORT USER@127.0.0.1}; give it a batch file with {@link Invocation#args}({@code "-b", FILE}). */
    public Invocation sftp(int port, String user) {
        return new Invocation("sftp", port, null, user);
    }

    /** {@code ssh -S CONTROL -O OPERATION USER@127.0.0.1} (e.g. {@code check}, {@code exit}), bounded. */
    public Processes.Result control(Path controlPath, String operation, String user) throws IOException {
        return Processes.run(List.of(Peers.SSH.toString(), "-F", "/dev/null", "-S", controlPath.toString(), "-O", operation,
                user + "@" + FreePorts.LOOPBACK), Processes.withoutAgent(Map.of()), null, dir, Duration.ofSeconds(10));
    }

    /**
     * Waits (bounded) until a started ControlMaster ({@link Invocation#master}) accepts clients
     * ({@code -O check} succeeds); false if it exits or the time runs out.
     */
    public boolean awaitMaster(Processes.Running master, Path controlPath, String user, Duration timeout) {
        return Poll.until(() -> {
            try {
                return !master.isAlive() || (Files.exists(controlPath) && control(controlPath, "check", user).exitCode() == 0);
            } catch (IOException e) {
                return false;
            }
        }, timeout, Duration.ofMillis(50), master.process()) && master.isAlive();
    }

    /** One command line to build; {@link #run()} or {@link #start()} it. Not thread-safe. */
    public final class Invocation {
        private final String program;
        private final int port;
        private final Path controlPath;
        private final String user;
        private final List<String> identities = new ArrayList<>();
        private final Map<String, String> options = new LinkedHashMap<>();
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private String password;
        private List<String> command = List.of("true");
        private boolean noCommand;
        private boolean tty;
        private int verbose = 3;
        private Path log;
        private Path stdin;
        private Path knownHosts;
        private Duration timeout = Duration.ofSeconds(30);

        private Invocation(String program, int port, Path controlPath, String user) {
            this.program = program;
            this.port = port;
            this.controlPath = controlPath;
            this.user = user;
            this.knownHosts = dir.resolve("known_hosts_" + runs.incrementAndGet());
        }

        /** {@code -i KEY} (with IdentitiesOnly=yes unless an {@link #option} says otherwise). */
        public Invocation identity(Path key) {
            identities.add(key.toString());
            return this;
        }

        /** Any {@code -o NAME=VALUE}; replaces a default of the same name. */
        public Invocation option(String name, String value) {
            options.put(name, value);
            return this;
        }

        /** {@code PreferredAuthentications}, e.g. {@code none}, {@code publickey}, {@code password}. */
        public Invocation preferred(String methods) {
            return option("PreferredAuthentications", methods);
        }

        public Invocation kex(String... names) {
            return option("KexAlgorithms", String.join(",", names));
        }

        public Invocation ciphers(String... names) {
            return option("Ciphers", String.join(",", names));
        }

        public Invocation macs(String... names) {
            return option("MACs", String.join(",", names));
        }

        public Invocation hostKeyAlgorithms(String... names) {
            return option("HostKeyAlgorithms", String.join(",", names));
        }

        /** Arguments put as they are before the destination (e.g. {@code -T}, {@code -b FILE}, {@code -o X=Y}). */
        public Invocation args(String... more) {
            return args(List.of(more));
        }

        public Invocation args(List<String> more) {
            args.addAll(more);
            return this;
        }

        /** Run under {@code sshpass -e}, which answers every prompt containing "assword" with this (never on the command line). */
        public Invocation password(String pw) {
            this.password = pw;
            return this;
        }

        /** The remote command (default {@code true}), as one or more words (ssh joins them with spaces). */
        public Invocation command(String... words) {
            this.command = List.of(words);
            this.noCommand = false;
            return this;
        }

        /** No remote command and no session: {@code -N}. */
        public Invocation noCommand() {
            this.command = List.of();
            this.noCommand = true;
            return this;
        }

        /** No remote command: the remote shell (reading stdin unless a terminal is asked for). */
        public Invocation shell() {
            this.command = List.of();
            this.noCommand = false;
            return this;
        }

        /** {@code -tt}: ask for a pseudo-terminal even without a local one. */
        public Invocation tty() {
            this.tty = true;
            return this;
        }

        /** Starts a ControlMaster: {@code -M -N -S PATH -o ControlPersist=no}; see {@link #awaitMaster}. */
        public Invocation master(Path path) {
            args.addAll(List.of("-M", "-S", path.toString()));
            option("ControlPersist", "no");
            return noCommand();
        }

        /** A variable for ssh's environment (null removes it); e.g. SSH_AUTH_SOCK for an agent. */
        public Invocation env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /** {@code -v} repeated {@code level} times (0 to 3; default 3). */
        public Invocation verbose(int level) {
            this.verbose = level;
            return this;
        }

        /** Debug output to this file ({@code -E}) instead of stderr, which keeps only the remote command's stderr. */
        public Invocation log(Path file) {
            this.log = file;
            return this;
        }

        /** stdin from this file (default /dev/null). */
        public Invocation stdin(Path file) {
            this.stdin = file;
            return this;
        }

        /** The known_hosts file to use (default: a fresh one in the client's directory). */
        public Invocation knownHosts(Path file) {
            this.knownHosts = file;
            return this;
        }

        /** The run's deadline (default 30 s). */
        public Invocation timeout(Duration t) {
            this.timeout = t;
            return this;
        }

        /** The known_hosts file this invocation uses (ssh adds the host key with accept-new). */
        public Path knownHostsFile() {
            return knownHosts;
        }

        /** The command line, sshpass included when a password is set. */
        public List<String> argv() {
            List<String> cmd = new ArrayList<>();
            if (password != null) {
                cmd.addAll(List.of(Peers.SSHPASS.toString(), "-e"));
            }
            cmd.add(program.equals("sftp") ? Peers.SFTP.toString() : Peers.SSH.toString());
            cmd.addAll(List.of("-F", "/dev/null"));
            if (verbose > 0) {
                cmd.add("-" + "v".repeat(verbose));
            }
            if (log != null) {
                cmd.addAll(List.of("-E", log.toString()));
            }
            if (controlPath != null) {
                cmd.addAll(List.of("-S", controlPath.toString()));
            } else {
                cmd.addAll(List.of(program.equals("sftp") ? "-P" : "-p", Integer.toString(port)));
            }
            if (tty) {
                cmd.add("-tt");
            }
            if (noCommand && program.equals("ssh")) {
                cmd.add("-N");
            }
            for (String key : identities) {
                cmd.add("-i");
                cmd.add(key);
            }
            Map<String, String> o = new LinkedHashMap<>();
            o.put("BatchMode", password == null ? "yes" : "no");
            if (controlPath != null) {
                o.put("ControlMaster", "no");
                o.put("ProxyCommand", "/bin/false");
            } else {
                o.put("UserKnownHostsFile", knownHosts.toString());
                o.put("GlobalKnownHostsFile", "/dev/null");
                o.put("StrictHostKeyChecking", "accept-new");
                o.put("ConnectTimeout", "10");
                if (password != null) {
                    o.put("NumberOfPasswordPrompts", "1");
                }
                if (!identities.isEmpty()) {
                    o.put("IdentitiesOnly", "yes");
                }
            }
            o.putAll(options);
            o.forEach((k, v) -> {
                cmd.add("-o");
                cmd.add(k + "=" + v);
            });
            cmd.addAll(args);
            cmd.add(user + "@" + FreePorts.LOOPBACK);
            if (program.equals("ssh")) {
                cmd.addAll(command);
            }
            return cmd;
        }

        private Map<String, String> environment() {
            if (password != null) {
                Peers.requireSshpass();
            }
            Map<String, String> e = new LinkedHashMap<>(env);
            if (password != null) {
                e.put("SSHPASS", password);
            }
            return Processes.withoutAgent(e);
        }

        /** Runs ssh to completion (killed at the deadline). */
        public Result run() throws IOException {
            Processes.Result r = Processes.run(argv(), environment(), stdin, dir, timeout);
            // sshpass exits 3 ("runtime error") when it cannot run at all, e.g. without a pty
            Peers.require("a working sshpass (" + r.describe() + ")",
                    password == null || r.exitCode() != 3 || !r.stderr().contains("sshpass"));
            return new Result(r, knownHosts, log == null ? null : Processes.read(log));
        }

        /** Starts ssh in the background, stdin as configured; the caller closes the returned process. */
        public Processes.Running start() throws IOException {
            return Processes.start(argv(), environment(), stdin, dir);
        }

        /** Starts ssh in the background with stdin a pipe the caller holds ({@link Processes.Running#stdin()}). */
        public Processes.Running startPiped() throws IOException {
            return Processes.startPiped(argv(), environment(), dir);
        }
    }

    /**
     * One finished ssh run: the process's result, the known_hosts file it used, and its {@code -E}
     * log (null without one). {@link #hasLine}, {@link #grep} and {@link #after} look at all of
     * it: stdout, stderr and the log.
     */
    public record Result(Processes.Result process, Path knownHosts, String log) {
        public List<String> command() {
            return process.command();
        }

        public int exitCode() {
            return process.exitCode();
        }

        public boolean timedOut() {
            return process.timedOut();
        }

        public String stdout() {
            return process.stdout();
        }

        public String stderr() {
            return process.stderr();
        }

        public byte[] stdoutBytes() {
            return process.stdoutBytes();
        }

        public byte[] stderrBytes() {
            return process.stderrBytes();
        }

        /** stdout then stderr (where ssh's debug output goes without {@code -E}). */
        public String output() {
            return process.output();
        }

        /** The {@code -E} log, or "" without one. */
        @Override
        public String log() {
            return log == null ? "" : log;
        }

        private String everything() {
            return process.output() + (log == null ? "" : log);
        }

        public boolean hasLine(String text) {
            return everything().lines().anyMatch(l -> l.contains(text));
        }

        public List<String> grep(String text) {
            return everything().lines().filter(l -> l.contains(text)).toList();
        }

        /** The first line containing {@code prefix}, with everything up to and including the prefix removed; null if none. */
        public String after(String prefix) {
            return everything().lines().filter(l -> l.contains(prefix)).findFirst()
                    .map(l -> l.substring(l.indexOf(prefix) + prefix.length()).strip()).orElse(null);
        }

        public String describe() {
            return process.describe() + (log == null ? "" : "\n--- log ---\n" + Processes.clip(log));
        }
    }

    @Override
    public void close() {
        if (ownsDir) {
            TempDirs.deleteTree(dir);
        }
    }
}
