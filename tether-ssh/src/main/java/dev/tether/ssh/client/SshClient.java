package dev.tether.ssh.client;

import dev.tether.ssh.ExecResult;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.Forward;
import dev.tether.ssh.common.NegotiationException;
import dev.tether.ssh.common.PtyRequest;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.SignatureAlgorithms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * An authenticated SSH connection made the way OpenSSH's {@code ssh} makes it: the destination
 * is resolved through {@code ~/.ssh/config} and {@code /etc/ssh/ssh_config} ({@link SshConfig},
 * {@link ClientSettings}), the host is reached directly or through {@code ProxyJump} /
 * {@code ProxyCommand}, the host key is checked against known_hosts per
 * {@code StrictHostKeyChecking} ({@link KnownHostsPolicy}), and the user is authenticated with
 * the agent's keys, the identity files, keyboard-interactive and password, in that order
 * ({@link ClientPrompts} answers what a person would).
 *
 * <pre>{@code
 * try (SshClient client = SshClient.connect("deploy@build-7")) {
 *     ExecResult r = client.exec("uname -a", Duration.ofSeconds(30));
 *     System.out.println(r.stdoutText());
 * }
 * }</pre>
 *
 * <p>Failures are one of these, each with a message that says what went wrong in OpenSSH's words:
 * <ul>
 *   <li>{@link ConfigException}: a bad line in a configuration file or a bad option (names the file and line);</li>
 *   <li>{@link UnknownHostException}, {@link ConnectException}, {@link SocketTimeoutException}: the host
 *       could not be reached within {@code ConnectTimeout} (or the builder's {@link Builder#timeout});</li>
 *   <li>{@link HostKeyException}: the host key was refused (a changed key names the known_hosts line);</li>
 *   <li>{@link NegotiationException}: no algorithm in common (names both sides' lists);</li>
 *   <li>{@link dev.tether.ssh.common.AuthenticationException}: {@code user@host: Permission denied (methods).};</li>
 *   <li>other {@link SshException}s and {@link IOException}s: the connection failed or was lost.</li>
 * </ul>
 *
 * <p>{@link #transport()} is the full low-level API for anything the one-liners here do not cover.
 *
 * <p>Threading: thread-safe. Many threads may open sessions, run commands and forward ports over
 * one client at once; each channel has its own flow control. {@link #close()} ends the connection
 * (and a jump host's connection under it), waiting only a bounded time to send the DISCONNECT.
 */
public final class SshClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SshClient.class);

    private final Transport transport;
    private final ClientSettings settings;
    private final Duration commandTimeout;

    private SshClient(Transport transport, ClientSettings settings, Duration commandTimeout) {
        this.transport = transport;
        this.settings = settings;
        this.commandTimeout = commandTimeout;
    }

    /**
     * Connects and authenticates to {@code destination} ({@code [user@]host} or
     * {@code ssh://[user@]host[:port]}) with everything from the ssh_config files, as
     * {@code ssh destination} would, asking nothing ({@link ClientPrompts#NONE}). The same as
     * {@code builder(destination).connect()}.
     *
     * @param destination where to connect
     * @return the connected, authenticated client; the caller closes it
     * @throws IllegalArgumentException if {@code destination} has no host name
     * @throws IOException if the configuration is bad, the host cannot be reached, its key is
     *                     refused, negotiation fails or authentication fails (see the class
     *                     comment for the exception of each)
     */
    public static SshClient connect(String destination) throws IOException {
        return builder(destination).connect();
    }

    /**
     * A builder for {@code destination} ({@code [user@]host} or {@code ssh://[user@]host[:port]}).
     * Nothing is read or connected until {@link Builder#settings()} or {@link Builder#connect()}.
     *
     * @param destination where to connect; its user and port win over the configuration
     *                    files', the builder's {@link Builder#user}, {@link Builder#port} and
     *                    {@link Builder#option}s over both
     * @return a builder with the defaults: the user's home and name from the system properties,
     *         the ssh_config files, no prompts, this process's environment
     * @throws IllegalArgumentException if {@code destination} has no host name
     */
    public static Builder builder(String destination) {
        return new Builder(Destination.parse(destination), null);
    }

    /**
     * A builder for settings already resolved (by a caller that applied its own command-line
     * flags to an {@link SshConfig}, as {@code tether ssh} does). The configuration files,
     * home and local user of a jump host are taken from the settings' {@link SshConfig}.
     * The settings are used as they are: the builder's {@link Builder#user}, {@link Builder#port},
     * {@link Builder#identity} and {@link Builder#option} do not change them.
     *
     * @param settings the resolved settings
     * @return a builder that connects with {@code settings}
     */
    public static Builder builder(ClientSettings settings) {
        Builder b = new Builder(new Destination(settings.user(), settings.originalHost(), Integer.toString(settings.port())),
                settings);
        b.configFile = settings.config().configFileOption();
        b.home = settings.config().home();
        b.localUser = settings.config().localUser();
        return b;
    }

    /**
     * The connection, for everything the one-liners here do not cover.
     *
     * @return the transport; closing it closes this client
     */
    public Transport transport() {
        return transport;
    }

    /**
     * The settings this client connected with.
     *
     * @return the settings
     */
    public ClientSettings settings() {
        return settings;
    }

    /**
     * Whether the connection is still open.
     *
     * @return true until the connection has closed or started closing
     */
    public boolean isOpen() {
        return transport.isActive();
    }

    /**
     * Runs a command and collects its output and exit status, within the builder's
     * {@linkplain Builder#commandTimeout command timeout} (one hour by default).
     *
     * @param command the command line, run by the user's shell on the server
     * @return the command's stdout, stderr and exit status; a non-zero status is no exception
     * @throws IOException if the server refuses the command, the timeout passes first, or the
     *                     connection fails
     */
    public ExecResult exec(String command) throws IOException {
        return exec(command, commandTimeout);
    }

    /**
     * Runs a command and collects its stdout, stderr and exit status; fails with an
     * {@link IOException} if it has not finished within {@code timeout} (the channel is closed
     * then, which hangs up the command). Both streams are read at once, so neither can stall
     * the other.
     *
     * @param command the command line, run by the user's shell on the server
     * @param timeout how long the command may take
     * @return the command's stdout, stderr and exit status; a non-zero status is no exception
     * @throws IOException if the server refuses the command, {@code timeout} passes first, or the
     *                     connection fails
     */
    public ExecResult exec(String command, Duration timeout) throws IOException {
        return transport.exec(command, timeout);
    }

    /**
     * Opens a session channel for the caller to drive (exec, shell, subsystem, pty, env).
     *
     * @return the open channel; the caller closes it
     * @throws IOException if the server refuses the channel or the connection fails
     */
    public Channel openSession() throws IOException {
        return transport.openSession();
    }

    /**
     * An interactive shell on an 80x24 {@code xterm} pseudo-terminal with no terminal modes set;
     * the caller reads and writes its streams.
     *
     * @return the session channel running the shell; the caller closes it
     * @throws IOException if the server refuses the channel, the terminal or the shell (an
     *                     {@link SshException} then), or the connection fails
     */
    public Channel shell() throws IOException {
        return shell(new PtyRequest("xterm", 80, 24, 0, 0, Map.of()));
    }

    /**
     * An interactive shell on a pseudo-terminal of the given kind and size; the channel is
     * closed again if either request fails.
     *
     * @param pty the terminal type, size and modes
     * @return the session channel running the shell; the caller closes it
     * @throws SshException if the server refuses the terminal or the shell
     * @throws IOException  if the server refuses the channel or the connection fails
     */
    public Channel shell(PtyRequest pty) throws IOException {
        Channel ch = transport.openSession();
        try {
            if (!ch.requestPty(pty)) {
                throw new SshException("the server refused a pseudo-terminal");
            }
            if (!ch.shell()) {
                throw new SshException("the server refused to start a shell");
            }
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * {@code ssh -L localPort:host:port}: listens on 127.0.0.1:{@code localPort} (0 picks a free
     * port; {@link Forward#boundAddress()} tells which) and forwards each connection to
     * {@code host:port} as the server sees it. Closing the forward stops listening; it closes
     * with the connection too.
     *
     * @param localPort the local port to listen on, or 0 for a free one
     * @param host      the target host, as the server resolves it
     * @param port      the target port
     * @return the forward's handle
     * @throws IOException if the local port cannot be bound
     */
    public Forward forwardLocal(int localPort, String host, int port) throws IOException {
        return forwardLocal(new InetSocketAddress(InetAddress.getLoopbackAddress(), localPort), host, port);
    }

    /**
     * {@code ssh -L bind:host:port}: as {@link #forwardLocal(int, String, int)}, listening on
     * {@code bind}.
     *
     * @param bind where to listen: an {@link InetSocketAddress} (port 0 for a free one) or a
     *             {@link java.net.UnixDomainSocketAddress}
     * @param host the target host, as the server resolves it
     * @param port the target port
     * @return the forward's handle; closing it stops listening
     * @throws IOException if {@code bind} cannot be bound
     */
    public Forward forwardLocal(SocketAddress bind, String host, int port) throws IOException {
        return transport.forwardLocal(bind, host, port);
    }

    /**
     * {@code ssh -R}: the server listens on {@code bindAddress:port} and each connection made to
     * it is forwarded to {@code target}. Closing the handle asks the server to stop listening.
     *
     * @param bindAddress the address for the server to listen on: {@code ""} for all,
     *                    {@code "localhost"} for its loopback
     * @param port        the port for the server to listen on; 0 for one it picks
     *                    ({@link Forward#boundPort()} tells which)
     * @param target      where to connect each forwarded connection (an {@link InetSocketAddress}
     *                    or a {@link java.net.UnixDomainSocketAddress}), or null for remote
     *                    dynamic forwarding (each connection speaks SOCKS)
     * @return the forward's handle
     * @throws IOException if the server refuses or the connection fails
     */
    public Forward forwardRemote(String bindAddress, int port, SocketAddress target) throws IOException {
        return transport.forwardRemote(bindAddress, port, target);
    }

    /**
     * {@code ssh -D}: a local SOCKS4, 4a and 5 proxy (CONNECT, no authentication) whose
     * connections are made by the server.
     *
     * @param bind where to listen: an {@link InetSocketAddress} (port 0 for a free one) or a
     *             {@link java.net.UnixDomainSocketAddress}
     * @return the forward's handle; closing it stops listening
     * @throws IOException if {@code bind} cannot be bound
     */
    public Forward forwardDynamic(SocketAddress bind) throws IOException {
        return transport.forwardDynamic(bind);
    }

    /** Ends the connection, and the connections of any jump hosts it went through. */
    @Override
    public void close() {
        transport.close();
    }

    @Override
    public String toString() {
        return "SshClient[" + settings.user() + "@" + settings.hostName() + ":" + settings.port()
                + (isOpen() ? "" : ", closed") + "]";
    }

    /**
     * How to reach one destination. Values given here act as ssh(1)'s command line: they win
     * over the configuration files. Not thread-safe; a builder may connect many times.
     */
    public static final class Builder {
        private final Destination destination;
        private final ClientSettings resolved;
        private final List<String> options = new ArrayList<>();
        private final List<Path> identities = new ArrayList<>();
        private String user;
        private Integer port;
        private String configFile;
        private Path home = Path.of(System.getProperty("user.home"));
        private String localUser = System.getProperty("user.name", "root");
        private ClientPrompts prompts = ClientPrompts.NONE;
        private Map<String, String> environment = System.getenv();
        private HostKeyVerifier verifier;
        private Consumer<TransportConfig.Builder> transportCustomizer = b -> { };
        private Duration timeout = Duration.ofSeconds(60);
        private Duration commandTimeout = Duration.ofHours(1);

        private Builder(Destination destination, ClientSettings resolved) {
            this.destination = destination;
            this.resolved = resolved;
        }

        /**
         * The user to log in as ({@code ssh -l}); wins over the destination's and the config's.
         *
         * @param user the user name
         * @return this builder
         * @throws NullPointerException if {@code user} is null
         */
        public Builder user(String user) {
            this.user = Objects.requireNonNull(user);
            return this;
        }

        /**
         * The port ({@code ssh -p}); wins over the destination's and the config's.
         *
         * @param port the port, 1 to 65535
         * @return this builder
         * @throws IllegalArgumentException if {@code port} is out of that range
         */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * A private key file to offer ({@code ssh -i}), before the config's IdentityFiles;
         * repeatable. Its {@code ~} and {@code %} tokens are expanded as IdentityFile's are; a
         * missing or unreadable one is warned about ({@link ClientPrompts#warning}) when keys are
         * offered. As with ssh(1), OpenSSH's default identity files are not tried once any
         * identity file is named.
         *
         * @param file the private key file; its certificate is looked for in {@code file-cert.pub}
         * @return this builder
         */
        public Builder identity(Path file) {
            identities.add(file);
            return this;
        }

        /**
         * An ssh_config option ({@code ssh -o}): {@code "Keyword=value"} or {@code "Keyword value"};
         * repeatable; checked when the settings are resolved ({@link #settings()},
         * {@link #connect()}), which then fail with a {@link ConfigException}.
         *
         * @param option the option
         * @return this builder
         * @throws NullPointerException if {@code option} is null
         */
        public Builder option(String option) {
            options.add(Objects.requireNonNull(option));
            return this;
        }

        /**
         * The configuration file to read instead of ~/.ssh/config and /etc/ssh/ssh_config
         * ({@code ssh -F}); jump hosts read it too. Connecting fails if it does not exist.
         *
         * @param file the configuration file
         * @return this builder
         */
        public Builder configFile(Path file) {
            this.configFile = file.toString();
            return this;
        }

        /**
         * Read no configuration file at all ({@code ssh -F none}), for this host and its jump hosts.
         *
         * @return this builder
         */
        public Builder noConfigFiles() {
            this.configFile = "none";
            return this;
        }

        /**
         * The home directory for {@code ~}, {@code %d} and ~/.ssh (default: the {@code user.home}
         * property, as ssh(1) takes the password database's).
         *
         * @param home the home directory
         * @return this builder
         * @throws NullPointerException if {@code home} is null
         */
        public Builder home(Path home) {
            this.home = Objects.requireNonNull(home);
            return this;
        }

        /**
         * The local user name ({@code %u}, {@code Match localuser}, the default User); default:
         * the {@code user.name} property, or {@code root} without one.
         *
         * @param localUser the local user name
         * @return this builder
         * @throws NullPointerException if {@code localUser} is null
         */
        public Builder localUser(String localUser) {
            this.localUser = Objects.requireNonNull(localUser);
            return this;
        }

        /**
         * Who answers passphrase, password and host key questions (default: nobody,
         * {@link ClientPrompts#NONE}). Replaces a {@link #password} given before.
         *
         * @param prompts the prompts, asked on the thread that connects
         * @return this builder
         * @throws NullPointerException if {@code prompts} is null
         */
        public Builder prompts(ClientPrompts prompts) {
            this.prompts = Objects.requireNonNull(prompts);
            return this;
        }

        /**
         * A password for {@code password} authentication, and for a keyboard-interactive query
         * of one hidden prompt (how PAM asks for one). A convenience over {@link #prompts}: it
         * replaces the prompts given before, answers no other question (passphrases, unknown
         * host keys) and sends the password at most once per login, by whichever of the two
         * methods comes first, since a second try with the same password would be refused again.
         *
         * @param password the password
         * @return this builder
         * @throws NullPointerException if {@code password} is null
         */
        public Builder password(String password) {
            Objects.requireNonNull(password);
            this.prompts = new ClientPrompts() {
                @Override
                public boolean interactive() {
                    return true;
                }

                @Override
                public char[] password(String prompt) {
                    return password.toCharArray();
                }

                @Override
                public List<String> keyboardInteractive(String name, String instruction,
                                                        List<dev.tether.ssh.policy.InteractiveQuery.Prompt> questions) {
                    return questions.size() == 1 && !questions.get(0).echo() ? List.of(password)
                            : questions.isEmpty() ? List.of() : null;
                }
            };
            return this;
        }

        /**
         * The environment {@code SSH_AUTH_SOCK} (or IdentityAgent's {@code $VAR}) is read from,
         * and ProxyCommand runs in (default: this process's).
         *
         * @param env the environment; copied
         * @return this builder
         * @throws NullPointerException if {@code env} is null or has a null key or value
         */
        public Builder environment(Map<String, String> env) {
            this.environment = Map.copyOf(env);
            return this;
        }

        Map<String, String> environment() {
            return environment;
        }

        /**
         * Checks host keys with this instead of known_hosts: {@code StrictHostKeyChecking} no
         * longer applies and nothing is added to known_hosts. Unless {@code HostKeyAlgorithms} is
         * set, the known_hosts files are still read to put the algorithms of the key types they
         * list for the host first. Jump hosts keep checking with known_hosts.
         *
         * @param verifier the verifier, called during the handshake
         * @return this builder
         * @throws NullPointerException if {@code verifier} is null
         */
        public Builder hostKeyVerifier(HostKeyVerifier verifier) {
            this.verifier = Objects.requireNonNull(verifier);
            return this;
        }

        /**
         * Adjusts the transport settings after ssh_config's algorithms and the handshake timeout
         * are applied (rekey limits, software version, ...). Replaces a customizer given before;
         * jump hosts do not use it.
         *
         * @param customizer called with the transport configuration's builder on each connect
         * @return this builder
         * @throws NullPointerException if {@code customizer} is null
         */
        public Builder transport(Consumer<TransportConfig.Builder> customizer) {
            this.transportCustomizer = Objects.requireNonNull(customizer);
            return this;
        }

        /**
         * The time allowed for each connection attempt and for the handshake when
         * {@code ConnectTimeout} is not set (default 60 s); jump hosts use it too.
         *
         * @param timeout the timeout
         * @return this builder
         * @throws NullPointerException if {@code timeout} is null
         */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout);
            return this;
        }

        /**
         * How long {@link SshClient#exec(String)} lets a command run (default one hour).
         *
         * @param timeout the timeout
         * @return this builder
         * @throws NullPointerException if {@code timeout} is null
         */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** A builder for a ProxyJump hop: the same files, home, local user, prompts and environment; nothing else. */
        Builder forHop(Destination hop) {
            Builder b = new Builder(hop, null);
            b.configFile = configFile;
            b.home = home;
            b.localUser = localUser;
            b.prompts = prompts;
            b.environment = environment;
            b.timeout = timeout;
            return b;
        }

        /**
         * What the destination resolves to ({@code ssh -G}): the builder's values, then the
         * configuration files. Reads the files each time; a builder made from settings
         * ({@link SshClient#builder(ClientSettings)}) returns those.
         *
         * @return the settings
         * @throws ConfigException if a file or option is malformed (naming the file and line)
         * @throws IOException     if a configuration file exists but cannot be read
         */
        public ClientSettings settings() throws IOException {
            if (resolved != null) {
                return resolved;
            }
            SshConfig cfg = new SshConfig(destination.host(), localUser, home);
            if (user != null) {
                cfg.setIfAbsent("user", user);
            }
            if (port != null) {
                cfg.setIfAbsent("port", Integer.toString(port));
            }
            for (Path i : identities) {
                cfg.add("identityfile", i.toString());
            }
            for (String o : options) {
                cfg.applyOption(o);
            }
            if (destination.user() != null) {
                cfg.setIfAbsent("user", destination.user());
            }
            if (destination.port() != null) {
                cfg.setIfAbsent("port", destination.port());
            }
            cfg.readFiles(configFile);
            return ClientSettings.of(cfg);
        }

        /**
         * Resolves the settings, connects (directly or through the proxy they name), checks the
         * host key and authenticates; then starts keepalives if {@code ServerAliveInterval} is
         * set (closing the connection after {@code ServerAliveCountMax} of them go unanswered). Each call makes a new connection.
         *
         * @return the connected, authenticated client; the caller closes it
         * @throws IOException if the configuration is bad, the host cannot be reached, its key is
         *                     refused, negotiation fails or authentication fails (see
         *                     {@link SshClient} for the exception of each); nothing is left open then
         */
        public SshClient connect() throws IOException {
            ClientSettings s = settings();
            KnownHostsPolicy policy = KnownHostsPolicy.of(s, prompts);
            HostKeyVerifier v = verifier != null ? verifier : policy;
            Duration deadline = s.connectTimeout() != null ? s.connectTimeout() : timeout;
            TransportConfig config = transportConfig(s, policy, deadline);
            Transport t;
            Socket socket = null;
            try {
                if (Proxies.any(s)) {
                    t = Proxies.connect(s, this, config, v);
                } else {
                    socket = dial(s, deadline);
                    t = Transport.startClient(socket, s.hostName(), s.port(), config, v);
                }
            } catch (IOException | RuntimeException e) {
                if (socket != null) {
                    socket.close();
                }
                throw unwrapHandshakeFailure(e);
            }
            try {
                Set<Path> explicit = new LinkedHashSet<>();
                for (Path i : identities) {
                    explicit.add(Path.of(s.config().expandTilde(i.toString())));
                }
                new ClientAuth(t, s, prompts, explicit, environment).authenticate();
            } catch (IOException | RuntimeException e) {
                t.close();
                throw e;
            }
            if (!s.serverAliveInterval().isZero()) {
                t.setKeepalive(s.serverAliveInterval(), s.serverAliveCountMax());
            }
            log.debug("Authenticated to {} ([{}]:{}) as {}", s.originalHost(), s.hostName(), s.port(), s.user());
            return new SshClient(t, s, commandTimeout);
        }

        private TransportConfig transportConfig(ClientSettings s, KnownHostsPolicy policy, Duration deadline)
                throws ConfigException {
            TransportConfig defaults = TransportConfig.defaults();
            TransportConfig.Builder b = TransportConfig.builder().handshakeTimeout(deadline);
            try {
                b.hostKeyAlgorithms(s.hostKeyAlgorithms() != null ? s.hostKeyAlgorithms()
                        : preferKnown(defaults.hostKeyAlgorithms(), policy.knownKeyTypes(s.hostName(), s.port())));
                b.ciphers(s.ciphers());
                b.macs(s.macs());
                b.kexAlgorithms(s.kexAlgorithms());
                if (s.compression()) {
                    List<String> c = new ArrayList<>(defaults.compression());
                    c.remove("none");
                    c.add("none");
                    b.compression(c);
                }
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage()); // an algorithm name Tether does not know
            }
            transportCustomizer.accept(b);
            return b.build();
        }
    }

    /** Connects to every address of the host in turn, within the deadline; ssh(1)'s messages on failure. */
    private static Socket dial(ClientSettings s, Duration deadline) throws IOException {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(s.hostName());
        } catch (UnknownHostException e) {
            throw new UnknownHostException("Could not resolve hostname " + s.hostName() + ": Name or service not known");
        }
        int timeout = (int) Math.max(1, Math.min(Integer.MAX_VALUE, deadline.toMillis()));
        IOException last = null;
        for (InetAddress a : addresses) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(a, s.port()), timeout);
                log.debug("Connection established to {} port {}", a.getHostAddress(), s.port());
                return socket;
            } catch (IOException e) {
                socket.close();
                last = e;
                log.debug("connect to address {} port {}: {}", a.getHostAddress(), s.port(), e.getMessage());
            }
        }
        String prefix = "connect to host " + s.hostName() + " port " + s.port() + ": ";
        if (last instanceof SocketTimeoutException) {
            throw new SocketTimeoutException(prefix + "Connection timed out");
        }
        if (last instanceof NoRouteToHostException) {
            throw (IOException) new NoRouteToHostException(prefix + "No route to host").initCause(last);
        }
        if (last instanceof ConnectException && last.getMessage() != null && last.getMessage().startsWith("Connection refused")) {
            throw (IOException) new ConnectException(prefix + "Connection refused").initCause(last);
        }
        throw new ConnectException(prefix + (last == null ? "no address" : last.getMessage()));
    }

    /** A refused host key or a failed negotiation, as thrown by the handshake, rather than the wrapper around it. */
    private static IOException unwrapHandshakeFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HostKeyException || t instanceof NegotiationException) {
                return (IOException) t;
            }
        }
        if (e instanceof IOException io) {
            return io;
        }
        if (e instanceof IllegalArgumentException) {
            return new ConfigException(e.getMessage());
        }
        throw (RuntimeException) e;
    }

    /** Puts the host key algorithms of keys already known for the host first, as ssh(1) does. */
    static List<String> preferKnown(List<String> algorithms, Set<String> knownKeyTypes) {
        if (knownKeyTypes.isEmpty()) {
            return algorithms;
        }
        List<String> first = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        for (String a : algorithms) {
            String plain = SignatureAlgorithms.underlyingAlgorithm(a);
            String type;
            try {
                type = SignatureAlgorithms.keyType(plain);
            } catch (IllegalArgumentException e) {
                type = plain;
            }
            (knownKeyTypes.contains(type) ? first : rest).add(a);
        }
        first.addAll(rest);
        return first;
    }
}
