package dev.tether.ssh.policy;

/**
 * Where the server listens for a client's remote forwarding ({@code tcpip-forward},
 * {@code ssh -R}), as sshd_config's {@code GatewayPorts}: {@link #NO} keeps every listener on the
 * loopback address, so only this host can reach it; {@link #YES} listens on every interface
 * whatever the client asked; {@link #CLIENT_SPECIFIED} lets the client choose.
 */
public enum GatewayPorts {
    /** Listeners stay on the loopback address, whatever the client asked (sshd's default). */
    NO,
    /** Listeners listen on every interface, whatever the client asked. */
    YES,
    /** The client's requested address decides, as {@link #listenHost} describes. */
    CLIENT_SPECIFIED;

    /** The {@link #listenHost} that means every interface. */
    public static final String ANY = "";
    /** The {@link #listenHost} that means the loopback address. */
    public static final String LOOPBACK = "localhost";

    /**
     * The host a forwarding asked for at {@code requested} listens on, as OpenSSH's server decides
     * it ({@code channel_fwd_bind_addr}): {@link #ANY} for every interface, {@link #LOOPBACK}, or
     * an address or name to bind. {@code 127.0.0.1} and {@code ::1} are always honoured; with
     * {@code NO} everything else is the loopback address; with {@code YES} everything else is
     * every interface; with {@code CLIENT_SPECIFIED} {@code ""} and {@code *} are every
     * interface, {@code localhost} the loopback address, and anything else that address.
     *
     * @param requested the address the client asked to bind; null is taken as {@code localhost}
     * @return the host to listen on: {@link #ANY}, {@link #LOOPBACK}, or the requested address
     */
    public String listenHost(String requested) {
        String r = requested == null ? LOOPBACK : requested;
        if (r.equals("127.0.0.1") || r.equals("::1")) {
            return r;
        }
        return switch (this) {
            case NO -> LOOPBACK;
            case YES -> ANY;
            case CLIENT_SPECIFIED -> r.isEmpty() || r.equals("*") || r.equals("0.0.0.0") ? ANY
                    : r.equalsIgnoreCase("localhost") ? LOOPBACK : r;
        };
    }
}
