package dev.tether.ssh.common;

import java.util.List;

/**
 * Algorithm negotiation failed (RFC 4253 §7.1): no name in the client's list is in the server's.
 * The message names both lists so the mismatch can be fixed from the log alone.
 */
public class NegotiationException extends SshException {
    private static final long serialVersionUID = 1L;

    private final String category;
    private final List<String> clientList;
    private final List<String> serverList;

    public NegotiationException(String category, List<String> clientList, List<String> serverList) {
        super(DisconnectReason.KEY_EXCHANGE_FAILED,
                "no matching " + category + " algorithm: client offered " + String.join(",", clientList)
                        + "; server offered " + String.join(",", serverList));
        this.category = category;
        this.clientList = List.copyOf(clientList);
        this.serverList = List.copyOf(serverList);
    }

    public String category() {
        return category;
    }

    public List<String> clientList() {
        return clientList;
    }

    public List<String> serverList() {
        return serverList;
    }
}
