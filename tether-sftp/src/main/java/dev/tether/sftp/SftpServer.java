package dev.tether.sftp;

import dev.tether.sftp.policy.SftpPolicy;
import dev.tether.sftp.policy.SftpRoot;
import dev.tether.sftp.server.FileView;
import dev.tether.sftp.server.SessionSettings;
import dev.tether.sftp.server.SftpSession;
import dev.tether.sftp.server.SymlinkCompat;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.policy.Command;
import dev.tether.ssh.policy.Login;
import dev.tether.ssh.policy.SubsystemHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Tether's SFTP server: SFTP version 3 as OpenSSH's sftp-server speaks it, with all of its
 * extensions, over any {@code java.nio.file} file system, and the legacy SCP protocol on the
 * same files. paramiko's {@code SFTPServer} as it would look today:
 *
 * <pre>{@code
 * SftpServer sftp = SftpServer.builder()
 *         .root(login -> SftpRoot.jail(Path.of("/srv/sftp", login.username())))
 *         .policy(new SftpPolicy() { ... })      // veto or observe each operation
 *         .build();
 * Portal portal = Portal.builder()
 *         .subsystem("sftp", sftp)               // the sftp subsystem
 *         .commands(sftp::scpCommand)            // scp -t / scp -f in Java, on the same root
 *         ...
 * }</pre>
 *
 * Each session runs in the thread the SSH server gives the subsystem. Immutable and
 * thread-safe: one server serves every connection.
 */
public final class SftpServer implements SubsystemHandler {
    /** The request names of {@link Builder#allowRequests}/{@link Builder#denyRequests}, as sftp-server's {@code -Q requests} lists them. */
    public static final List<String> REQUEST_NAMES = List.of("open", "close", "read", "write", "lstat", "fstat", "setstat",
            "fsetstat", "opendir", "readdir", "remove", "mkdir", "rmdir", "realpath", "stat", "rename", "readlink", "symlink",
            "posix-rename", "statvfs", "fstatvfs", "hardlink", "fsync", "lsetstat", "limits", "expand-path", "copy-data",
            "home-directory", "users-groups-by-id");

    private final Function<Login, SftpRoot> roots;
    private final SessionSettings settings;

    private SftpServer(Function<Login, SftpRoot> roots, SessionSettings settings) {
        this.roots = roots;
        this.settings = settings;
    }

    private SftpServer(Builder b) {
        this.roots = b.roots;
        List<SymlinkCompat.Rule> rules = new ArrayList<>(b.symlinkRules);
        rules.addAll(SymlinkCompat.DEFAULT_RULES);
        this.settings = new SessionSettings(b.policy, b.readOnly, b.umask, b.allowed, b.denied, b.maxHandles, rules);
    }

    /**
     * A builder with the defaults: the whole file system from the current directory, every operation allowed,
     * writable, the process's umask, at most 512 handles.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Serves one SFTP session on a session channel; the SSH server calls this for the {@code sftp} subsystem. */
    @Override
    public void run(Channel channel, String name, Login login) throws Exception {
        SftpRoot root = roots.apply(login);
        InputStream in = channel.getInputStream();
        OutputStream out = channel.getOutputStream();
        new SftpSession(settings, new FileView(root), login.username(), login.connection()).serve(in, out);
    }

    /**
     * Serves one session on plain streams, as {@code tether sftp-server} does on standard input
     * and output; returns when the input ends.
     *
     * @param user who the session belongs to, for the event log and {@code home-directory} (may be null)
     * @param root where the files are; the root function of the builder is not asked
     * @param in   the client's requests
     * @param out  where the replies go
     * @throws IOException if a stream fails; a client's malformed input ends the session with an exception too
     */
    public void serve(InputStream in, OutputStream out, String user, SftpRoot root) throws IOException {
        new SftpSession(settings, new FileView(Objects.requireNonNull(root)), user, null).serve(in, out);
    }

    /**
     * The SCP server for a command line, or null if the line is not {@code scp -t ...} or
     * {@code scp -f ...}: give this to {@code Portal.Builder.commands}, so that OpenSSH's
     * {@code scp -O} runs in Java on the same root, policy and read-only mode as SFTP.
     *
     * @param commandLine the {@code exec} command line
     * @return the command, or null
     */
    public Command scpCommand(String commandLine) {
        return dev.tether.sftp.scp.ScpServer.command(commandLine, settings, roots);
    }

    /**
     * The same server (policy, read-only mode, umask, request lists, limits) on another root: what
     * a realm's avatar serves as its own {@code sftp} subsystem and SCP command, so that each user
     * gets their own files (Conch's avatar owning its file system):
     *
     * <pre>{@code
     * realm((user, login) -> new Avatar() {
     *     final SftpServer mine = sftp.withRoot(SftpRoot.jail(base.resolve(user)));
     *     public String username() { return user; }
     *     public Map<String, SubsystemHandler> subsystems() { return Map.of("sftp", mine); }
     *     public Command command(String line) { return mine.scpCommand(line); }
     * })
     * }</pre>
     *
     * @param root the root for the new server
     * @return a server with these settings on {@code root}
     */
    public SftpServer withRoot(SftpRoot root) {
        Objects.requireNonNull(root);
        return new SftpServer(login -> root, settings);
    }

