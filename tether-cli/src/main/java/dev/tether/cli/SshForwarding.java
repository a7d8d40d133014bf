package dev.tether.cli;

import dev.tether.ssh.client.ClientSettings;
import dev.tether.ssh.client.ConfigException;
import dev.tether.ssh.client.SshConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The forwardings of one {@code tether ssh} run, from the flags ({@code -L}, {@code -R},
 * {@code -D}, which {@link SshCommand} adds to the configuration first, and {@code -W}) and the
 * ssh_config lines ({@code LocalForward}, {@code RemoteForward}, {@code DynamicForward},
 * {@code ClearAllForwardings}, {@code ExitOnForwardFailure}, {@code GatewayPorts},
 * {@code StreamLocalBindUnlink}), each spec read as OpenSSH reads it ({@link ForwardSpec}).
 * {@code -W} implies ExitOnForwardFailure and ClearAllForwardings, as in ssh(1).
 */
record SshForwarding(List<ForwardSpec> local, List<ForwardSpec> remote, List<ForwardSpec> dynamic, ForwardSpec stdio,
                     boolean exitOnForwardFailure, boolean gatewayPorts, boolean streamLocalBindUnlink) {

    /** Reads the forwardings of {@code cfg}; {@code stdioSpec} is -W's argument or null. */
    static SshForwarding resolve(SshConfig cfg, String stdioSpec) throws ConfigException {
        ForwardSpec stdio = null;
        if (stdioSpec != null) {
            stdio = ForwardSpec.parse(stdioSpec, true, false);
            if (stdio == null) {
                throw new ConfigException("Bad stdio forwarding specification '" + stdioSpec + "'");
            }
        }
        boolean clear = stdio != null || ClientSettings.yes(cfg, "clearallforwardings", false);
        List<ForwardSpec> local = new ArrayList<>();
        List<ForwardSpec> remote = new ArrayList<>();
        List<ForwardSpec> dynamic = new ArrayList<>();
        if (!clear) {
            List<String> specs = cfg.getAll("localforward");
            for (int i = 0; i < specs.size(); i++) {
                local.add(check(ForwardSpec.parse(specs.get(i), false, false), cfg.where("localforward", i) + "Bad local", specs.get(i)));
            }
            specs = cfg.getAll("remoteforward");
            for (int i = 0; i < specs.size(); i++) {
                remote.add(check(ForwardSpec.parseRemote(specs.get(i)), cfg.where("remoteforward", i) + "Bad remote", specs.get(i)));
            }
            specs = cfg.getAll("dynamicforward");
            for (int i = 0; i < specs.size(); i++) {
                dynamic.add(check(ForwardSpec.parse(specs.get(i), true, false), cfg.where("dynamicforward", i) + "Bad dynamic", specs.get(i)));
            }
        }
        return new SshForwarding(local, remote, dynamic, stdio,
                stdio != null || ClientSettings.yes(cfg, "exitonforwardfailure", false),
                gatewayPorts(cfg), ClientSettings.yes(cfg, "streamlocalbindunlink", false));
    }

    private static boolean gatewayPorts(SshConfig cfg) throws ConfigException {
        return ClientSettings.yes(cfg, "gatewayports", false);
    }

    /** {@code what} is the start of the message: where the spec came from and "Bad local" etc. */
    private static ForwardSpec check(ForwardSpec f, String what, String spec) throws ConfigException {
        if (f == null) {
            throw new ConfigException(what + " forwarding specification '" + spec + "'");
        }
        return f;
    }

    boolean any() {
        return stdio != null || !local.isEmpty() || !remote.isEmpty() || !dynamic.isEmpty();
    }
}
