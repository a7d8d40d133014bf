package dev.tether.ssh.session;

import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.PtyRequest;
import dev.tether.ssh.connection.ChannelImpl;
import dev.tether.ssh.policy.Command;
import dev.tether.ssh.policy.CommandContext;
import dev.tether.ssh.policy.Login;
import dev.tether.ssh.transport.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Runs an in-process {@link Command} on a session channel: one thread per command; its exit
 * status is reported, then EOF and CLOSE (RFC 4254 §6.10). A command that throws exits with 1.
 */
public final class InProcessSession implements CommandContext {
    private static final Logger log = LoggerFactory.getLogger(InProcessSession.class);

    private final Channel channel;
    private final String command;
    private final Map<String, String> environment;
    private final Login login;
    private volatile PtyRequest terminal;
    private final List<Consumer<String>> signalListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<PtyRequest>> resizeListeners = new CopyOnWriteArrayList<>();
    private final OutputStream stdout;
    private final OutputStream stderr;

    private InProcessSession(Channel channel, String command, Map<String, String> environment, Login login, PtyRequest terminal) {
        this.channel = channel;
        this.command = command;
        this.environment = Map.copyOf(environment);
        this.login = login;
        this.terminal = terminal;
        this.stdout = channel.getOutputStream();
        this.stderr = channel.getErrorOutputStream();
    }

    /** Starts {@code cmd} once the reply to the current request has gone out. */
    public static InProcessSession start(Channel channel, Command cmd, String commandLine, Map<String, String> env,
                                         Login login, PtyRequest terminal) {
        InProcessSession s = new InProcessSession(channel, commandLine, env, login, terminal);
        ((ChannelImpl) channel).afterReply(() -> Threads.newThread("tether-command-" + channel.localId(), () -> s.run(cmd)).start());
        return s;
    }

    private void run(Command cmd) {
        int status;
        try {
            status = cmd.run(this);
        } catch (Exception e) {
            log.warn("{} command {} failed", channel, command, e);
            status = 1;
        }
        try {
            stdout.flush();
            channel.sendExitStatus(status);
            channel.sendEof();
        } catch (IOException e) {
            // the channel or connection is gone
        }
        channel.close();
    }

    /** Delivers a signal from the client. */
    public void signal(String name) {
        signalListeners.forEach(l -> l.accept(name));
    }

    /** Delivers a window change from the client. */
    public void resize(PtyRequest size) {
        terminal = size;
        resizeListeners.forEach(l -> l.accept(size));
    }

    @Override
    public String command() {
        return command;
    }

    @Override
    public InputStream stdin() {
        return channel.getInputStream();
    }

    @Override
    public OutputStream stdout() {
        return stdout;
    }

    @Override
    public OutputStream stderr() {
        return stderr;
    }

    @Override
    public PtyRequest terminal() {
        return terminal;
    }

    @Override
    public Map<String, String> environment() {
        return environment;
    }

    @Override
    public Login login() {
        return login;
    }

    @Override
    public void onSignal(Consumer<String> listener) {
        signalListeners.add(listener);
    }

    @Override
    public void onWindowChange(Consumer<PtyRequest> listener) {
        resizeListeners.add(listener);
    }
}
