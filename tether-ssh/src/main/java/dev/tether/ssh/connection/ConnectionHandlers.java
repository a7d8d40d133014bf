package dev.tether.ssh.connection;

import dev.tether.ssh.policy.ChannelOpenResult;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link ConnectionService} does with what the peer starts: channel opens by channel type,
 * channel requests by request name, global requests by name, and the answer for anything not
 * registered. Each feature (sessions, forwarding, X11, agent forwarding) registers its own
 * handlers, each in a file of its own; {@code ServiceStack} in the root package puts a
 * connection's set together, so adding a feature never touches the multiplexer.
 *
 * <p>Immutable once built; the handlers are called on the connection's reader thread.
 */
public final class ConnectionHandlers {
    /**
     * Refuses every channel type not registered, as a client does (RFC 4254 §5.1); with it, the
     * multiplexer refuses before its own checks, as it always has.
     */
    static final ChannelOpenHandler PROHIBIT = open -> ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;

    private final Map<String, ChannelOpenHandler> channelTypes;
    private final Map<String, ChannelRequestHandler> channelRequests;
    private final Map<String, GlobalRequestHandler.Async> globalRequests;
    private final ChannelOpenHandler otherChannelTypes;
    private final GlobalRequestHandler.Async otherGlobalRequests;
    private final java.util.List<java.util.function.Consumer<ConnectionService>> closeHooks;

    private ConnectionHandlers(Builder b) {
        this.channelTypes = Map.copyOf(b.channelTypes);
        this.channelRequests = Map.copyOf(b.channelRequests);
        this.globalRequests = Map.copyOf(b.globalRequests);
        this.otherChannelTypes = b.otherChannelTypes;
        this.otherGlobalRequests = async(b.otherGlobalRequests);
        this.closeHooks = java.util.List.copyOf(b.closeHooks);
    }

    private static GlobalRequestHandler.Async async(GlobalRequestHandler h) {
        return (connection, name, data) -> java.util.concurrent.CompletableFuture.completedFuture(h.handle(name, data));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The handler for opens of {@code type}: its own, or the one for every other type. */
    ChannelOpenHandler channelType(String type) {
        return channelTypes.getOrDefault(type, otherChannelTypes);
    }

    /** The handler for requests named {@code name}, or null: such requests fail. */
    ChannelRequestHandler channelRequest(String name) {
        return channelRequests.get(name);
    }

    /** The handler for global requests named {@code name}: its own, or the one for every other name. */
    GlobalRequestHandler.Async globalRequest(String name) {
        return globalRequests.getOrDefault(name, otherGlobalRequests);
    }

    /** What runs when the connection ends, in the order registered. */
    java.util.List<java.util.function.Consumer<ConnectionService>> closeHooks() {
        return closeHooks;
    }

    /** Builds {@link ConnectionHandlers}; by default everything the peer starts is refused. Not thread-safe. */
    public static final class Builder {
        private final Map<String, ChannelOpenHandler> channelTypes = new LinkedHashMap<>();
        private final Map<String, ChannelRequestHandler> channelRequests = new LinkedHashMap<>();
        private final Map<String, GlobalRequestHandler.Async> globalRequests = new LinkedHashMap<>();
        private final java.util.List<java.util.function.Consumer<ConnectionService>> closeHooks = new java.util.ArrayList<>();
        private ChannelOpenHandler otherChannelTypes = PROHIBIT;
        private GlobalRequestHandler otherGlobalRequests = GlobalRequestHandler.REFUSE;

        private Builder() {
        }

        /** Opens of channel type {@code type}; one handler per type. */
        public Builder channelType(String type, ChannelOpenHandler handler) {
            put(channelTypes, type, handler, "channel type");
            return this;
        }

        /** Channel requests named {@code name}, on any channel; one handler per name. */
        public Builder channelRequest(String name, ChannelRequestHandler handler) {
            put(channelRequests, name, handler, "channel request");
            return this;
        }

        /** Global requests named {@code name}; one handler per name. */
        public Builder globalRequest(String name, GlobalRequestHandler handler) {
            Objects.requireNonNull(handler);
            put(globalRequests, name, async(handler), "global request");
            return this;
        }

        /** Global requests named {@code name} answered later; replies still go in request order. */
        public Builder globalRequestAsync(String name, GlobalRequestHandler.Async handler) {
            put(globalRequests, name, handler, "global request");
            return this;
        }

        /** Runs {@code hook} once when the connection ends (a feature's listeners closed, ...); it must not block. */
        public Builder onClose(java.util.function.Consumer<ConnectionService> hook) {
            closeHooks.add(Objects.requireNonNull(hook));
            return this;
        }

        /** Opens of every type not registered (default: administratively prohibited). */
        public Builder otherChannelTypes(ChannelOpenHandler handler) {
            this.otherChannelTypes = Objects.requireNonNull(handler);
            return this;
        }

        /** Global requests of every name not registered (default: refused). */
        public Builder otherGlobalRequests(GlobalRequestHandler handler) {
            this.otherGlobalRequests = Objects.requireNonNull(handler);
            return this;
        }

        public ConnectionHandlers build() {
            return new ConnectionHandlers(this);
        }

        private static <H> void put(Map<String, H> map, String name, H handler, String what) {
            Objects.requireNonNull(handler);
            if (map.putIfAbsent(Objects.requireNonNull(name), handler) != null) {
                throw new IllegalStateException(what + " " + name + " has a handler already");
            }
        }
    }
}
