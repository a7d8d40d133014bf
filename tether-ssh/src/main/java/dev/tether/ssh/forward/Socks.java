package dev.tether.ssh.forward;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * The server side of a SOCKS handshake, CONNECT only and without authentication, as OpenSSH's
 * dynamic forwarding speaks it ({@code ssh -D}, and {@code ssh -R PORT} on the channels that come
 * back): SOCKS4, SOCKS4a (a host name after the user id when the address is 0.0.0.x) and SOCKS5
 * (RFC 1928: method 0 "no authentication required"; IPv4, domain name and IPv6 addresses). The
 * handshake reads exactly its own bytes, so whatever the client sends after it belongs to the
 * relay. Stateless; runs on the thread of the connection being served.
 */
public final class Socks {
    /** RFC 1928 §6 reply codes. */
    public static final int SUCCEEDED = 0;
    public static final int GENERAL_FAILURE = 1;
    public static final int CONNECTION_REFUSED = 5;
    public static final int COMMAND_NOT_SUPPORTED = 7;
    public static final int ADDRESS_TYPE_NOT_SUPPORTED = 8;
    private static final int MAX_NAME = 255;

    private Socks() {
    }

    /** A client's CONNECT request. */
    public record Request(int version, String host, int port) {
    }

    /** A handshake the client got wrong or asked for something we do not do; the client has had its answer. */
    public static final class SocksException extends IOException {
        private static final long serialVersionUID = 1L;

        SocksException(String message) {
            super(message);
        }
    }

    /**
     * Reads a request: the SOCKS5 greeting (answered with method 0, or 0xFF when the client does
     * not offer it) and request, or a SOCKS4/4a request. Requests other than CONNECT are answered
     * with a failure and thrown.
     */
    public static Request readRequest(StreamRelay.Endpoint e) throws IOException {
        int version = u8(e);
        if (version == 4) {
            int cmd = u8(e);
            int port = u16(e);
            byte[] ip = bytes(e, 4);
            nulTerminated(e); // user id, ignored
            String host;
            if (ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0) {
                host = nulTerminated(e); // 4a
            } else {
                host = InetAddress.getByAddress(ip).getHostAddress();
            }
            Request r = new Request(4, host, port);
            if (cmd != 1) {
                reply(e, r, GENERAL_FAILURE);
                throw new SocksException("SOCKS4 command " + cmd + " is not supported");
            }
            return r;
        }
        if (version != 5) {
            throw new SocksException("not a SOCKS4 or SOCKS5 client (version byte " + version + ")");
        }
        int methods = u8(e);
        boolean noAuth = false;
        for (byte m : bytes(e, methods)) {
            noAuth |= m == 0;
        }
        if (!noAuth) {
            e.write(new byte[]{5, (byte) 0xff}, 0, 2);
            throw new SocksException("the SOCKS5 client offers no method without authentication");
        }
        e.write(new byte[]{5, 0}, 0, 2);
        if (u8(e) != 5) {
            throw new SocksException("bad SOCKS5 request version");
        }
        int cmd = u8(e);
        u8(e); // reserved
        int atyp = u8(e);
        String host = switch (atyp) {
            case 1 -> InetAddress.getByAddress(bytes(e, 4)).getHostAddress();
            case 3 -> new String(bytes(e, u8(e)), StandardCharsets.US_ASCII);
            case 4 -> InetAddress.getByAddress(bytes(e, 16)).getHostAddress();
            default -> null;
        };
        if (host == null) {
            reply(e, new Request(5, "", 0), ADDRESS_TYPE_NOT_SUPPORTED);
            throw new SocksException("SOCKS5 address type " + atyp + " is not supported");
        }
        Request r = new Request(5, host, u16(e));
        if (cmd != 1) {
            reply(e, r, COMMAND_NOT_SUPPORTED);
            throw new SocksException("SOCKS5 command " + cmd + " is not supported");
        }
        return r;
    }

    /**
     * Answers a request: {@code code} is RFC 1928's ({@link #SUCCEEDED} or a failure), mapped to
     * SOCKS4's 90 (granted) or 91 (rejected). The bound address sent is 0.0.0.0:0, as OpenSSH's.
     */
    public static void reply(StreamRelay.Endpoint e, Request r, int code) throws IOException {
        if (r.version() == 4) {
            e.write(new byte[]{0, (byte) (code == SUCCEEDED ? 90 : 91), 0, 0, 0, 0, 0, 0}, 0, 8);
        } else {
            e.write(new byte[]{5, (byte) code, 0, 1, 0, 0, 0, 0, 0, 0}, 0, 10);
        }
    }

    private static int u8(StreamRelay.Endpoint e) throws IOException {
        return bytes(e, 1)[0] & 0xff;
    }

    private static int u16(StreamRelay.Endpoint e) throws IOException {
        byte[] b = bytes(e, 2);
        return (b[0] & 0xff) << 8 | (b[1] & 0xff);
    }

    private static byte[] bytes(StreamRelay.Endpoint e, int n) throws IOException {
        byte[] b = new byte[n];
        int got = 0;
        while (got < n) {
            int r = e.read(b, got, n - got);
            if (r < 0) {
                throw new EOFException("SOCKS client closed the connection during the handshake");
            }
            got += r;
        }
        return b;
    }

    private static String nulTerminated(StreamRelay.Endpoint e) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = u8(e);
            if (c == 0) {
                return sb.toString();
            }
            if (sb.length() >= MAX_NAME) {
                throw new SocksException("SOCKS4 field too long");
            }
            sb.append((char) c);
        }
    }
}
