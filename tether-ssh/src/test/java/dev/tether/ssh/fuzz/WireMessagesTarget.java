package dev.tether.ssh.fuzz;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.wire.ChannelMessages;
import dev.tether.ssh.wire.Disconnect;
import dev.tether.ssh.wire.ExtInfo;
import dev.tether.ssh.wire.GlobalRequests;
import dev.tether.ssh.wire.KexInit;
import dev.tether.ssh.wire.KexMessages;
import dev.tether.ssh.wire.MessageNumbers;
import dev.tether.ssh.wire.PublickeySignedData;
import dev.tether.ssh.wire.TerminalModes;
import dev.tether.ssh.wire.TransportMessages;
import dev.tether.ssh.wire.UserAuthMessages;
import dev.tether.ssh.wire.UserAuthRequest;

import java.util.Arrays;
import java.util.Map;

/**
 * Every message decoder of {@code wire/}: the first byte picks one ({@link #DECODERS}, modulo
 * their number), the rest is the message body after the message number, as the transport hands
 * it over. A body that decodes must encode to a message that decodes and encodes to the same
 * bytes (the fixed point after one round: decoders may normalize, e.g. replace invalid UTF-8 in
 * text that is only shown). Only {@link SshException} is expected from a decoder.
 */
public final class WireMessagesTarget {
    private WireMessagesTarget() {
    }

    /** A decoder of a body, returning the re-encoded message (number included), or null if it has no encoder. */
    private interface Decoder {
        byte[] decode(byte[] body) throws SshException;
    }