    /**
     * The root a login is served (the builder's function, applied).
     *
     * @param login the login
     * @return the root its session serves
     */
    public SftpRoot rootFor(Login login) {
        return roots.apply(login);
    }

    /** Builds an {@link SftpServer}. */
    public static final class Builder {
        private Function<Login, SftpRoot> roots;
        private SftpPolicy policy = SftpPolicy.ALLOW_ALL;
        private boolean readOnly;
        private int umask = -1;
        private final Set<String> allowed = new LinkedHashSet<>();
        private final Set<String> denied = new LinkedHashSet<>();
        private int maxHandles = 512;
        private final List<SymlinkCompat.Rule> symlinkRules = new ArrayList<>();

        private Builder() {
            Path cwd = Path.of("").toAbsolutePath();
            roots = login -> SftpRoot.host(cwd);
        }

        /**
         * One root for every user. Default: the whole file system, starting in the current directory.
         *
         * @param root the root
         * @return this builder
         */
        public Builder root(SftpRoot root) {
            Objects.requireNonNull(root);
            this.roots = login -> root;
            return this;
        }

        /**
         * A root per login (Conch's realm giving each user their own files).
         *
         * @param perLogin the root of each login
         * @return this builder
         */
        public Builder root(Function<Login, SftpRoot> perLogin) {
            this.roots = Objects.requireNonNull(perLogin);
            return this;
        }

        /**
         * Vetoes and observes each operation. Default: {@link SftpPolicy#ALLOW_ALL}.
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder policy(SftpPolicy policy) {
            this.policy = Objects.requireNonNull(policy);
            return this;
        }

        /**
         * Refuses every change to the file system with SSH_FX_PERMISSION_DENIED (sftp-server's {@code -R}).
         *
         * @param readOnly whether to refuse every change
         * @return this builder
         */
        public Builder readOnly(boolean readOnly) {
            this.readOnly = readOnly;
            return this;
        }

        /**
         * The umask for files and directories created (sftp-server's {@code -u}); by default the process's applies.
         *
         * @param umask the umask, 0 to 0777
         * @return this builder
         * @throws IllegalArgumentException if {@code umask} is out of that range
         */
        public Builder umask(int umask) {
            if (umask < 0 || umask > 0777) {
                throw new IllegalArgumentException("umask " + Integer.toOctalString(umask));
            }
            this.umask = umask;
            return this;
        }

        /**
         * Permits only these requests (sftp-server's {@code -p}); names from {@link #REQUEST_NAMES}.
         *
         * @param names the request names permitted; added to those given before
         * @return this builder
         * @throws IllegalArgumentException for a name not in {@link #REQUEST_NAMES}
         */
        public Builder allowRequests(Set<String> names) {
            check(names);
            allowed.addAll(names);
            return this;
        }

        /**
         * Refuses these requests with SSH_FX_PERMISSION_DENIED (sftp-server's {@code -P}).
         *
         * @param names the request names refused; added to those given before
         * @return this builder
         * @throws IllegalArgumentException for a name not in {@link #REQUEST_NAMES}
         */
        public Builder denyRequests(Set<String> names) {
            check(names);
            denied.addAll(names);
            return this;
        }

        private static void check(Set<String> names) {
            for (String n : names) {
                if (!REQUEST_NAMES.contains(n)) {
                    throw new IllegalArgumentException("unknown SFTP request name: " + n + " (known: " + String.join(" ", REQUEST_NAMES) + ")");
                }
            }
        }

        /**
         * At most this many open handles per session. Default 512, as OpenSSH.
         *
         * @param max the most open handles, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code max} is below 1
         */
        public Builder maxHandles(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxHandles " + max);
            }
            this.maxHandles = max;
            return this;
        }

        /**
         * Adds a rule to the SYMLINK compatibility table, ahead of the built-in ones: clients whose
         * SSH version string matches {@code versionGlob} send the target first ({@code true},
         * OpenSSH's order) or the link first ({@code false}, the draft's).
         *
         * @param versionGlob a glob over the client's SSH version string, e.g. {@code SSH-2.0-OpenSSH_*}
         * @param targetFirst whether those clients send the target first
         * @return this builder
         */
        public Builder symlinkOrder(String versionGlob, boolean targetFirst) {
            symlinkRules.add(new SymlinkCompat.Rule(versionGlob, targetFirst));
            return this;
        }

        /**
         * The server.
         *
         * @return the server, immutable
         */
        public SftpServer build() {
            return new SftpServer(this);
        }
    }
}
