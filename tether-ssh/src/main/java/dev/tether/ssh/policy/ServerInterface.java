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
     */
    default List<String> getAllowedAuths(String username) {
        return List.of();
    }

    /** The {@code none} method; a server with no authentication returns SUCCESSFUL. */
    default AuthResult checkAuthNone(String username) {
        return AuthResult.FAILED;
    }

    /**
     * The {@code password} method. May return {@link AuthResult#PASSWORD_CHANGE_REQUIRED} when
     * the password is right but expired. The password must be compared in constant time.
     */
    default AuthResult checkAuthPassword(String username, String password) {
        return AuthResult.FAILED;
    }

    /** A password change (RFC 4252 §8) after {@link AuthResult#PASSWORD_CHANGE_REQUIRED}, or offered by the client. */
    default AuthResult checkAuthPasswordChange(String username, String oldPassword, String newPassword) {
        return AuthResult.FAILED;
    }

    /** The prompt sent with SSH_MSG_USERAUTH_PASSWD_CHANGEREQ. */
    default String getPasswordChangePrompt(String username) {
        return "Your password has expired; please choose a new one.";
    }

    /**
     * The {@code publickey} method: is this key acceptable for this user? Called once for a
     * query without signature (a positive answer sends PK_OK) and again after the signature over
     * the session has verified. Only the second call can authenticate.
     */
    default AuthResult checkAuthPublickey(String username, UserKey key) {
        return AuthResult.FAILED;
    }

    /**
     * Starts {@code keyboard-interactive} (RFC 4256): return the first query, or null to fail.
     *
     * @param submethods the client's submethods hint, often empty
     */
    default InteractiveQuery checkAuthInteractive(String username, String submethods) {
        return null;
    }

    /**
     * The client's answers to the last query, one per prompt. Return a final result, or a
     * further query with {@link InteractiveQuery.Answer#ask}.
     */
    default InteractiveQuery.Answer checkAuthInteractiveResponse(List<String> responses) {
        return InteractiveQuery.Answer.done(AuthResult.FAILED);
    }

    /** A banner shown before authentication (RFC 4252 §5.4), or null for none. */
    default String getBanner() {
        return null;
    }

    // Asynchronous variants: override these instead of the synchronous ones to answer later.

    default CompletionStage<AuthResult> checkAuthNoneAsync(String username) {
        return CompletableFuture.completedFuture(checkAuthNone(username));
    }

    default CompletionStage<AuthResult> checkAuthPasswordAsync(String username, String password) {
        return CompletableFuture.completedFuture(checkAuthPassword(username, password));
    }

    default CompletionStage<AuthResult> checkAuthPasswordChangeAsync(String username, String oldPassword, String newPassword) {
        return CompletableFuture.completedFuture(checkAuthPasswordChange(username, oldPassword, newPassword));
    }

    default CompletionStage<AuthResult> checkAuthPublickeyAsync(String username, UserKey key) {
        return CompletableFuture.completedFuture(checkAuthPublickey(username, key));
    }

    /**
     * The signed {@code publickey} request, asked only after its signature verified; this is the
     * call that authenticates. By default the same as {@link #checkAuthPublickeyAsync}, as in
     * paramiko; a policy that counts factors overrides it so that unsigned queries do not count.
     */
    default CompletionStage<AuthResult> checkAuthPublickeySignedAsync(String username, UserKey key) {
        return checkAuthPublickeyAsync(username, key);
    }

    default CompletionStage<InteractiveQuery> checkAuthInteractiveAsync(String username, String submethods) {
        return CompletableFuture.completedFuture(checkAuthInteractive(username, submethods));
    }

    default CompletionStage<InteractiveQuery.Answer> checkAuthInteractiveResponseAsync(List<String> responses) {
        return CompletableFuture.completedFuture(checkAuthInteractiveResponse(responses));
    }

    // Connection protocol (RFC 4254). Called on the reader thread; every request denies by default.

    /** A channel open of {@code kind} ({@code session}, ...): SUCCEEDED or an RFC reason (§5.1). */
    default ChannelOpenResult checkChannelRequest(String kind, int chanid) {
        return ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
    }

    default boolean checkChannelPtyRequest(Channel channel, PtyRequest pty) {
        return false;
    }

    default boolean checkChannelShellRequest(Channel channel) {
        return false;
    }

    /**
     * {@code exec}: return true to accept, then serve the command on the channel (from another
     * thread, or with {@code ProcessSessions}); the channel closes when the server closes it.
     */
    default boolean checkChannelExecRequest(Channel channel, String command) {
        return false;
    }

    default boolean checkChannelSubsystemRequest(Channel channel, String name) {
        return false;
    }

    default boolean checkChannelWindowChangeRequest(Channel channel, int columns, int rows, int widthPixels, int heightPixels) {
        return false;
    }

    default boolean checkChannelEnvRequest(Channel channel, String name, String value) {
        return false;
    }

    default boolean checkChannelSignalRequest(Channel channel, String signal) {
        return false;
    }

    default boolean checkChannelX11Request(Channel channel, boolean singleConnection, String authProtocol, String authCookie, int screen) {
        return false;
    }

    default boolean checkChannelForwardAgentRequest(Channel channel) {
        return false;
    }

    // Agent and X11 forwarding: what the engine does once the checks above allow a request.

    /**
     * The first X11 display number tried for a session's {@code x11-req} (sshd's
     * X11DisplayOffset): the server listens on 127.0.0.1:6000+N for the first free N from here.
     */
    default int x11DisplayOffset() {
        return 10;
    }

    /**
     * {@code direct-tcpip} ({@code ssh -L}, {@code -W}, {@code -J}): SUCCEEDED lets the server
     * connect to {@code host:port} and relay the channel to it (a failed connect is answered
     * CONNECT_FAILED); any other result is the refusal's RFC 4254 §5.1 reason.
     */
    default ChannelOpenResult checkChannelDirectTcpipRequest(int chanid, String originHost, int originPort, String host, int port) {
        return ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
    }

    /**
     * {@code tcpip-forward} ({@code ssh -R}): a port of 0 or more accepts, and the server then
     * listens on {@code port} (0: one the system picks, named in the reply) at the address
     * {@link #gatewayPorts} gives, opening a {@code forwarded-tcpip} channel per connection;
     * -1 refuses.
     */
    default int checkPortForwardRequest(String address, int port) {
        return -1;
    }

    /** {@code cancel-tcpip-forward}: told after the listener is closed. */
    default void cancelPortForwardRequest(String address, int port) {
    }

    // Forwarding, continued: asynchronous answers, where remote forwards listen, and Unix-domain
    // sockets (OpenSSH PROTOCOL §2.4). Called on the reader thread; every request denies by default.

    default CompletionStage<ChannelOpenResult> checkChannelDirectTcpipRequestAsync(int chanid, String originHost, int originPort,
                                                                                  String host, int port) {
        return CompletableFuture.completedFuture(checkChannelDirectTcpipRequest(chanid, originHost, originPort, host, port));
    }

    default CompletionStage<Integer> checkPortForwardRequestAsync(String address, int port) {
        return CompletableFuture.completedFuture(checkPortForwardRequest(address, port));
    }

    /** Where accepted {@code tcpip-forward} listeners listen (sshd's GatewayPorts; default: loopback only). */
    default GatewayPorts gatewayPorts() {
        return GatewayPorts.NO;
    }

    /** {@code direct-streamlocal@openssh.com}: SUCCEEDED lets the server connect to the Unix socket {@code socketPath} and relay. */
    default ChannelOpenResult checkChannelDirectStreamlocalRequest(int chanid, String socketPath) {
        return ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
    }

    default CompletionStage<ChannelOpenResult> checkChannelDirectStreamlocalRequestAsync(int chanid, String socketPath) {
        return CompletableFuture.completedFuture(checkChannelDirectStreamlocalRequest(chanid, socketPath));
    }

    /**
     * {@code streamlocal-forward@openssh.com}: true lets the server listen on the Unix socket
     * {@code socketPath} (mode 0600; it must not exist) and open a
     * {@code forwarded-streamlocal@openssh.com} channel per connection.
     */
    default boolean checkStreamlocalForwardRequest(String socketPath) {
        return false;
    }

    default CompletionStage<Boolean> checkStreamlocalForwardRequestAsync(String socketPath) {
        return CompletableFuture.completedFuture(checkStreamlocalForwardRequest(socketPath));
    }

    /** {@code cancel-streamlocal-forward@openssh.com}: told after the listener is closed. */
    default void cancelStreamlocalForwardRequest(String socketPath) {
    }

    /** A global request we do not handle ourselves; true for REQUEST_SUCCESS. */
    default boolean checkGlobalRequest(String kind) {
        return false;
    }

    /**
     * Called once when the user is authenticated, before USERAUTH_SUCCESS is sent. The
     * connection protocol layer asks the policy for channels from here on. Throwing refuses the
     * login after all: the connection ends with the exception's reason.
     */
    default void authenticated(String username) throws SshException {
    }

    /** Called once when the connection ends, authenticated or not (Conch's logout hook). */
    default void connectionClosed() {
    }
}
