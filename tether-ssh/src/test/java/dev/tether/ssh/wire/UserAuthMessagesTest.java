package dev.tether.ssh.wire;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.wire.UserAuthMessages.Banner;
import dev.tether.ssh.wire.UserAuthMessages.Failure;
import dev.tether.ssh.wire.UserAuthMessages.InfoRequest;
import dev.tether.ssh.wire.UserAuthMessages.InfoResponse;
import dev.tether.ssh.wire.UserAuthMessages.PasswdChangeReq;
import dev.tether.ssh.wire.UserAuthMessages.PkOk;
import dev.tether.ssh.wire.UserAuthMessages.Success;
import dev.tether.ssh.wire.UserAuthRequest.KeyboardInteractiveAuth;
import dev.tether.ssh.wire.UserAuthRequest.NoneAuth;
import dev.tether.ssh.wire.UserAuthRequest.OtherAuth;
import dev.tether.ssh.wire.UserAuthRequest.PasswordAuth;
import dev.tether.ssh.wire.UserAuthRequest.PublickeyAuth;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.tether.ssh.wire.Bytes.assertTruncatedFails;
import static dev.tether.ssh.wire.Bytes.body;
import static dev.tether.ssh.wire.Bytes.of;
import static dev.tether.ssh.wire.Bytes.str;
import static dev.tether.ssh.wire.Bytes.u32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RFC 4252 / RFC 4256 / OpenSSH hostbound message records: exact layouts, round trips, truncation. */
class UserAuthMessagesTest {
    private static final byte[] BLOB = {0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9', 1, 2, 3};
    private static final byte[] HOST = {9, 8, 7};
    private static final byte[] SIG = {4, 5, 6, 7};

    private static UserAuthRequest roundTrip(UserAuthRequest req) throws SshException {
        byte[] e = req.encode();
        assertEquals(MessageNumbers.USERAUTH_REQUEST, e[0]);
        UserAuthRequest back = UserAuthRequest.decode(body(e));
        assertEquals(req.user(), back.user());
        assertEquals(req.service(), back.service());
        assertEquals(req.method().name(), back.method().name());
        assertArrayEquals(e, back.encode());
        return back;
    }

    @Test
    void noneRequestIsTheRfcLayout() throws Exception {
        UserAuthRequest req = new UserAuthRequest("alice", "ssh-connection", new NoneAuth());
        assertArrayEquals(of(50, "alice", "ssh-connection", "none"), req.encode());
        assertInstanceOf(NoneAuth.class, roundTrip(req).method());
        assertTruncatedFails(req.encode(), UserAuthRequest::decode);
    }

    @Test
    void passwordAndPasswordChange() throws Exception {
        UserAuthRequest pw = new UserAuthRequest("bob", "ssh-connection", new PasswordAuth("sécret", null));
        assertArrayEquals(of(50, "bob", "ssh-connection", "password", 0, "sécret"), pw.encode());
        PasswordAuth p = (PasswordAuth) roundTrip(pw).method();
        assertFalse(p.isChange());
        assertEquals("sécret", p.password());
        assertTruncatedFails(pw.encode(), UserAuthRequest::decode);

        UserAuthRequest change = new UserAuthRequest("bob", "ssh-connection", new PasswordAuth("old", "new"));
        assertArrayEquals(of(50, "bob", "ssh-connection", "password", 1, "old", "new"), change.encode());
        PasswordAuth c = (PasswordAuth) roundTrip(change).method();
        assertTrue(c.isChange());
        assertEquals("new", c.newPassword());
        assertTruncatedFails(change.encode(), UserAuthRequest::decode);
    }

    @Test
    void publickeyQuerySignedAndHostbound() throws Exception {
        UserAuthRequest query = new UserAuthRequest("u", "ssh-connection", PublickeyAuth.query("ssh-ed25519", BLOB));
        assertArrayEquals(of(50, "u", "ssh-connection", "publickey", 0, "ssh-ed25519", str(BLOB)), query.encode());
        PublickeyAuth q = (PublickeyAuth) roundTrip(query).method();
        assertFalse(q.signed());
        assertNull(q.signature());
        assertArrayEquals(BLOB, q.blob());
        assertTruncatedFails(query.encode(), UserAuthRequest::decode);

        UserAuthRequest signed = new UserAuthRequest("u", "ssh-connection", PublickeyAuth.signed("ssh-ed25519", BLOB, SIG));
        assertArrayEquals(of(50, "u", "ssh-connection", "publickey", 1, "ssh-ed25519", str(BLOB), str(SIG)), signed.encode());
        assertArrayEquals(SIG, ((PublickeyAuth) roundTrip(signed).method()).signature());
        assertTruncatedFails(signed.encode(), UserAuthRequest::decode);

        UserAuthRequest bound = new UserAuthRequest("u", "ssh-connection",
                new PublickeyAuth(true, "ssh-ed25519", BLOB, HOST, SIG));
        assertArrayEquals(of(50, "u", "ssh-connection", UserAuthRequest.HOSTBOUND, 1, "ssh-ed25519", str(BLOB), str(HOST), str(SIG)),
                bound.encode());
        PublickeyAuth b = (PublickeyAuth) roundTrip(bound).method();
        assertArrayEquals(HOST, b.hostKey());
        assertArrayEquals(SIG, b.signature());
        assertTruncatedFails(bound.encode(), UserAuthRequest::decode);
    }

    @Test
    void publickeyDecodesInStepsAndTheSignatureMustEndTheMessage() throws Exception {
        byte[] e = new UserAuthRequest("u", "s", PublickeyAuth.signed("ssh-ed25519", BLOB, SIG)).encode();
        SshReader r = body(e);
        UserAuthRequest.Head h = UserAuthRequest.Head.decode(r);
        assertEquals(new UserAuthRequest.Head("u", "s", "publickey"), h);
        PublickeyAuth head = PublickeyAuth.decodeHead(r, false);
        assertTrue(head.signed());
        assertNull(head.signature());
        assertArrayEquals(SIG, head.withSignature(r).signature());

        byte[] trailing = of(e, 0);
        SshException ex = assertThrows(SshException.class, () -> UserAuthRequest.decode(body(trailing)));
        assertEquals("publickey request has 1 unexpected trailing bytes", ex.getMessage());
        // a query is not checked for trailing bytes, as before
        byte[] query = of(new UserAuthRequest("u", "s", PublickeyAuth.query("ssh-ed25519", BLOB)).encode(), 0);
        assertFalse(((PublickeyAuth) UserAuthRequest.decode(body(query)).method()).signed());
    }

    @Test
    void keyboardInteractiveAndUnknownMethods() throws Exception {
        UserAuthRequest ki = new UserAuthRequest("u", "ssh-connection", new KeyboardInteractiveAuth("", "pam"));
        assertArrayEquals(of(50, "u", "ssh-connection", "keyboard-interactive", "", "pam"), ki.encode());
        assertEquals(new KeyboardInteractiveAuth("", "pam"), roundTrip(ki).method());
        assertTruncatedFails(ki.encode(), UserAuthRequest::decode);

        byte[] other = of(50, "u", "ssh-connection", "hostbased", "whatever follows is not read");
        UserAuthRequest o = UserAuthRequest.decode(body(other));
        assertEquals(new OtherAuth("hostbased"), o.method());
        assertArrayEquals(of(50, "u", "ssh-connection", "hostbased"), o.encode());
    }

    @Test
    void headRefusesANonAsciiMethodAndInvalidUtf8User() {
        byte[] badUser = of(50, str(new byte[]{(byte) 0xc3}), "ssh-connection", "none");
        assertThrows(SshException.class, () -> UserAuthRequest.Head.decode(body(badUser)));
        byte[] badMethod = of(50, "u", "ssh-connection", str(new byte[]{'n', 0x01}));
        assertThrows(SshException.class, () -> UserAuthRequest.Head.decode(body(badMethod)));
    }

    @Test
    void signedDataIsTheRfc4252Section7Layout() {
        byte[] sid = {1, 2, 3, 4};
        assertArrayEquals(of(str(sid), 50, "u", "ssh-connection", "publickey", 1, "rsa-sha2-512", str(BLOB)),
                new PublickeySignedData(sid, "u", "ssh-connection", "rsa-sha2-512", BLOB, null).encode());
        assertArrayEquals(of(str(sid), 50, "u", "ssh-connection", UserAuthRequest.HOSTBOUND, 1, "rsa-sha2-512", str(BLOB), str(HOST)),
                new PublickeySignedData(sid, "u", "ssh-connection", "rsa-sha2-512", BLOB, HOST).encode());
    }

    @Test
    void failureAndSuccess() throws Exception {
        Failure f = new Failure(List.of("publickey", "password"), false);
        assertArrayEquals(of(51, "publickey,password", 0), f.encode());
        assertEquals(f, Failure.decode(body(f.encode())));
        Failure partial = new Failure(List.of("keyboard-interactive"), true);
        assertEquals(partial, Failure.decode(body(partial.encode())));
        assertTruncatedFails(f.encode(), Failure::decode);
        assertArrayEquals(new byte[]{52}, new Success().encode());
    }

    @Test
    void bannerIsLenientAboutItsLanguageTag() throws Exception {
        Banner b = new Banner("Welcome\r\n", "en");
        assertArrayEquals(of(53, "Welcome\r\n", "en"), b.encode());
        assertEquals(b, Banner.decode(body(b.encode())));
        // the message must be whole; the language tag may be missing or cut
        assertTruncatedFails(b.encode(), 4 + "Welcome\r\n".length(), Banner::decode);
        assertEquals(new Banner("hi", ""), Banner.decode(body(of(53, "hi"))));
        assertEquals(new Banner("hi", ""), Banner.decode(body(of(53, "hi", u32(9)))));
        assertEquals("\ufffd", Banner.decode(body(of(53, str(new byte[]{(byte) 0xff}), ""))).message());
    }

    @Test
    void pkOkAndPasswordChangeRequest() throws Exception {
        PkOk ok = new PkOk("ssh-ed25519", BLOB);
        assertArrayEquals(of(60, "ssh-ed25519", str(BLOB)), ok.encode());
        PkOk back = PkOk.decode(body(ok.encode()));
        assertEquals("ssh-ed25519", back.algorithm());
        assertArrayEquals(BLOB, back.blob());
        assertTruncatedFails(ok.encode(), PkOk::decode);

        PasswdChangeReq req = new PasswdChangeReq("Password expired", "");
        assertArrayEquals(of(60, "Password expired", ""), req.encode());
        assertEquals(req, PasswdChangeReq.decode(body(req.encode())));
        assertTruncatedFails(req.encode(), PasswdChangeReq::decode);
    }

    @Test
    void infoRequestAndResponse() throws Exception {
        InfoRequest q = new InfoRequest("Login", "Answer", "", List.of(new InfoRequest.Prompt("Password: ", false),
                new InfoRequest.Prompt("Code: ", true)));
        assertArrayEquals(of(60, "Login", "Answer", "", u32(2), "Password: ", 0, "Code: ", 1), q.encode());
        assertEquals(q, InfoRequest.decode(body(q.encode())));
        assertTruncatedFails(q.encode(), InfoRequest::decode);

        byte[] tooMany = of(60, "", "", "", u32(65));
        SshException e = assertThrows(SshException.class, () -> InfoRequest.decode(body(tooMany)));
        assertEquals("INFO_REQUEST with 65 prompts", e.getMessage());
        assertEquals(DisconnectReason.PROTOCOL_ERROR, e.reason());

        InfoResponse a = new InfoResponse(List.of("hunter2", "123456"));
        assertArrayEquals(of(61, u32(2), "hunter2", "123456"), a.encode());
        assertEquals(a, InfoResponse.decode(body(a.encode()), 2));
        assertTruncatedFails(a.encode(), r -> InfoResponse.decode(r, 2));
        SshException count = assertThrows(SshException.class, () -> InfoResponse.decode(body(a.encode()), 1));
        assertEquals("USERAUTH_INFO_RESPONSE has 2 responses for 1 prompts", count.getMessage());
        SshException trailing = assertThrows(SshException.class, () -> InfoResponse.decode(body(of(a.encode(), 0)), 2));
        assertEquals("USERAUTH_INFO_RESPONSE has 1 unexpected trailing bytes", trailing.getMessage());
    }
}
