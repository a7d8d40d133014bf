package dev.tether.ssh.wire;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.wire.ChannelMessages.Close;
import dev.tether.ssh.wire.ChannelMessages.Data;
import dev.tether.ssh.wire.ChannelMessages.Eof;
import dev.tether.ssh.wire.ChannelMessages.ExtendedData;
import dev.tether.ssh.wire.ChannelMessages.Failure;
import dev.tether.ssh.wire.ChannelMessages.Open;
import dev.tether.ssh.wire.ChannelMessages.OpenConfirmation;
import dev.tether.ssh.wire.ChannelMessages.OpenFailure;
import dev.tether.ssh.wire.ChannelMessages.Request;
import dev.tether.ssh.wire.ChannelMessages.Success;
import dev.tether.ssh.wire.ChannelMessages.WindowAdjust;
import dev.tether.ssh.wire.GlobalRequests.GlobalRequest;
import dev.tether.ssh.wire.GlobalRequests.RequestFailure;
import dev.tether.ssh.wire.GlobalRequests.RequestSuccess;
import org.junit.jupiter.api.Test;

import static dev.tether.ssh.wire.Bytes.assertTruncatedFails;
import static dev.tether.ssh.wire.Bytes.body;
import static dev.tether.ssh.wire.Bytes.of;
import static dev.tether.ssh.wire.Bytes.u32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RFC 4254 message records: exact layouts, round trips, truncation. */
class ConnectionMessagesTest {

    @Test
    void globalRequestAndReplies() throws Exception {
        byte[] data = of("localhost", u32(0));
        GlobalRequest g = new GlobalRequest("tcpip-forward", true, data);
        assertArrayEquals(of(80, "tcpip-forward", 1, "localhost", u32(0)), g.encode());
        GlobalRequest back = GlobalRequest.decode(body(g.encode()));
        assertEquals("tcpip-forward", back.name());
        assertTrue(back.wantReply());
        assertArrayEquals(data, back.data());
        assertTruncatedFails(g.encode(), 4 + "tcpip-forward".length() + 1, GlobalRequest::decode);

        GlobalRequest keepalive = new GlobalRequest("keepalive@openssh.com", true);
        assertArrayEquals(of(80, "keepalive@openssh.com", 1), keepalive.encode());
        assertEquals(0, GlobalRequest.decode(body(keepalive.encode())).data().length);

        assertArrayEquals(new byte[]{81}, new RequestSuccess().encode());
        RequestSuccess port = new RequestSuccess(u32(40022));
        assertArrayEquals(of(81, u32(40022)), port.encode());
        assertArrayEquals(u32(40022), RequestSuccess.decode(body(port.encode())).data());
        assertArrayEquals(new byte[]{82}, new RequestFailure().encode());
    }

    @Test
    void channelOpenAndItsAnswers() throws Exception {
        byte[] direct = of("example.org", u32(80), "127.0.0.1", u32(5555));
        Open o = new Open("direct-tcpip", 3, 2 * 1024 * 1024, 32768, direct);
        assertArrayEquals(of(90, "direct-tcpip", u32(3), u32(2 * 1024 * 1024), u32(32768), direct), o.encode());
        Open back = Open.decode(body(o.encode()));
        assertEquals("direct-tcpip", back.type());
        assertEquals(3, back.sender());
        assertEquals(2 * 1024 * 1024, back.initialWindow());
        assertEquals(32768, back.maxPacket());
        assertArrayEquals(direct, back.typeSpecific());
        assertTruncatedFails(o.encode(), 4 + "direct-tcpip".length() + 12, Open::decode);
        Open session = new Open("session", 0, 0xffffffffL, 16384);
        assertEquals(0xffffffffL, Open.decode(body(session.encode())).initialWindow());

        OpenConfirmation c = new OpenConfirmation(3, 9, 0xfffffff0L, 32768);
        assertArrayEquals(of(91, u32(3), u32(9), u32(0xfffffff0), u32(32768)), c.encode());
        assertEquals(c, OpenConfirmation.decode(body(c.encode())));
        assertTruncatedFails(c.encode(), OpenConfirmation::decode);

        OpenFailure f = new OpenFailure(3, 1, "open failed", "");
        assertArrayEquals(of(92, u32(3), u32(1), "open failed", ""), f.encode());
        assertEquals(f, OpenFailure.decode(body(f.encode())));
        assertTruncatedFails(f.encode(), 8 + 4 + "open failed".length(), OpenFailure::decode);
        // the language tag may be missing, as before
        assertEquals(new OpenFailure(3, 2, "no", ""), OpenFailure.decode(body(of(92, u32(3), u32(2), "no"))));
    }

