/**
 * Tether's SSH2 client and server. The API is the root package {@code dev.tether.ssh}, with
 * {@code keys} and {@code agent}. The engine packages exported below are exported only because
 * their types appear in public signatures of the API (or, for {@code connection}, because
 * tether-pty implements its {@code PtySpawner} SPI); they are not a compatibility promise.
 */
module dev.tether.ssh {
    requires org.slf4j;
    requires org.bouncycastle.provider;

    exports dev.tether.ssh;
    exports dev.tether.ssh.common;
    exports dev.tether.ssh.policy;
    exports dev.tether.ssh.keys;
    exports dev.tether.ssh.agent;

    // credentials: checkers for servers, signers and prompts for clients
    exports dev.tether.ssh.auth;
    // pseudo-terminals: the SPI tether-pty implements (PtySpawner, PtyProcess, ProcessSignals)
    exports dev.tether.ssh.pty;
    // TODO(issue 10): engine types in API signatures, to be moved: Channel's implementation and
    // ConnectionService are reached from Portal; TerminalModes (pty modes, used by tether-pty's tests)
    exports dev.tether.ssh.connection;
    // TODO(issue 10): engine type in API signature, to be moved:
    // MessageHandler (Transport.setMessageHandler, TransportConfig.Builder.service, TransportConfig.services)
    exports dev.tether.ssh.transport;
    // TODO(issue 10): engine type in API signature, to be moved:
    // KexAlgorithm (TransportConfig.Builder.customKex, TransportConfig.kex) and through it HostKeySigner, KexContext, KexIo, KexResult
    exports dev.tether.ssh.kex;
    // TODO(issue 10): engine type in API signature, to be moved:
    // SshReader (Transport.globalRequest, MessageHandler)
    exports dev.tether.ssh.wire;

    // pseudo-terminals: tether-pty provides one (on the class path through META-INF/services)
    uses dev.tether.ssh.pty.PtySpawner;
}
