/**
 * Tether's SSH2 client and server. The module exports the API packages only: the root package
 * (where an application starts), {@code client} (the high-level {@code SshClient} that behaves
 * like {@code ssh}), {@code common}, {@code policy}, {@code auth}, {@code keys}, {@code agent},
 * the pty SPI {@code pty}, and {@code config} (reading OpenSSH-style configuration files). The
 * engine ({@code wire}, {@code transport}, {@code kex}, {@code userauth}, {@code connection},
 * {@code session}, {@code forward}, {@code server}) is public where one engine package needs
 * another, and not exported.
 */
module dev.tether.ssh {
    requires org.slf4j;
    requires org.bouncycastle.provider;
    // only to read HotSpot's UsePoly1305Intrinsics flag (transport.Poly1305Mac); absent means "no"
    requires static jdk.management;

    exports dev.tether.ssh;
    exports dev.tether.ssh.common;
    exports dev.tether.ssh.policy;
    exports dev.tether.ssh.auth;
    exports dev.tether.ssh.keys;
    exports dev.tether.ssh.agent;
    exports dev.tether.ssh.pty;
    exports dev.tether.ssh.client;
    exports dev.tether.ssh.config;

    // pseudo-terminals: tether-pty provides one (on the class path through META-INF/services)
    uses dev.tether.ssh.pty.PtySpawner;
}
