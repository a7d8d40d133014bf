package dev.tether.ssh.testutil;

import dev.tether.ssh.Avatar;

import java.util.Set;

/**
 * An avatar that is its channel table and nothing else (Conch's channel lookup): a user may open
 * exactly the channel types given, and every other question takes {@link Avatar}'s default.
 * Subclass it to answer more (e.g. to record what PermitOpen is asked).
 */
public class ChannelTableAvatar implements Avatar {
    private final String username;
    private final Set<String> channelTypes;

    public ChannelTableAvatar(String username, Set<String> channelTypes) {
        this.username = username;
        this.channelTypes = Set.copyOf(channelTypes);
    }

    @Override
    public String username() {
        return username;
    }

    @Override
    public Set<String> channelTypes() {
        return channelTypes;
    }
}
