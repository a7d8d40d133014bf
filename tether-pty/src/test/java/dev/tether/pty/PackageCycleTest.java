package dev.tether.pty;

import dev.tether.testkit.arch.PackageCycles;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/** tether-pty's main code has no package cycle; the checker comes from tether-testkit. */
class PackageCycleTest {
    @Test
    void mainCodeHasNoPackageCycle() throws Exception {
        PackageCycles.assertNoCycles("dev.tether.", Path.of("target", "classes"));
    }
}