    /** The selector byte of each decoder is its index; the seed capture script uses the same order. */
    static final Decoder[] DECODERS = {
            /* 0 */ b -> disconnect(b),
            /* 1 */ b -> extInfo(b),
            /* 2 */ b -> GlobalRequests.GlobalRequest.decode(r(b)).encode(),
            /* 3 */ b -> GlobalRequests.RequestSuccess.decode(r(b)).encode(),
            /* 4 */ b -> TransportMessages.ServiceRequest.decode(r(b)).encode(),
            /* 5 */ b -> serviceAccept(b),
            /* 6 */ b -> TransportMessages.Ignore.decode(r(b)).encode(),
            /* 7 */ b -> TransportMessages.Debug.decode(r(b)).encode(),
            /* 8 */ b -> TransportMessages.Unimplemented.decode(r(b)).encode(),
            /* 9 */ b -> TransportMessages.Ping.decode(r(b)).encode(),
            /* 10 */ b -> TransportMessages.Pong.decode(r(b)).encode(),
            /* 11 */ b -> kexInit(b),
            /* 12 */ b -> KexMessages.DhInit.decode(MessageNumbers.KEXDH_INIT, r(b), "KEXDH_INIT").encode(),
            /* 13 */ b -> KexMessages.DhReply.decode(MessageNumbers.KEXDH_REPLY, r(b), "KEXDH_REPLY").encode(),
            /* 14 */ b -> KexMessages.GexRequest.decode(false, r(b), "KEX_DH_GEX_REQUEST").encode(),
            /* 15 */ b -> KexMessages.GexRequest.decode(true, r(b), "KEX_DH_GEX_REQUEST_OLD").encode(),
            /* 16 */ b -> KexMessages.GexGroup.decode(r(b), "KEX_DH_GEX_GROUP").encode(),
            /* 17 */ b -> KexMessages.DhInit.decode(MessageNumbers.KEX_DH_GEX_INIT, r(b), "KEX_DH_GEX_INIT").encode(),
            /* 18 */ b -> KexMessages.DhReply.decode(MessageNumbers.KEX_DH_GEX_REPLY, r(b), "KEX_DH_GEX_REPLY").encode(),
            /* 19 */ b -> KexMessages.EcdhInit.decode(r(b), "KEX_ECDH_INIT").encode(),
            /* 20 */ b -> KexMessages.EcdhReply.decode(r(b), "KEX_ECDH_REPLY").encode(),
            /* 21 */ b -> UserAuthMessages.Failure.decode(r(b)).encode(),
            /* 22 */ b -> UserAuthMessages.Banner.decode(r(b)).encode(),
            /* 23 */ b -> UserAuthMessages.PkOk.decode(r(b)).encode(),
            /* 24 */ b -> UserAuthMessages.PasswdChangeReq.decode(r(b)).encode(),
            /* 25 */ b -> UserAuthMessages.InfoRequest.decode(r(b)).encode(),
            /* 26 */ b -> infoResponse(b),
            /* 27 */ b -> userAuthRequest(b),
            /* 28 */ b -> terminalModes(b),
            /* 29 */ b -> ChannelMessages.Open.decode(r(b)).encode(),
            /* 30 */ b -> ChannelMessages.OpenConfirmation.decode(r(b)).encode(),
            /* 31 */ b -> ChannelMessages.OpenFailure.decode(r(b)).encode(),
            /* 32 */ b -> ChannelMessages.WindowAdjust.decode(r(b)).encode(),
            /* 33 */ b -> ChannelMessages.Data.decode(r(b)).encode(),
            /* 34 */ b -> ChannelMessages.ExtendedData.decode(r(b)).encode(),
            /* 35 */ b -> ChannelMessages.Eof.decode(r(b)).encode(),
            /* 36 */ b -> ChannelMessages.Close.decode(r(b)).encode(),
            /* 37 */ b -> ChannelMessages.Request.decode(r(b)).encode(),
            /* 38 */ b -> ChannelMessages.Success.decode(r(b)).encode(),
            /* 39 */ b -> ChannelMessages.Failure.decode(r(b)).encode(),
    };

    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length == 0) {
            return;
        }
        Decoder d = DECODERS[(data[0] & 0xff) % DECODERS.length];
        byte[] body = Arrays.copyOfRange(data, 1, data.length);
        byte[] first;
        try {
            first = d.decode(body);
        } catch (SshException e) {
            return; // malformed: the connection ends with the reason
        }
        if (first == null) {
            return;
        }
        byte[] second;
        try {
            second = d.decode(Arrays.copyOfRange(first, 1, first.length));
        } catch (SshException e) {
            throw new IllegalStateException("a decoded message does not encode to one that decodes: " + e.getMessage(), e);
        }
        if (!Arrays.equals(first, second)) {
            throw new IllegalStateException("a decoded message changes when encoded and decoded again:\n "
                    + Arrays.toString(first) + "\n " + Arrays.toString(second));
        }
    }

    private static SshReader r(byte[] b) {
        return new SshReader(b);
    }

    /** The description is sanitized (escaped, cut): the code survives, and the text is free of controls. */
    private static byte[] disconnect(byte[] b) throws SshException {
        Disconnect d = Disconnect.decode(r(b));
        for (int i = 0; i < d.description().length(); i++) {
            char c = d.description().charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalStateException("sanitized DISCONNECT description holds control 0x" + Integer.toHexString(c));
            }
        }
        Disconnect again = Disconnect.decode(r(Arrays.copyOfRange(d.encode(), 1, d.encode().length)));
        if (again.reasonCode() != d.reasonCode()) {
            throw new IllegalStateException("DISCONNECT reason changes on re-encoding");
        }
        return null;
    }

    /** The extension map has no defined order: compared as a map. */
    private static byte[] extInfo(byte[] b) throws SshException {
        ExtInfo x = ExtInfo.decode(r(b));
        byte[] enc = x.encode();
        ExtInfo y = ExtInfo.decode(r(Arrays.copyOfRange(enc, 1, enc.length)));
        if (!x.extensions().equals(y.extensions())) {
            throw new IllegalStateException("EXT_INFO changes when encoded and decoded again");
        }
        return null;
    }

    /** An old server's SERVICE_ACCEPT without a name decodes as null, which is never encoded. */
    private static byte[] serviceAccept(byte[] b) throws SshException {
        TransportMessages.ServiceAccept a = TransportMessages.ServiceAccept.decode(r(b));
        return a.name() == null ? null : a.encode();
    }

    /** KexInitTarget checks more; here the encoding fixed point (the cookie kept, reserved written as 0). */
    private static byte[] kexInit(byte[] b) throws SshException {
        byte[] payload = new byte[b.length + 1];
        payload[0] = (byte) MessageNumbers.KEXINIT;
        System.arraycopy(b, 0, payload, 1, b.length);
        return KexInit.decode(payload).encode();
    }

    /** The expected number of responses is the body's first byte (mod 8); the rest is the message. */
    private static byte[] infoResponse(byte[] b) throws SshException {
        if (b.length == 0) {
            return null;
        }
        int expected = (b[0] & 0xff) % 8;
        UserAuthMessages.InfoResponse x = UserAuthMessages.InfoResponse.decode(new SshReader(b, 1, b.length - 1), expected);
        if (x.responses().size() != expected) {
            throw new IllegalStateException("INFO_RESPONSE with " + x.responses().size() + " responses for " + expected);
        }
        byte[] enc = x.encode();
        byte[] again = UserAuthMessages.InfoResponse.decode(new SshReader(enc, 1, enc.length - 1), expected).encode();
        if (!Arrays.equals(enc, again)) {
            throw new IllegalStateException("INFO_RESPONSE changes when encoded and decoded again");
        }
        return null; // checked here: the body is not the whole input of this decoder
    }

    /** A publickey request also gives the data its signature covers, which must embed the request. */
    private static byte[] userAuthRequest(byte[] b) throws SshException {
        UserAuthRequest q = UserAuthRequest.decode(r(b));
        if (q.method() instanceof UserAuthRequest.PublickeyAuth p) {
            byte[] sid = {1, 2, 3};
            byte[] signed = new PublickeySignedData(sid, q.user(), q.service(), p.algorithm(), p.blob(), p.hostKey()).encode();
            UserAuthRequest inner = UserAuthRequest.decode(new SshReader(signed, 8, signed.length - 8));
            if (!(inner.method() instanceof UserAuthRequest.PublickeyAuth ip) || !ip.signed()
                    || !Arrays.equals(ip.blob(), p.blob()) || !inner.user().equals(q.user())) {
                throw new IllegalStateException("signed data does not hold the request it signs");
            }
        }
        return q.encode();
    }

    private static byte[] terminalModes(byte[] b) throws SshException {
        Map<String, Integer> modes = TerminalModes.decode(b);
        byte[] enc = TerminalModes.encode(modes);
        if (!TerminalModes.decode(enc).equals(modes)) {
            throw new IllegalStateException("terminal modes change when encoded and decoded again: " + modes);
        }
        byte[] out = new byte[enc.length + 1]; // the fixed point compares from byte 1
        System.arraycopy(enc, 0, out, 1, enc.length);
        return out;
    }
}
