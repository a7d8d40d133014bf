package dev.tether.ssh;

import dev.tether.ssh.auth.PasswordChecker;
import dev.tether.ssh.auth.PublicKeyChecker;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.PtyRequest;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.AuthorizedKeys;
import dev.tether.ssh.keys.HostPatterns;
import dev.tether.ssh.policy.AuthResult;
import dev.tether.ssh.policy.ChannelOpenResult;
import dev.tether.ssh.policy.Command;
import dev.tether.ssh.policy.CommandContext;
import dev.tether.ssh.policy.InteractiveQuery;
import dev.tether.ssh.policy.Login;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.policy.SubsystemHandler;
import dev.tether.ssh.policy.UserKey;
import dev.tether.ssh.pty.PtySpawner;
import dev.tether.ssh.session.InProcessSession;
import dev.tether.ssh.session.ProcessSession;
import dev.tether.ssh.session.PtySession;
import dev.tether.ssh.session.SessionEnvironment;
import dev.tether.ssh.session.SessionProcess;
import dev.tether.ssh.transport.EventLog;
import dev.tether.ssh.wire.Disconnect;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Twisted Conch's portal in Java: credential checkers (a {@link PasswordChecker}, a
 * {@link PublicKeyChecker}) are kept apart from the {@link Realm} that makes the user's
 * {@link Avatar} once they pass. A portal is a {@link ServerInterface} factory: give
 * {@link #serverInterface()} to {@link TransportConfig.Builder#serverInterface}.
 *
 * <p><b>Multi-factor.</b> {@link Builder#require} lists the method sets that admit a user, e.g.
 * {@code require(List.of("publickey", "password"))} for a key followed by a password. A method
 * that succeeds without completing a set answers PARTIALLY_SUCCESSFUL, and
 * {@code getAllowedAuths} then names the methods still missing. By default every configured
 * method admits alone. {@code keyboard-interactive}, when enabled, asks for the password with
 * one prompt and counts as {@code password}.
 *
 * <p><b>Sessions.</b> With {@link Builder#processSessions}, {@code exec} and {@code shell} run
 * OS processes. A {@code pty-req} is granted when a {@link PtySpawner} is available (set with
 * {@link Builder#ptySpawner} or found on the class path, e.g. the {@code tether-pty} module), or
 * in-process {@link Builder#commands} are configured, and the user's authorized_keys entry or
 * certificate permits a pty ({@code no-pty} and {@code restrict} forbid it). An OS command then
 * runs on the pty, a shell as a login shell ({@code $SHELL -l}, or {@code /bin/sh -l}); an
 * in-process command sees it as {@link CommandContext#terminal()}. {@code window-change} resizes
 * the pty, and {@code signal} reaches the command's process group (or the in-process command's
 * listeners), except under a forced command, as in sshd.
 *
 * <p>Immutable and thread-safe; each connection gets its own per-connection state.
 */
public final class Portal {
    private static final Logger log = LoggerFactory.getLogger(Portal.class);

    private final PasswordChecker passwords;
    private final PublicKeyChecker publicKeys;
    private final boolean keyboardInteractive;
    private final List<Set<String>> required;
    private final Realm realm;
    private final String banner;
    private final Path sessionDirectory;
    private final boolean sessions;
    private final PtySpawner ptySpawner;
    private final java.util.Map<String, SubsystemHandler> subsystems;
    private final java.util.function.Function<String, Command> commands;
    private final Map<String, String> subsystemCommands;
    private final List<String> acceptEnv;
    private final int x11DisplayOffset;

    private Portal(Builder b) {
        this.x11DisplayOffset = b.x11DisplayOffset;
        this.subsystemCommands = Map.copyOf(b.subsystemCommands);
        this.acceptEnv = List.copyOf(b.acceptEnv);
        this.sessions = b.sessions;
        this.ptySpawner = !b.sessions ? null : b.ptySpawnerSet ? b.ptySpawner : PtySpawner.discover().orElse(null);
        this.subsystems = java.util.Map.copyOf(b.subsystems);
        this.commands = b.commands;
        this.sessionDirectory = b.sessionDirectory;
        this.passwords = b.passwords;
        this.publicKeys = b.publicKeys;
        this.keyboardInteractive = b.keyboardInteractive && b.passwords != null;
        this.realm = b.realm;
        this.banner = b.banner;
        List<Set<String>> req = new ArrayList<>();
        if (b.required.isEmpty()) {
            if (publicKeys != null) {
                req.add(Set.of("publickey"));
            }
            if (passwords != null) {
                req.add(Set.of("password"));
            }
        } else {
            req.addAll(b.required);
        }
        this.required = List.copyOf(req);
    }

    /**
     * A builder with no checkers: add at least one of {@link Builder#passwords} and {@link Builder#publicKeys}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The spawner that serves pseudo-terminals, if sessions are on and one is available.
     *
     * @return the spawner, or empty
     */
    public Optional<PtySpawner> ptySpawner() {
        return Optional.ofNullable(ptySpawner);
    }

    /**
     * The per-connection policy factory.
     *
     * @return a factory making a fresh policy for each connection
     */
    public Function<Transport, ServerInterface> serverInterface() {
        return Session::new;
    }

    /** Builds a {@link Portal}. */
    public static final class Builder {
        private PasswordChecker passwords;
        private PublicKeyChecker publicKeys;
        private boolean keyboardInteractive = true;
        private final List<Set<String>> required = new ArrayList<>();
        private Realm realm = (user, login) -> () -> user;
        private String banner;
        private boolean sessions;
        private Path sessionDirectory;
        private PtySpawner ptySpawner;
        private boolean ptySpawnerSet;
        private final java.util.Map<String, SubsystemHandler> subsystems = new java.util.LinkedHashMap<>();
        private final Map<String, String> subsystemCommands = new java.util.LinkedHashMap<>();
        private List<String> acceptEnv = List.of("LANG", "LC_*");
        private int x11DisplayOffset = 10;

        private java.util.function.Function<String, Command> commands;

        /** A builder with no checkers; the same as {@link Portal#builder()}. */
        public Builder() {
        }

        /**
         * In-process commands: {@code resolver} maps an exec command line (null for a shell) to a
         * {@link Command}, or to null to fall back to an OS process (if
         * {@link #processSessions} is on) or refuse.
         *
         * @param resolver maps a command line to a command, or to null
         * @return this builder
         */
        public Builder commands(java.util.function.Function<String, Command> resolver) {
            this.commands = Objects.requireNonNull(resolver);
            return this;
        }

        /**
         * A subsystem every user may start (unless the avatar has its own of that name).
         *
         * @param name    the subsystem name, e.g. {@code sftp}
         * @param handler serves it
         * @return this builder
         */
        public Builder subsystem(String name, SubsystemHandler handler) {
            subsystems.put(name, Objects.requireNonNull(handler));
            return this;
        }

        /**
         * A subsystem served by an OS process, as sshd_config's {@code Subsystem NAME COMMAND}:
         * {@code /bin/sh -c command} runs as the server's user in the session directory, the
         * channel is piped to its stdin and stdout (stderr goes as extended data), and its exit
         * status is reported. E.g. {@code subsystemCommand("sftp", "/usr/lib/openssh/sftp-server")}.
         * An in-process {@link #subsystem} of the same name wins.
         *
         * @param name    the subsystem name
         * @param command the command line, run with {@code /bin/sh -c}
         * @return this builder
         */
        public Builder subsystemCommand(String name, String command) {
            subsystemCommands.put(Objects.requireNonNull(name), Objects.requireNonNull(command));
            return this;
        }

        /**
         * The environment variables a client may set with {@code env}, as sshd_config's
         * {@code AcceptEnv}: names or patterns with {@code *} and {@code ?}. Default
         * {@code LANG} and {@code LC_*}, as Debian's sshd; an empty list accepts none.
         *
         * @param patterns the names and patterns; replaces the default
         * @return this builder
         */
        public Builder acceptEnv(List<String> patterns) {
            this.acceptEnv = List.copyOf(patterns);
            return this;
        }

        /**
         * Serve {@code session} channels: {@code exec} and {@code shell} run real OS processes as
         * the server's user, in {@code workingDirectory} (null: the server's). The environment
         * accepts what {@link #acceptEnv} allows (LANG and LC_* by default). An authorized_keys
         * {@code command=} (or a certificate's force-command) replaces what the client asks, with
         * the original in {@code SSH_ORIGINAL_COMMAND}.
         *
         * @param workingDirectory the processes' working directory, or null for the server's
         * @return this builder
         */
        public Builder processSessions(Path workingDirectory) {
            this.sessions = true;
            this.sessionDirectory = workingDirectory;
            return this;
        }

        /**
         * What opens pseudo-terminals for sessions; null refuses every {@code pty-req}. Unset,
         * the first {@link PtySpawner} found with {@link java.util.ServiceLoader} is used, if any.
         *
         * @param spawner the spawner, or null to refuse pseudo-terminals
         * @return this builder
         */
        public Builder ptySpawner(PtySpawner spawner) {
            this.ptySpawner = spawner;
            this.ptySpawnerSet = true;
            return this;
        }

        /**
         * The {@code password} method, checked by {@code checker}; null (the default) does not offer it.
         *
         * @param checker the password checker, or null
         * @return this builder
         */
        public Builder passwords(PasswordChecker checker) {
            this.passwords = checker;
            return this;
        }

        /**
         * The {@code publickey} method, checked by {@code checker}; null (the default) does not offer it.
         *
         * @param checker the public key checker, or null
         * @return this builder
         */
        public Builder publicKeys(PublicKeyChecker checker) {
            this.publicKeys = checker;
            return this;
        }

        /**
         * Also offer keyboard-interactive, asking for the password (on by default when passwords are checked).
         *
         * @param on whether to offer keyboard-interactive when passwords are checked
         * @return this builder
         */
        public Builder keyboardInteractive(boolean on) {
            this.keyboardInteractive = on;
            return this;
        }

        /**
         * A set of methods that together admit a user ("publickey", "password"); repeatable.
         *
         * @param methods the methods of the set: {@code publickey} and/or {@code password}
         * @return this builder
         * @throws IllegalArgumentException for any other method name
         */
        public Builder require(List<String> methods) {
            for (String m : methods) {
                if (!m.equals("publickey") && !m.equals("password")) {
                    throw new IllegalArgumentException("unknown method " + m + "; use publickey or password");
                }
            }
            required.add(Set.copyOf(methods));
            return this;
        }

        /**
         * The realm that makes each authenticated user's avatar; by default an avatar with the defaults of
         * {@link Avatar}.
         *
         * @param realm the realm
         * @return this builder
         */
        public Builder realm(Realm realm) {
            this.realm = Objects.requireNonNull(realm);
            return this;
        }

        /**
         * The first display X11 forwarding tries (sshd's X11DisplayOffset, default 10). Whether a
         * user may forward X11 or the agent at all is the avatar's: its
         * {@link Avatar#channelTypes} must hold {@code x11} or {@code auth-agent@openssh.com}
         * (the default avatar has neither), and an authorized_keys entry may still forbid it.
         *
         * @param offset the first display number, 0 or more
         * @return this builder
         * @throws IllegalArgumentException if {@code offset} is negative
         */
        public Builder x11DisplayOffset(int offset) {
            if (offset < 0) {
                throw new IllegalArgumentException("X11 display offset " + offset);
            }
            this.x11DisplayOffset = offset;
            return this;
        }

        /**
         * The banner shown before authentication (RFC 4252 §5.4); null (the default) for none.
         *
         * @param banner the banner text, or null
         * @return this builder
         */
        public Builder banner(String banner) {
            this.banner = banner;
            return this;
        }

        /**
         * The portal.
         *
         * @return the portal
         * @throws IllegalArgumentException if a set given to {@link #require} needs a checker that is not set
         */
        public Portal build() {
            for (Set<String> set : required) {
                if (set.contains("publickey") && publicKeys == null || set.contains("password") && passwords == null) {
                    throw new IllegalArgumentException("required methods " + set + " need their checkers");
                }
            }
            return new Portal(this);
        }
    }

    /**
     * The login a Portal's connection policy would report for {@code username}, for the
     * validators' check ({@link Transport#checkLogin}); empty for any other policy.
     */
    static Optional<Login> loginOf(ServerInterface policy, String username) {
        return policy instanceof Session s ? Optional.of(s.login(username)) : Optional.empty();
    }

    /** One connection's view of the portal. Guarded by {@code this}. */
    private final class Session implements ServerInterface {
        private final Transport transport;
        private final Set<String> passed = new LinkedHashSet<>();
        private Optional<AuthorizedKeys.Match> keyMatch = Optional.empty();
        private String pendingUser;
        private Avatar avatar;
        private Login login;

        Session(Transport transport) {
            this.transport = transport;
        }

        @Override
        public synchronized List<String> getAllowedAuths(String username) {
            Set<String> out = new LinkedHashSet<>();
            for (Set<String> set : required) {
                if (set.containsAll(passed)) {
                    for (String m : set) {
                        if (!passed.contains(m)) {
                            out.add(m);
                            if (m.equals("password") && keyboardInteractive) {
                                out.add("keyboard-interactive");
                            }
                        }
                    }
                }
            }
            return List.copyOf(out);
        }

        @Override
        public String getBanner() {
            return banner;
        }

        private synchronized AuthResult passedMethod(String method) {
            passed.add(method);
            for (Set<String> set : required) {
                if (passed.containsAll(set)) {
                    return AuthResult.SUCCESSFUL;
                }
            }
            return AuthResult.PARTIALLY_SUCCESSFUL;
        }

        private synchronized boolean stillNeeded(String method) {
            return !passed.contains(method) && getAllowedAuths(null).contains(method);
        }

        @Override
        public CompletionStage<AuthResult> checkAuthPasswordAsync(String username, String password) {
            if (passwords == null || !stillNeeded("password")) {
                return CompletableFuture.completedFuture(AuthResult.FAILED);
            }
            return passwords.check(username, password)
                    .thenApply(ok -> ok ? passedMethod("password") : AuthResult.FAILED);
        }

        @Override
        public CompletionStage<AuthResult> checkAuthPublickeyAsync(String username, UserKey key) {
            if (publicKeys == null || !stillNeeded("publickey")) {
                return CompletableFuture.completedFuture(AuthResult.FAILED);
            }
            return publicKeys.check(username, key, transport).thenApply(m -> m.isPresent() ? AuthResult.SUCCESSFUL : AuthResult.FAILED);
        }

        /**
         * The service asks twice for a key: unsigned (a query) and signed. Only the signed call
         * records success; the service tells them apart by calling {@link #authenticated} later,
         * so record the match now and count the method when the signed answer arrives.
         */
        @Override
        public CompletionStage<AuthResult> checkAuthPublickeySignedAsync(String username, UserKey key) {
            if (publicKeys == null || !stillNeeded("publickey")) {
                return CompletableFuture.completedFuture(AuthResult.FAILED);
            }
            return publicKeys.check(username, key, transport).thenApply(m -> {
                if (m.isEmpty()) {
                    return AuthResult.FAILED;
                }
                synchronized (this) {
                    keyMatch = m;
                }
                return passedMethod("publickey");
            });
        }

        @Override
        public CompletionStage<InteractiveQuery> checkAuthInteractiveAsync(String username, String submethods) {
            if (!keyboardInteractive || !stillNeeded("password")) {
                return CompletableFuture.completedFuture(null);
            }
            synchronized (this) {
                pendingUser = username;
            }
            return CompletableFuture.completedFuture(InteractiveQuery.of("", "").withPrompt("Password: ", false));
        }

        @Override
        public CompletionStage<InteractiveQuery.Answer> checkAuthInteractiveResponseAsync(List<String> responses) {
            String user;
            synchronized (this) {
                user = pendingUser;
            }
            if (user == null || responses.size() != 1) {
                return CompletableFuture.completedFuture(InteractiveQuery.Answer.done(AuthResult.FAILED));
            }
            return passwords.check(user, responses.get(0))
                    .thenApply(ok -> InteractiveQuery.Answer.done(ok ? passedMethod("password") : AuthResult.FAILED));
        }

        /** Per session channel; touched only by the reader thread, which runs the channel requests. */
        private final class ChannelState {
            final Map<String, String> environment = new HashMap<>();
            /** The granted pty-req, resized by window-change until the command starts. */
            PtyRequest pty;
            /** An OS process, or else an in-process {@link Command}. */
            SessionProcess process;
            InProcessSession inJava;
            boolean forcedCommand;

            boolean started() {
                return process != null || inJava != null;
            }
        }

        private final Map<Channel, ChannelState> channels = new ConcurrentHashMap<>();

        private ChannelState state(Channel channel) {
            ChannelState s = channels.get(channel);
            if (s == null) {
                ChannelState fresh = new ChannelState();
                channels.put(channel, fresh);
                channel.closeFuture().whenComplete((v, e) -> channels.remove(channel, fresh));
                s = fresh;
            }
            return s;
        }

        private synchronized Avatar avatar() {
            return avatar;
        }

        @Override
        public ChannelOpenResult checkChannelRequest(String kind, int chanid) {
            Avatar a = avatar();
            if (a == null || !a.channelTypes().contains(kind)) {
                return ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
            }
            if (!kind.equals("session")) {
                return ChannelOpenResult.UNKNOWN_CHANNEL_TYPE;
            }
            // a session is only worth opening if something can run in it
            return sessions || commands != null || !subsystems.isEmpty() || !subsystemCommands.isEmpty()
                    || !a.subsystems().isEmpty() ? ChannelOpenResult.SUCCEEDED : ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
        }

        // Forwarding: the avatar's channel types, PermitOpen, PermitListen and GatewayPorts, and the
        // key's options (no-port-forwarding, restrict, permitopen=, permitlisten=, a certificate's
        // permit-port-forwarding). A refusal is logged here with its reason; the forward package
        // answers the client and writes the event line.

        /** Why this user may not use {@code channelType} for forwarding at all, or null. */
        private String forwardingRefusal(String channelType, Optional<AuthorizedKeys.Match> m) {
            Avatar a = avatar();
            if (a == null || !a.channelTypes().contains(channelType)) {
                return "this user may not use " + channelType;
            }
            if (m.isPresent() && !m.get().permitsPortForwarding()) {
                return m.get().entry().location() + " forbids port forwarding (no-port-forwarding, restrict, "
                        + "or a certificate without permit-port-forwarding)";
            }
            return null;
        }

        private synchronized Optional<AuthorizedKeys.Match> keyMatch() {
            return keyMatch;
        }

        private boolean forwardingAllowed(String what, String why) {
            if (why != null) {
                log.info("{} {} refused: {}", transport, what, why);
            }
            return why == null;
        }

        @Override
        public ChannelOpenResult checkChannelDirectTcpipRequest(int chanid, String originHost, int originPort, String host, int port) {
            Optional<AuthorizedKeys.Match> m = keyMatch();
            String why = forwardingRefusal("direct-tcpip", m);
            if (why == null && m.isPresent() && !m.get().permitOpen(host, port)) {
                why = "permitopen in " + m.get().entry().location() + " does not list " + EventLog.quote(host) + ":" + port;
            }
            if (why == null && !avatar().permitOpen(host, port)) {
                why = EventLog.quote(host) + ":" + port + " is not a permitted destination for this user (PermitOpen)";
            }
            return forwardingAllowed("direct-tcpip to " + EventLog.quote(host) + ":" + port, why)
                    ? ChannelOpenResult.SUCCEEDED : ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
        }

        @Override
        public int checkPortForwardRequest(String address, int port) {
            Optional<AuthorizedKeys.Match> m = keyMatch();
            String why = forwardingRefusal("forwarded-tcpip", m);
            if (why == null && m.isPresent() && !m.get().permitListen(address, port)) {
                why = "permitlisten in " + m.get().entry().location() + " does not list " + EventLog.quote(address) + ":" + port;
            }
            if (why == null && !avatar().permitListen(address, port)) {
                why = EventLog.quote(address) + ":" + port + " is not a permitted listen address for this user (PermitListen)";
            }
            return forwardingAllowed("tcpip-forward " + EventLog.quote(address) + ":" + port, why) ? port : -1;
        }

        @Override
        public dev.tether.ssh.policy.GatewayPorts gatewayPorts() {
            Avatar a = avatar();
            return a == null ? dev.tether.ssh.policy.GatewayPorts.NO : a.gatewayPorts();
        }

        @Override
        public ChannelOpenResult checkChannelDirectStreamlocalRequest(int chanid, String socketPath) {
            return forwardingAllowed("direct-streamlocal to " + EventLog.quote(socketPath),
                    forwardingRefusal("direct-streamlocal@openssh.com", keyMatch()))
                    ? ChannelOpenResult.SUCCEEDED : ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
        }

        @Override
        public boolean checkStreamlocalForwardRequest(String socketPath) {
            return forwardingAllowed("streamlocal-forward " + EventLog.quote(socketPath),
                    forwardingRefusal("forwarded-streamlocal@openssh.com", keyMatch()));
        }

        @Override
        public boolean checkChannelSubsystemRequest(Channel channel, String name) {
            Avatar a = avatar();
            SubsystemHandler h = a == null ? null : a.subsystems().get(name);
            if (h == null) {
                h = subsystems.get(name);
            }
            String what = EventLog.what("subsystem", name);
            if (h == null && subsystemCommands.containsKey(name)) {
                ChannelState s = state(channel);
                if (s.started()) {
                    return false;
                }
                logSession(channel, what);
                Map<String, String> env = new HashMap<>(s.environment);
                env.putAll(SessionEnvironment.variables(channel));
                s.process = ProcessSession.start(channel, subsystemCommands.get(name), sessionDirectory, env);
                return true;
            }
            if (h == null) {
                EventLog.sessionRefused(transport, channel, what, "no such subsystem");
                return false;
            }
            Login login;
            synchronized (this) {
                login = this.login;
            }
            logSession(channel, what);
            SubsystemHandler handler = h;
            ((dev.tether.ssh.connection.ChannelImpl) channel).afterReply(() -> dev.tether.ssh.transport.Threads.newThread(
                    "tether-subsystem-" + name + "-" + channel.localId(), () -> runSubsystem(handler, channel, name, login)).start());
            return true;
        }

        private void runSubsystem(SubsystemHandler h, Channel channel, String name, Login login) {
            int status = 0;
            try {
                h.run(channel, name, login);
            } catch (java.io.IOException e) {
                // the peer's bad input or a lost channel: the reason, without a stack trace; a
                // channel or connection the client ended is its choice, not the server's fault
                if (channel.isClosed() || !transport.isActive()) {
                    log.info("{} subsystem {} ended with its channel: {}", transport, name, e.toString());
                } else {
                    log.warn("{} subsystem {} failed: {}", transport, name, e.toString());
                }
                status = 1;
            } catch (Exception e) {
                log.warn("{} subsystem {} failed", transport, name, e);
                status = 1;
            }
            try {
                channel.sendExitStatus(status);
                channel.sendEof();
            } catch (java.io.IOException e) {
                // the channel is already gone
            }
            channel.close();
        }

        /** Logs the session's start now and its end, with the exit status sent, when the channel closes. */
        private void logSession(Channel channel, String what) {
            EventLog.sessionStart(transport, channel, what);
            channel.closeFuture().whenComplete((v, e) -> EventLog.sessionEnd(transport, channel, what,
                    channel instanceof dev.tether.ssh.connection.ChannelImpl ci ? ci.sentExitStatus() : null));
        }

        @Override
        public boolean checkChannelEnvRequest(Channel channel, String name, String value) {
            if (acceptEnv.stream().noneMatch(p -> HostPatterns.wildcardMatch(name, p))) {
                log.debug("{} env {} refused: not in AcceptEnv", transport, Disconnect.sanitize(name));
                return false;
            }
            ChannelState s = state(channel);
            if (s.started() || s.environment.size() >= 64) {
                return false;
            }
            s.environment.put(name, value);
            return true;
        }

        @Override
        public boolean checkChannelPtyRequest(Channel channel, PtyRequest pty) {
            if (!sessions && commands == null) {
                return false;
            }
            Optional<AuthorizedKeys.Match> m;
            synchronized (this) {
                m = keyMatch;
            }
            if (m.isPresent() && !m.get().permitsPty()) {
                log.info("{} pty refused: {} forbids it (no-pty, restrict, or a certificate without permit-pty)",
                        transport, m.get().entry().location());
                return false;
            }
            if (ptySpawner == null && commands == null) {
                log.info("{} pty refused: no PtySpawner installed (add tether-pty to the class path)", transport);
                return false;
            }
            ChannelState s = state(channel);
            if (s.pty != null || s.started()) {
                log.debug("{} pty refused on {}: {}", transport, channel, s.started() ? "the command already runs" : "it has one");
                return false;
            }
            s.pty = pty;
            log.debug("{} pty granted on {}: {} {}x{}", transport, channel, pty.term(), pty.columns(), pty.rows());
            return true;
        }

        @Override
        public boolean checkChannelWindowChangeRequest(Channel channel, int columns, int rows, int widthPixels, int heightPixels) {
            ChannelState s = channels.get(channel);
            if (s == null || s.pty == null) {
                return false;
            }
            s.pty = new PtyRequest(s.pty.term(), columns, rows, widthPixels, heightPixels, s.pty.modes());
            if (s.inJava != null) {
                s.inJava.resize(s.pty);
                return true;
            }
            return s.process == null || s.process.resize(columns, rows, widthPixels, heightPixels);
        }

        @Override
        public boolean checkChannelSignalRequest(Channel channel, String signal) {
            ChannelState s = channels.get(channel);
            if (s == null || !s.started()) {
                return false;
            }
            if (s.forcedCommand) {
                log.info("{} signal {} refused: the session runs a forced command", transport, signal);
                return false;
            }
            if (s.inJava != null) {
                s.inJava.signal(signal);
                return true;
            }
            boolean queued = s.process.signal(signal);
            log.debug("{} signal {} on {}: {}", transport, signal, channel, queued ? "sent" : "refused");
            return queued;
        }

        @Override
        public boolean checkChannelForwardAgentRequest(Channel channel) {
            return forwardingAllowed(channel, "auth-agent@openssh.com", "agent forwarding",
                    AuthorizedKeys.Match::permitsAgentForwarding, "no-agent-forwarding");
        }

        @Override
        public boolean checkChannelX11Request(Channel channel, boolean singleConnection, String authProtocol,
                                              String authCookie, int screen) {
            return forwardingAllowed(channel, "x11", "x11 forwarding", AuthorizedKeys.Match::permitsX11, "no-x11-forwarding");
        }

        @Override
        public int x11DisplayOffset() {
            return x11DisplayOffset;
        }

        /**
         * Agent and X11 forwarding for a session: only with OS process sessions, before its
         * command starts, when the avatar has the forwarded channel type and the key's
         * authorized_keys options (or certificate) permit it. Refusals are event-log lines.
         */
        private boolean forwardingAllowed(Channel channel, String channelType, String what,
                                          java.util.function.Predicate<AuthorizedKeys.Match> permits, String option) {
            Avatar a = avatar();
            String why = null;
            Optional<AuthorizedKeys.Match> m;
            synchronized (this) {
                m = keyMatch;
            }
            if (!sessions) {
                why = "no process sessions";
            } else if (a == null || !a.channelTypes().contains(channelType)) {
                why = "not allowed for this user";
            } else if (m.isPresent() && !permits.test(m.get())) {
                why = m.get().entry().location() + " forbids it (" + option + ", restrict, or a certificate without the permission)";
            } else if (state(channel).started()) {
                why = "the session's command has started";
            }
            if (why != null) {
                EventLog.sessionRefused(transport, channel, what, why);
                return false;
            }
            return true;
        }

        @Override
        public boolean checkChannelExecRequest(Channel channel, String command) {
            return run(channel, command);
        }

        @Override
        public boolean checkChannelShellRequest(Channel channel) {
            return run(channel, null);
        }

        private boolean run(Channel channel, String requested) {
            String what = requested == null ? "shell" : EventLog.what("exec", requested);
            if (!sessions && commands == null) {
                return false;
            }
            Avatar a = avatar();
            if (a != null && !(requested == null ? a.shellAllowed() : a.execAllowed())) {
                EventLog.sessionRefused(transport, channel, what, "not allowed for this user");
                return false;
            }
            Optional<AuthorizedKeys.Match> m;
            synchronized (this) {
                m = keyMatch;
            }
            ChannelState s = state(channel);
            if (s.started()) {
                return false; // one command per channel (RFC 4254 §6.5)
            }
            Map<String, String> env = new HashMap<>(s.environment);
            String command = requested;
            Optional<String> forced = m.flatMap(AuthorizedKeys.Match::forcedCommand);
            if (forced.isPresent()) {
                if (requested != null) {
                    env.put("SSH_ORIGINAL_COMMAND", requested);
                }
                command = forced.get();
                log.info("{} forced command from {}", transport, m.get().entry().location());
            }
            m.ifPresent(match -> env.putAll(match.environment()));
            env.putAll(SessionEnvironment.variables(channel)); // SSH_AUTH_SOCK, DISPLAY, XAUTHORITY
            s.forcedCommand = forced.isPresent();
            Command inJava = a == null ? null : a.command(command);
            if (inJava == null && commands != null) {
                inJava = commands.apply(command);
            }
            if (inJava != null) {
                Login l;
                synchronized (this) {
                    l = login;
                }
                logSession(channel, what);
                s.inJava = InProcessSession.start(channel, inJava, command, env, l, s.pty);
                return true;
            }
            if (!sessions) {
                return false;
            }
            logSession(channel, forced.isPresent() ? what + " (forced " + EventLog.quote(command) + ")" : what);
            String shell = System.getenv("SHELL");
            shell = shell != null && !shell.isBlank() ? shell : "/bin/sh";
            if (s.pty != null && ptySpawner != null) {
                List<String> argv = command != null ? List.of("/bin/sh", "-c", command) : List.of(shell, "-l");
                s.process = PtySession.start(channel, ptySpawner, argv, sessionDirectory, env, s.pty);
            } else {
                if (s.pty != null) {
                    log.info("{} no PtySpawner installed: {} runs without the pty it was granted", transport, channel);
                }
                s.process = ProcessSession.start(channel, command != null ? command : "exec " + shell, sessionDirectory, env);
            }
            return true;
        }

        /** The login as it stands: the methods passed so far and the authorized_keys match. */
        Login login(String username) {
            List<String> methods;
            Optional<AuthorizedKeys.Match> match;
            synchronized (this) {
                methods = List.copyOf(passed);
                match = keyMatch;
            }
            return new Login(username, methods, match, transport);
        }

        @Override
        public void authenticated(String username) throws SshException {
            // the validators have seen this login already (Transport.checkLogin, called by the
            // authentication service for every policy)
            Login l = login(username);
            Avatar a = realm.avatarFor(username, l);
            synchronized (this) {
                avatar = a;
                login = l;
            }
            log.debug("{} {} logged in with {}", transport, username, l.methods());
        }

        @Override
        public void connectionClosed() {
            Avatar a;
            synchronized (this) {
                a = avatar;
                avatar = null;
            }
            if (a != null) {
                a.logout();
            }
        }
    }
}
