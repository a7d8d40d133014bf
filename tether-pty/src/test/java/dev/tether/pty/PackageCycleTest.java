package dev.tether.pty;

import dev.tether.testkit.arch.PackageCycles;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/** tether-pty's main code has no package cycle beyond its baseline (none: no baseline file); the checker comes from tether-testkit. */
class PackageCycleTest {
    @Test
    void mainCodeHasNoPackageCycleBeyondTheBaseline() throws Exception {
        PackageCycles.assertMatchesBaseline("dev.tether.", Path.of("target", "classes"), PackageCycles.BASELINE);
    }
}
