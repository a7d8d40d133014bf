package dev.tether.ssh.arch;

import dev.tether.testkit.arch.PackageCycles;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/**
 * The package cycles of tether-ssh's main code must be exactly those of
 * {@code src/test/resources/arch/known-package-cycles.txt}: a ratchet while the cycles are being
 * removed (see {@link PackageCycles}, in tether-testkit). tether-pty and tether-cli run the same
 * check over their own classes.
 */
class PackageCycleTest {
    @Test
    void mainCodeHasNoPackageCycleBeyondTheBaseline() throws Exception {
        PackageCycles.assertMatchesBaseline("dev.tether.", Path.of("target", "classes"), PackageCycles.BASELINE);
    }
}
