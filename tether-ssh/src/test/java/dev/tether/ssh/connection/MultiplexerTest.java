package dev.tether.ssh.connection;

import dev.tether.ssh.Engines;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.policy.ChannelOpenResult;
import dev.tether.ssh.testutil.NoneAuthPolicy;
import dev.tether.ssh.testutil.Pair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connection service as a multiplexer, over the in-memory pipe (no sockets, no processes):
 * channel opens, channel requests and global requests reach the handler registered for their
 * name, with their type-specific data; what nobody registered gets the fallback; refusals carry
 * the handler's reason code and text; replies precede what the handler queued after them.
 */
class MultiplexerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<String> seen = new CopyOnWriteArrayList<>();
    private Pair p;

    @BeforeEach
    void connect() throws Exception {
        p = Pair.inMemory(TransportConfig.builder().build(), Pair.serverConfig().serverInterface(t -> new NoneAuthPolicy()).build());
        assertEquals(List.of(), p.client.authNone("u"));
        ConnectionHandlers.Builder h = ConnectionHandlers.builder()
                .channelType("echo@test", open -> {
                    seen.add("open " + open.type() + " " + open.typeSpecific().utf8() + " id=" + open.channelId());
                    return ChannelOpenResult.SUCCEEDED;
                })
                .channelType("busy@test", open -> {
                    open.refusalDescription("not today");
                    return ChannelOpenResult.RESOURCE_SHORTAGE;
                })
                .channelRequest("exec", (ch, name, r) -> {
                    String command = r.utf8();
                    seen.add(name + " " + command + " on " + ch.type());
                    ch.afterReply(() -> {
                        try {
                            ch.getOutputStream().write(("ran " + command).getBytes(StandardCharsets.UTF_8));
                            ch.close();
                        } catch (java.io.IOException e) {
                            seen.add("write failed " + e);
                        }
                    });
                    return true;
                })
                .channelRequest("subsystem", (ch, name, r) -> {
                    seen.add(name + " " + r.utf8());
                    return false;
                })
                .globalRequest("echo@test", (name, r) -> r.rest())
                .globalRequest("empty@test", (name, r) -> new byte[0])
                .otherGlobalRequests((name, r) -> name.startsWith("yes-") ? new byte[]{1} : null);
        Engines.of(p.server).setMessageHandler(new ConnectionService(Engines.of(p.server), h.build()));
    }

    @AfterEach
    void close() throws Exception {
        p.close();
    }

    @Test
    void aChannelOpenReachesTheHandlerOfItsTypeAndCarriesData() throws Exception {
        Channel c = p.client.openChannel("echo@test", new SshWriter().string("hello").toByteArray());
        Channel s = p.server.accept(WAIT);
        assertNotNull(s, "the accepted channel reaches the application");
        assertEquals("echo@test", s.type());
        assertEquals(List.of("open echo@test hello id=" + s.localId()), seen);
        s.getOutputStream().write("to client".getBytes(StandardCharsets.UTF_8));
        s.sendEof();
        c.getOutputStream().write("to server".getBytes(StandardCharsets.UTF_8));
        c.sendEof();
        assertArrayEquals("to client".getBytes(StandardCharsets.UTF_8), c.getInputStream().readAllBytes());
        assertArrayEquals("to server".getBytes(StandardCharsets.UTF_8), s.getInputStream().readAllBytes());
        assertEquals(1, p.server.openChannelCount());
        c.close();
    }

    @Test
    void aRefusalCarriesTheHandlersCodeAndText() {
        SshException e = assertThrows(SshException.class, () -> p.client.openChannel("busy@test", new byte[0]));
        assertTrue(e.getMessage().contains("(4): not today"), e.getMessage());
    }

    @Test
    void aTypeNobodyRegisteredIsProhibitedByDefault() {
        SshException e = assertThrows(SshException.class, () -> p.client.openChannel("nobody@test", new byte[0]));
        assertTrue(e.getMessage().contains("(1): channel type nobody@test refused"), e.getMessage());
        assertEquals(0, p.server.openChannelCount());
    }

    @Test
    void channelRequestsReachTheHandlerOfTheirNameAndTheReplyPrecedesWhatFollowsIt() throws Exception {
        Channel c = p.client.openChannel("echo@test", new SshWriter().string("x").toByteArray());
        assertNotNull(p.server.accept(WAIT));
        assertFalse(c.subsystem("sftp"), "the subsystem handler answered false");
        assertFalse(c.shell(), "nobody registered shell: it fails");
        assertTrue(c.exec("date"), "the exec handler answered true"); // last: its afterReply action closes the channel
        // the exec handler's afterReply action wrote and closed only once the reply was out
        assertArrayEquals("ran date".getBytes(StandardCharsets.UTF_8), c.getInputStream().readAllBytes());
        assertTrue(seen.contains("exec date on echo@test"), seen.toString());
        assertTrue(seen.contains("subsystem sftp"), seen.toString());
        assertTrue(p.client.isActive() && p.server.isActive());
    }

    @Test
    void globalRequestsReachTheHandlerOfTheirNameOrTheFallback() throws Exception {
        assertArrayEquals(new byte[]{7, 8, 9}, p.client.globalRequest("echo@test", new byte[]{7, 8, 9}, WAIT));
        assertArrayEquals(new byte[0], p.client.globalRequest("empty@test", new byte[]{1}, WAIT));
        assertArrayEquals(new byte[]{1}, p.client.globalRequest("yes-please@test", new byte[0], WAIT));
        assertNull(p.client.globalRequest("no-thanks@test", new byte[0], WAIT));
    }

    @Test
    void theClientRefusesWhatTheServerStarts() {
        // the client's connection service (put together by the library) registers no channel type
        SshException e = assertThrows(SshException.class, () -> p.server.openChannel("session", new byte[0]));
        assertTrue(e.getMessage().contains("(1):"), e.getMessage());
        assertTrue(p.client.isActive() && p.server.isActive());
    }

    @Test
    void oneHandlerPerName() {
        ConnectionHandlers.Builder b = ConnectionHandlers.builder().channelType("a", open -> ChannelOpenResult.SUCCEEDED);
        assertThrows(IllegalStateException.class, () -> b.channelType("a", open -> ChannelOpenResult.SUCCEEDED));
        b.channelRequest("r", (ch, name, r) -> true);
        assertThrows(IllegalStateException.class, () -> b.channelRequest("r", (ch, name, r) -> true));
        b.globalRequest("g", GlobalRequestHandler.REFUSE);
        assertThrows(IllegalStateException.class, () -> b.globalRequest("g", GlobalRequestHandler.REFUSE));
    }
}
