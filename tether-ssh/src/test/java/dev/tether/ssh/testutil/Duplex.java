package dev.tether.ssh.testutil;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;

/**
 * Two connected in-memory byte streams, one per direction, for running a client and a server
 * Transport against each other without a socket. Built on {@link Pipe}, whose channels unblock
 * a blocked reader when closed, so closing a Transport ends its threads.
 */
public final class Duplex {
    public final InputStream clientIn;
    public final OutputStream clientOut;
    public final InputStream serverIn;
    public final OutputStream serverOut;

    public Duplex() throws IOException {
        Pipe c2s = Pipe.open();
        Pipe s2c = Pipe.open();
        clientOut = Channels.newOutputStream(c2s.sink());
        serverIn = Channels.newInputStream(c2s.source());
        serverOut = Channels.newOutputStream(s2c.sink());
        clientIn = Channels.newInputStream(s2c.source());
    }
}
