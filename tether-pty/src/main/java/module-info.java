/** Pseudo-terminals for Tether's server sessions, on pty4j: the {@code PtySpawner} the core finds through {@code ServiceLoader}. */
module dev.tether.pty {
    requires dev.tether.ssh;
    // pty4j 0.13.4 has no module descriptor and no Automatic-Module-Name: this is the name derived from its file name
    requires pty4j;
    requires org.slf4j;

    exports dev.tether.pty;

    // on the class path the same provider is registered in META-INF/services/dev.tether.ssh.pty.PtySpawner
    provides dev.tether.ssh.pty.PtySpawner with dev.tether.pty.Pty4jSpawner;
}
