package dev.tether.ssh.transport;

import dev.tether.ssh.keys.HostPatterns;
import dev.tether.ssh.keys.OpenSshCertificate;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The settings the engine reads: algorithm preferences, limits, timeouts and host keys, as data.
 * The public {@code dev.tether.ssh.TransportConfig} builds one (and documents each value); the
 * engine sees only this record, so it never depends on the API layer above it. Immutable (the
 * lists and maps are the config's unmodifiable copies).
 */
public record TransportSettings(
        List<String> kexAlgorithms,
        List<String> hostKeyAlgorithms,
        List<String> ciphers,
        List<String> macs,
        List<String> compression,
        boolean strictKex,
        boolean requireStrictKex,
        long rekeyBytes,
        Duration rekeyInterval,
        Duration handshakeTimeout,
        Duration sendTimeout,
        long maxQueuedBytes,
        String softwareVersion,
        String comment,
        SecureRandom random,
        List<KeyPair> hostKeys,
        List<OpenSshCertificate> hostCertificates,
        List<String> userAuthSignatureAlgorithms,
        int maxAuthTries,
        Duration loginGraceTime,
        int maxSessions,
        Duration clientAliveInterval,
        int clientAliveCountMax,
        Duration unusedConnectionTimeout,
        Map<String, Duration> channelTimeouts) {
    /** The inactivity timeout for a channel type: the first matching pattern's, else zero (none). */
    public Duration channelTimeout(String channelType) {
        for (Map.Entry<String, Duration> e : channelTimeouts.entrySet()) {
            if (HostPatterns.wildcardMatch(channelType, e.getKey())) {
                return e.getValue();
            }
        }
        return Duration.ZERO;
    }
}
