package dev.tether.ssh.policy;

import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.PtyRequest;
import dev.tether.ssh.common.SshException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The server's policy, in the shape of paramiko's {@code ServerInterface}: callbacks that decide
 * who may log in. Every callback denies by default, so a server grants exactly what its
 * implementation overrides. One instance serves one connection (see
 * {@link dev.tether.ssh.TransportConfig.Builder#serverInterface}), so it may keep per-connection state.
 *
 * <p><b>Threads.</b> The synchronous callbacks run on the connection's reader thread and should
 * return quickly. A policy that must wait (a directory lookup, a remote password check) overrides
 * the {@code ...Async} variant instead and returns a {@link CompletionStage}; the connection goes
 * on reading meanwhile and answers the client when the stage completes.
 */
public interface ServerInterface {

    /**
     * The authentication methods that can continue for this user (RFC 4252 §5.1), in order,
     * e.g. {@code ["publickey", "password"]}. Called after every failure and partial success, so a
     * multi-factor policy returns what is still missing. An empty list ends the connection with
     * NO_MORE_AUTH_METHODS_AVAILABLE.
     *
     * @param username the user name the client asked for
     * @return the method names, e.g. {@code publickey}, {@code password}, {@code keyboard-interactive}; empty by
     *     default
     */
    default List<String> getAllowedAuths(String username) {
        return List.of();
    }

    /**
     * The {@code none} method; a server with no authentication returns SUCCESSFUL.
     *
     * @param username the user name the client asked for
     * @return the result; {@link AuthResult#FAILED} by default
     */
    default AuthResult checkAuthNone(String username) {
        return AuthResult.FAILED;
    }

    /**
     * The {@code password} method. May return {@link AuthResult#PASSWORD_CHANGE_REQUIRED} when
     * the password is right but expired. The password must be compared in constant time.
     *
     * @param username the user name the client asked for
     * @param password the password the client sent
     * @return the result; {@link AuthResult#FAILED} by default
     */
    default AuthResult checkAuthPassword(String username, String password) {
        return AuthResult.FAILED;
    }

    /**
     * A password change (RFC 4252 §8) after {@link AuthResult#PASSWORD_CHANGE_REQUIRED}, or offered by the client.
     *
     * @param username    the user name the client asked for
     * @param oldPassword the current password the client sent
     * @param newPassword the new password the client chose
     * @return the result; {@link AuthResult#FAILED} by default
     */
    default AuthResult checkAuthPasswordChange(String username, String oldPassword, String newPassword) {
        return AuthResult.FAILED;
    }

    /**
     * The prompt sent with SSH_MSG_USERAUTH_PASSWD_CHANGEREQ.
     *
     * @param username the user whose password expired
     * @return the prompt text; by default a sentence saying the password has expired
     */
    default String getPasswordChangePrompt(String username) {
        return "Your password has expired; please choose a new one.";
    }

    /**
     * The {@code publickey} method: is this key acceptable for this user? Called once for a
     * query without signature (a positive answer sends PK_OK) and again after the signature over
     * the session has verified. Only the second call can authenticate.
     *
     * @param username the user name the client asked for
     * @param key      the key or certificate the client offered
     * @return the result; {@link AuthResult#FAILED} by default
     */
    default AuthResult checkAuthPublickey(String username, UserKey key) {
        return AuthResult.FAILED;
    }

    /**
     * Starts {@code keyboard-interactive} (RFC 4256): return the first query, or null to fail.
     *
     * @param submethods the client's submethods hint, often empty
     * @param username   the user name the client asked for
     * @return the first query, or null to fail the method; null by default
     */
    default InteractiveQuery checkAuthInteractive(String username, String submethods) {
        return null;
    }

    /**
     * The client's answers to the last query, one per prompt. Return a final result, or a
     * further query with {@link InteractiveQuery.Answer#ask}.
     *
     * @param responses the answers, in the order of the last query's prompts
     * @return the answer: a final result or a further query; by default a final {@link AuthResult#FAILED}
     */
    default InteractiveQuery.Answer checkAuthInteractiveResponse(List<String> responses) {
        return InteractiveQuery.Answer.done(AuthResult.FAILED);
    }

    /**
     * A banner shown before authentication (RFC 4252 §5.4), or null for none.
     *
     * @return the banner text, or null; null by default
     */
    default String getBanner() {
        return null;
    }

    // Asynchronous variants: override these instead of the synchronous ones to answer later.

    /**
     * The {@code none} method, answered later; by default {@link #checkAuthNone} at once.
     *
     * @param username the user name the client asked for
     * @return a stage completing with the result
     */
    default CompletionStage<AuthResult> checkAuthNoneAsync(String username) {
        return CompletableFuture.completedFuture(checkAuthNone(username));
    }

    /**
     * The {@code password} method, answered later; by default {@link #checkAuthPassword} at once.
     *
     * @param username the user name the client asked for
     * @param password the password the client sent
     * @return a stage completing with the result
     */
    default CompletionStage<AuthResult> checkAuthPasswordAsync(String username, String password) {
        return CompletableFuture.completedFuture(checkAuthPassword(username, password));
    }

    /**
     * A password change, answered later; by default {@link #checkAuthPasswordChange} at once.
     *
     * @param username    the user name the client asked for
     * @param oldPassword the current password the client sent
     * @param newPassword the new password the client chose
     * @return a stage completing with the result
     */
    default CompletionStage<AuthResult> checkAuthPasswordChangeAsync(String username, String oldPassword, String newPassword) {
        return CompletableFuture.completedFuture(checkAuthPasswordChange(username, oldPassword, newPassword));
    }

    /**
     * The {@code publickey} method (both the unsigned query and the signed request), answered later; by default
     * {@link #checkAuthPublickey} at once.
     *
     * @param username the user name the client asked for
     * @param key      the key or certificate the client offered
     * @return a stage completing with the result
     */
    default CompletionStage<AuthResult> checkAuthPublickeyAsync(String username, UserKey key) {
        return CompletableFuture.completedFuture(checkAuthPublickey(username, key));
    }

    /**
     * The signed {@code publickey} request, asked only after its signature verified; this is the
     * call that authenticates. By default the same as {@link #checkAuthPublickeyAsync}, as in
     * paramiko; a policy that counts factors overrides it so that unsigned queries do not count.
     *
     * @param username the user name the client asked for
     * @param key      the key or certificate whose signature verified
     * @return a stage completing with the result
     */
    default CompletionStage<AuthResult> checkAuthPublickeySignedAsync(String username, UserKey key) {
        return checkAuthPublickeyAsync(username, key);
    }

    /**
     * Starts {@code keyboard-interactive}, answered later; by default {@link #checkAuthInteractive} at once.
     *
     * @param username   the user name the client asked for
     * @param submethods the client's submethods hint, often empty
     * @return a stage completing with the first query, or with null to fail the method
     */
    default CompletionStage<InteractiveQuery> checkAuthInteractiveAsync(String username, String submethods) {
        return CompletableFuture.completedFuture(checkAuthInteractive(username, submethods));
    }

    /**
     * The answers to the last {@code keyboard-interactive} query, judged later; by default
     * {@link #checkAuthInteractiveResponse} at once.
     *
     * @param responses the answers, in the order of the last query's prompts
     * @return a stage completing with a final result or a further query
     */
    default CompletionStage<InteractiveQuery.Answer> checkAuthInteractiveResponseAsync(List<String> responses) {
        return CompletableFuture.completedFuture(checkAuthInteractiveResponse(responses));
    }

    // Connection protocol (RFC 4254). Called on the reader thread; every request denies by default.

    /**
     * A channel open of {@code kind} ({@code session}, ...): SUCCEEDED or an RFC reason (§5.1).
     *
     * @param kind   the channel type
     * @param chanid the channel number the client chose for it
     * @return {@link ChannelOpenResult#SUCCEEDED} to open it, else the refusal's reason; ADMINISTRATIVELY_PROHIBITED
     *     by default
     */
    default ChannelOpenResult checkChannelRequest(String kind, int chanid) {
        return ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
    }

    /**
     * {@code pty-req}: whether the session may have a pseudo-terminal of this type, size and modes.
     *
     * @param channel the session channel
     * @param pty     the requested terminal
     * @return true to accept; false by default
     */
    default boolean checkChannelPtyRequest(Channel channel, PtyRequest pty) {
        return false;
    }

    /**
     * {@code shell}: return true to accept, then serve the user's shell on the channel (from another thread, or with
     * {@code ProcessSessions}).
     *
     * @param channel the session channel
     * @return true to accept; false by default
     */
    default boolean checkChannelShellRequest(Channel channel) {
        return false;
    }

    /**
     * {@code exec}: return true to accept, then serve the command on the channel (from another
     * thread, or with {@code ProcessSessions}); the channel closes when the server closes it.
     *
     * @param channel the session channel
     * @param command the command line the client sent
     * @return true to accept; false by default
     */
    default boolean checkChannelExecRequest(Channel channel, String command) {
        return false;
    }

    /**
     * {@code subsystem}, e.g. {@code sftp}: return true to accept, then serve the subsystem on the channel.
     *
     * @param channel the session channel
     * @param name    the subsystem name
     * @return true to accept; false by default
     */
    default boolean checkChannelSubsystemRequest(Channel channel, String name) {
        return false;
    }

    /**
     * {@code window-change}: the client's terminal has a new size, to pass on to the session's pty.
     *
     * @param channel      the session channel
     * @param columns      the width in characters
     * @param rows         the height in characters
     * @param widthPixels  the width in pixels, 0 when unknown
     * @param heightPixels the height in pixels, 0 when unknown
     * @return true if it was applied; false by default
     */
    default boolean checkChannelWindowChangeRequest(Channel channel, int columns, int rows, int widthPixels, int heightPixels) {
        return false;
    }

    /**
     * {@code env}: whether to set an environment variable for the session's command (sshd's AcceptEnv).
     *
     * @param channel the session channel
     * @param name    the variable's name
     * @param value   its value
     * @return true to accept; false by default
     */
    default boolean checkChannelEnvRequest(Channel channel, String name, String value) {
        return false;
    }

    /**
     * {@code signal}: deliver a signal to the session's command.
     *
     * @param channel the session channel
     * @param signal  the signal name without {@code SIG}, e.g. {@code INT}
     * @return true if it was delivered; false by default
     */
    default boolean checkChannelSignalRequest(Channel channel, String signal) {
        return false;
    }

    /**
     * {@code x11-req}: whether the session may forward X11. When true, the engine sets up the display (see
     * {@link #x11DisplayOffset}).
     *
     * @param channel          the session channel
     * @param singleConnection whether only one X11 connection is to be forwarded
     * @param authProtocol     the X11 authentication protocol, e.g. {@code MIT-MAGIC-COOKIE-1}
     * @param authCookie       the cookie, as hexadecimal
     * @param screen           the X11 screen number
     * @return true to accept; false by default
     */
    default boolean checkChannelX11Request(Channel channel, boolean singleConnection, String authProtocol, String authCookie, int screen) {
        return false;
    }

    /**
     * {@code auth-agent-req@openssh.com}: whether the session may forward the client's agent. When true, the engine
     * gives the session an agent socket named by {@code SSH_AUTH_SOCK}.
     *
     * @param channel the session channel
     * @return true to accept; false by default
     */
    default boolean checkChannelForwardAgentRequest(Channel channel) {
        return false;
    }

    // Agent and X11 forwarding: what the engine does once the checks above allow a request.

    /**
     * The first X11 display number tried for a session's {@code x11-req} (sshd's
     * X11DisplayOffset): the server listens on 127.0.0.1:6000+N for the first free N from here.
     *
     * @return the first display number; 10 by default
     */
    default int x11DisplayOffset() {
        return 10;
    }

    /**
     * {@code direct-tcpip} ({@code ssh -L}, {@code -W}, {@code -J}): SUCCEEDED lets the server
     * connect to {@code host:port} and relay the channel to it (a failed connect is answered
     * CONNECT_FAILED); any other result is the refusal's RFC 4254 §5.1 reason.
     *
     * @param chanid     the channel number the client chose
     * @param originHost the address of the connection's originator, as the client reports it
     * @param originPort the originator's port
     * @param host       the host to connect to
     * @param port       the port to connect to
     * @return {@link ChannelOpenResult#SUCCEEDED} to connect, else the refusal's reason; ADMINISTRATIVELY_PROHIBITED
     *     by default
     */
    default ChannelOpenResult checkChannelDirectTcpipRequest(int chanid, String originHost, int originPort, String host, int port) {
        return ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
    }

    /**
     * {@code tcpip-forward} ({@code ssh -R}): a port of 0 or more accepts, and the server then
     * listens on {@code port} (0: one the system picks, named in the reply) at the address
     * {@link #gatewayPorts} gives, opening a {@code forwarded-tcpip} channel per connection;
     * -1 refuses.
     *
     * @param address the address the client asked to bind, e.g. {@code ""}, {@code localhost} or {@code 0.0.0.0}
     * @param port    the port the client asked for; 0 for one the system picks
     * @return the port to listen on (0 or more), or -1 to refuse; -1 by default
     */
    default int checkPortForwardRequest(String address, int port) {
        return -1;
    }

    /**
     * {@code cancel-tcpip-forward}: told after the listener is closed.
     *
     * @param address the address of the cancelled forward, as the client asked for it
     * @param port    its port
     */
    default void cancelPortForwardRequest(String address, int port) {
    }

    // Forwarding, continued: asynchronous answers, where remote forwards listen, and Unix-domain
    // sockets (OpenSSH PROTOCOL §2.4). Called on the reader thread; every request denies by default.

    /**
     * {@code direct-tcpip}, answered later; by default {@link #checkChannelDirectTcpipRequest} at once.
     *
     * @param chanid     the channel number the client chose
     * @param originHost the address of the connection's originator, as the client reports it
     * @param originPort the originator's port
     * @param host       the host to connect to
     * @param port       the port to connect to
     * @return a stage completing with {@link ChannelOpenResult#SUCCEEDED} or the refusal's reason
     */
    default CompletionStage<ChannelOpenResult> checkChannelDirectTcpipRequestAsync(int chanid, String originHost, int originPort,
                                                                                  String host, int port) {
        return CompletableFuture.completedFuture(checkChannelDirectTcpipRequest(chanid, originHost, originPort, host, port));
    }

    /**
     * {@code tcpip-forward}, answered later; by default {@link #checkPortForwardRequest} at once.
     *
     * @param address the address the client asked to bind
     * @param port    the port the client asked for; 0 for one the system picks
     * @return a stage completing with the port to listen on, or -1 to refuse
     */
    default CompletionStage<Integer> checkPortForwardRequestAsync(String address, int port) {
        return CompletableFuture.completedFuture(checkPortForwardRequest(address, port));
    }

    /**
     * Where accepted {@code tcpip-forward} listeners listen (sshd's GatewayPorts; default: loopback only).
     *
     * @return the gateway ports setting; {@link GatewayPorts#NO} by default
     */
    default GatewayPorts gatewayPorts() {
        return GatewayPorts.NO;
    }

    /**
     * {@code direct-streamlocal@openssh.com}: SUCCEEDED lets the server connect to the Unix socket {@code socketPath}
     * and relay.
     *
     * @param chanid     the channel number the client chose
     * @param socketPath the path of the Unix socket to connect to
     * @return {@link ChannelOpenResult#SUCCEEDED} to connect, else the refusal's reason; ADMINISTRATIVELY_PROHIBITED
     *     by default
     */
    default ChannelOpenResult checkChannelDirectStreamlocalRequest(int chanid, String socketPath) {
        return ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
    }

    /**
     * {@code direct-streamlocal@openssh.com}, answered later; by default
     * {@link #checkChannelDirectStreamlocalRequest} at once.
     *
     * @param chanid     the channel number the client chose
     * @param socketPath the path of the Unix socket to connect to
     * @return a stage completing with {@link ChannelOpenResult#SUCCEEDED} or the refusal's reason
     */
    default CompletionStage<ChannelOpenResult> checkChannelDirectStreamlocalRequestAsync(int chanid, String socketPath) {
        return CompletableFuture.completedFuture(checkChannelDirectStreamlocalRequest(chanid, socketPath));
    }

    /**
     * {@code streamlocal-forward@openssh.com}: true lets the server listen on the Unix socket
     * {@code socketPath} (mode 0600; it must not exist) and open a
     * {@code forwarded-streamlocal@openssh.com} channel per connection.
     *
     * @param socketPath the path of the socket to create
     * @return true to listen; false by default
     */
    default boolean checkStreamlocalForwardRequest(String socketPath) {
        return false;
    }

    /**
     * {@code streamlocal-forward@openssh.com}, answered later; by default {@link #checkStreamlocalForwardRequest} at
     * once.
     *
     * @param socketPath the path of the socket to create
     * @return a stage completing with true to listen
     */
    default CompletionStage<Boolean> checkStreamlocalForwardRequestAsync(String socketPath) {
        return CompletableFuture.completedFuture(checkStreamlocalForwardRequest(socketPath));
    }

    /**
     * {@code cancel-streamlocal-forward@openssh.com}: told after the listener is closed.
     *
     * @param socketPath the path of the cancelled forward's socket
     */
    default void cancelStreamlocalForwardRequest(String socketPath) {
    }

    /**
     * A global request we do not handle ourselves; true for REQUEST_SUCCESS.
     *
     * @param kind the request name
     * @return true to answer REQUEST_SUCCESS (when the client wants a reply); false by default
     */
    default boolean checkGlobalRequest(String kind) {
        return false;
    }

    /**
     * Called once when the user is authenticated, before USERAUTH_SUCCESS is sent. The
     * connection protocol layer asks the policy for channels from here on. Throwing refuses the
     * login after all: the connection ends with the exception's reason.
     *
     * @param username the authenticated user name
     * @throws SshException to refuse the login after all; its reason ends the connection
     */
    default void authenticated(String username) throws SshException {
    }

    /** Called once when the connection ends, authenticated or not (Conch's logout hook). */
    default void connectionClosed() {
    }
}
