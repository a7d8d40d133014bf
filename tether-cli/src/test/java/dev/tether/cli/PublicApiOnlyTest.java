package dev.tether.cli;

import dev.tether.ssh.TransportConfig;
import dev.tether.testkit.arch.ModuleExports;
import dev.tether.testkit.arch.PackageGraph;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CLI is built on tether-ssh's public API alone: every package of {@code dev.tether.ssh} that
 * tether-cli's classes use is one the module {@code dev.tether.ssh} exports, so the command line
 * can do nothing a library user cannot.
 */
class PublicApiOnlyTest {
    @Test
    void theCliUsesOnlyPackagesTetherSshExports() throws Exception {
        Path core = Path.of(TransportConfig.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> exported = ModuleExports.of(core, "dev.tether.ssh");
        assertTrue(exported.contains("dev.tether.ssh") && !exported.contains("dev.tether.ssh.transport"), exported.toString());

        PackageGraph g = PackageGraph.scan("dev.tether.", Path.of("target", "classes"));
        Set<String> used = new TreeSet<>();
        for (String p : g.packages()) {
            if (p.startsWith("dev.tether.cli")) {
                g.uses(p).stream().filter(u -> u.startsWith("dev.tether.ssh")).forEach(used::add);
            }
        }
        assertTrue(used.contains("dev.tether.ssh"), "the scan sees the CLI's use of the core: " + used);
        used.removeAll(exported);
        assertEquals(Set.of(), used, "tether-cli uses engine packages of tether-ssh");
    }
}