    @Test
    void windowAdjustEofCloseAndReplies() throws Exception {
        WindowAdjust w = new WindowAdjust(7, 1 << 20);
        assertArrayEquals(of(93, u32(7), u32(1 << 20)), w.encode());
        assertEquals(w, WindowAdjust.decode(body(w.encode())));
        assertEquals(0xffffffffL, WindowAdjust.decode(body(of(93, u32(7), u32(-1)))).bytesToAdd());
        assertTruncatedFails(w.encode(), WindowAdjust::decode);

        assertArrayEquals(of(96, u32(5)), new Eof(5).encode());
        assertArrayEquals(of(97, u32(5)), new Close(5).encode());
        assertArrayEquals(of(97, u32(-2)), new Close(-2).encode());
        assertArrayEquals(of(99, u32(5)), new Success(5).encode());
        assertArrayEquals(of(100, u32(5)), new Failure(5).encode());
        assertEquals(new Eof(5), Eof.decode(body(new Eof(5).encode())));
        assertEquals(new Close(-2), Close.decode(body(new Close(-2).encode())));
        assertEquals(new Success(5), Success.decode(body(new Success(5).encode())));
        assertEquals(new Failure(5), Failure.decode(body(new Failure(5).encode())));
        assertTruncatedFails(new Eof(5).encode(), Eof::decode);
        assertTruncatedFails(new Close(5).encode(), Close::decode);
        assertTruncatedFails(new Success(5).encode(), Success::decode);
        assertTruncatedFails(new Failure(5).encode(), Failure::decode);
    }

    @Test
    void dataAndExtendedDataWriteTheHeaderAroundOneCopy() throws Exception {
        byte[] buf = {'x', 'h', 'i', 'y'};
        assertArrayEquals(of(94, u32(7), u32(2), (int) 'h', (int) 'i'), Data.encode(7, buf, 1, 2));
        assertArrayEquals(of(95, u32(7), u32(1), u32(2), (int) 'h', (int) 'i'), ExtendedData.encode(7, ExtendedData.STDERR, buf, 1, 2));
        assertEquals(Data.HEADER + 2, Data.encode(7, buf, 1, 2).length);
        assertEquals(ExtendedData.HEADER + 2, ExtendedData.encode(7, 1, buf, 1, 2).length);
        assertArrayEquals(of(94, u32(1), u32(0)), Data.encode(1, buf, 0, 0));

        Data d = new Data(7, new byte[]{'h', 'i'});
        Data back = Data.decode(body(d.encode()));
        assertEquals(7, back.recipient());
        assertArrayEquals(d.data(), back.data());
        assertTruncatedFails(d.encode(), Data::decode);

        ExtendedData e = new ExtendedData(7, 1, new byte[]{'e'});
        ExtendedData eb = ExtendedData.decode(body(e.encode()));
        assertEquals(1, eb.dataType());
        assertArrayEquals(e.data(), eb.data());
        assertTruncatedFails(e.encode(), ExtendedData::decode);
    }

    @Test
    void channelRequest() throws Exception {
        byte[] exec = of("ls -l");
        Request r = new Request(4, "exec", true, exec);
        assertArrayEquals(of(98, u32(4), "exec", 1, "ls -l"), r.encode());
        Request back = Request.decode(body(r.encode()));
        assertEquals(4, back.recipient());
        assertEquals("exec", back.type());
        assertTrue(back.wantReply());
        assertArrayEquals(exec, back.typeSpecific());
        assertTruncatedFails(r.encode(), 4 + 4 + "exec".length() + 1, Request::decode);
        assertArrayEquals(of(98, u32(4), "exit-status", 0, u32(3)), new Request(4, "exit-status", false, u32(3)).encode());
    }

    @Test
    void peekRecipientDoesNotConsume() throws Exception {
        SshReader r = body(new Close(42).encode());
        assertEquals(42, ChannelMessages.peekRecipient(r));
        assertEquals(4, r.remaining());
        assertEquals(new Close(42), Close.decode(r));
        SshException e = assertThrows(SshException.class, () -> ChannelMessages.peekRecipient(new SshReader(new byte[]{0, 0})));
        assertEquals("truncated message: uint32 needs 4 bytes, 2 remain", e.getMessage());
    }
}
