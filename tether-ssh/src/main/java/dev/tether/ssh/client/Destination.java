package dev.tether.ssh.client;

/**
 * Where to connect, as ssh(1) reads it: {@code [user@]host}, an IPv6 address in brackets, or
 * {@code ssh://[user@]host[:port]}; for a {@code ProxyJump} hop also {@code [user@]host:port}.
 * The user and port, when given, win over ssh_config (as ssh's do).
 *
 * @param user the user, or null
 * @param host the host (the {@code Host} patterns are matched against it)
 * @param port the port, or null
 */
public record Destination(String user, String host, String port) {
    /**
     * Parses ssh's destination argument: {@code [user@]host} (the user is everything before the
     * last {@code @}; brackets around the host are removed) or
     * {@code ssh://[user@]host[:port]}. A {@code host:port} form without {@code ssh://} is not
     * split: the whole is the host, as for ssh(1).
     *
     * @param destination the argument
     * @return the destination; an empty user or port is null, and the port is not checked here
     * @throws IllegalArgumentException if there is no host name in it
     */
    public static Destination parse(String destination) {
        String user = null;
        String port = null;
        String host = destination;
        if (destination.regionMatches(true, 0, "ssh://", 0, 6)) {
            Destination d = hostPort(stripUri(destination));
            user = d.user;
            host = d.host;
            port = d.port;
        } else {
            int at = destination.lastIndexOf('@');
            if (at >= 0) {
                user = destination.substring(0, at);
                host = destination.substring(at + 1);
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
        }
        return checked(destination, user, host, port);
    }

    /**
     * Parses a {@code ProxyJump} hop: {@code [user@]host[:port]} or
     * {@code ssh://[user@]host[:port]}, an IPv6 host in brackets ({@code [::1]:2222}); a host
     * with more than one colon and no brackets is taken whole, as an IPv6 address.
     *
     * @param spec one hop, white space around it ignored
     * @return the hop; an empty user or port is null, and the port is not checked here
     * @throws IllegalArgumentException if there is no host name in it
     */
    public static Destination parseHop(String spec) {
        String h = spec.strip();
        if (h.regionMatches(true, 0, "ssh://", 0, 6)) {
            h = stripUri(h);
        }
        Destination d = hostPort(h);
        return checked(spec, d.user, d.host, d.port);
    }

    private static String stripUri(String uri) {
        String h = uri.substring(6);
        return h.endsWith("/") ? h.substring(0, h.length() - 1) : h;
    }

    private static Destination checked(String spec, String user, String host, String port) {
        if (host.isEmpty()) {
            throw new IllegalArgumentException("no host name in " + spec);
        }
        return new Destination(user == null || user.isEmpty() ? null : user, host,
                port == null || port.isEmpty() ? null : port);
    }

    /** {@code [user@]host[:port]}, an IPv6 host in brackets. */
    private static Destination hostPort(String spec) {
        String user = null;
        String port = null;
        String host = spec;
        int at = host.lastIndexOf('@');
        if (at >= 0) {
            user = host.substring(0, at);
            host = host.substring(at + 1);
        }
        if (host.startsWith("[") && host.contains("]")) {
            int close = host.indexOf(']');
            if (host.length() > close + 1 && host.charAt(close + 1) == ':') {
                port = host.substring(close + 2);
            }
            host = host.substring(1, close);
        } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
            port = host.substring(host.indexOf(':') + 1);
            host = host.substring(0, host.indexOf(':'));
        }
        return new Destination(user, host, port);
    }
}
