package dev.tether.ssh.common;

import java.util.List;

/**
 * Algorithm negotiation failed (RFC 4253 §7.1): no name in the client's list is in the server's.
 * The message names both lists so the mismatch can be fixed from the log alone.
 */
public class NegotiationException extends SshException {
    private static final long serialVersionUID = 1L;

    /** The algorithm category that failed. */
    private final String category;
    /** The client's list for that category. */
    private final List<String> clientList;
    /** The server's list for that category. */
    private final List<String> serverList;

    /**
     * A negotiation failure ({@link DisconnectReason#KEY_EXCHANGE_FAILED}) whose message names both lists.
     *
     * @param category   the category that found no match, e.g. {@code kex}, {@code host key}, {@code cipher}
     * @param clientList the client's list of names for it; copied
     * @param serverList the server's list of names for it; copied
     */
    public NegotiationException(String category, List<String> clientList, List<String> serverList) {
        super(DisconnectReason.KEY_EXCHANGE_FAILED,
                "no matching " + category + " algorithm: client offered " + String.join(",", clientList)
                        + "; server offered " + String.join(",", serverList));
        this.category = category;
        this.clientList = List.copyOf(clientList);
        this.serverList = List.copyOf(serverList);
    }

    /**
     * The category that found no common algorithm.
     *
     * @return the category name, as given to the constructor
     */
    public String category() {
        return category;
    }

    /**
     * The names the client offered for the category.
     *
     * @return an unmodifiable list, in the client's order of preference
     */
    public List<String> clientList() {
        return clientList;
    }

    /**
     * The names the server offered for the category.
     *
     * @return an unmodifiable list, in the server's order
     */
    public List<String> serverList() {
        return serverList;
    }
}
