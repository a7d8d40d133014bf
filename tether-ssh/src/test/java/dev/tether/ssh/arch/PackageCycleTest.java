package dev.tether.ssh.arch;

import dev.tether.testkit.arch.PackageCycles;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/**
 * tether-ssh's main code has no package cycle: the API at the top (root) and the bottom (common,
 * policy, auth, keys, agent, pty) with the engine between them (see docs/ARCHITECTURE.md). The
 * checker ({@link PackageCycles}) is tether-testkit's; tether-pty and tether-cli run it over their
 * own classes.
 */
class PackageCycleTest {
    @Test
    void mainCodeHasNoPackageCycle() throws Exception {
        PackageCycles.assertNoCycles("dev.tether.", Path.of("target", "classes"));
    }
}
