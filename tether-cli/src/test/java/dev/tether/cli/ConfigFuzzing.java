package dev.tether.cli;

import dev.tether.ssh.client.ClientSettings;
import dev.tether.ssh.client.ConfigException;
import dev.tether.ssh.client.SshConfig;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The fuzz targets' way into the package-private configuration readers (the targets live in
 * {@code dev.tether.cli.fuzz}): each method reads a file the way the command does and resolves
 * it, and returns the configuration error's message, or null if there was none. Any other
 * exception propagates.
 */
public final class ConfigFuzzing {
    private ConfigFuzzing() {
    }

    /**
     * {@code tether ssh -F FILE DESTINATION}: the file read (relative Includes from
     * {@code includeBase}), the settings resolved for {@code host} as {@code localUser}, the
     * forwarding specs parsed and {@code -G}'s output printed.
     */
    public static String sshConfig(Path file, Path includeBase, String host, String localUser) throws IOException {
        SshConfig cfg = new SshConfig(host, localUser, Cli.home());
        try {
            cfg.readFile(file, true, includeBase);
            ClientSettings s = ClientSettings.of(cfg);
            SshForwarding.resolve(s.config(), null);
            SshCommand.printConfig(s, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), null);
            return null;
        } catch (ConfigException e) {
            return e.getMessage();
        }
    }

    /**
     * {@code tether server --config FILE}: the file read, then what a connection of {@code user}
     * from {@code address} gets (listen addresses, limits, validators, subsystems and the login's
     * policy from the Match blocks over the global section).
     */
    public static String sshdConfig(Path file, Path home, String user, String address) {
        ServerSettings s = new ServerSettings();
        try {
            SshdConfig.read(file, s, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        } catch (SshdConfig.ConfigException e) {
            return e.getMessage();
        }
        s.endpoints();
        s.limits();
        s.validators();
        s.effectiveSubsystems();
        s.forwarding();
        s.forLogin(home, user, address);
        s.forLogin(home, "root", "::1");
        return null;
    }
}
