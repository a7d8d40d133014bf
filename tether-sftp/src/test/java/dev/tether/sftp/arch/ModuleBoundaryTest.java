package dev.tether.sftp.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.testkit.arch.ApiSurface;
import dev.tether.testkit.arch.PackageCycles;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * tether-sftp's packages have no cycle (the API package on top of the engine's {@code server},
 * {@code scp} and the shared codec {@code protocol}), and the exported API ({@code dev.tether.sftp})
 * never shows an engine type.
 */
class ModuleBoundaryTest {
    private static final Path CLASSES = Path.of("target", "classes");

    @Test
    void mainCodeHasNoPackageCycle() throws Exception {
        PackageCycles.assertNoCycles("dev.tether.", CLASSES);
    }

    @Test
    void exportedPackageShowsNoEngineType() throws Exception {
        ApiSurface.Report r = ApiSurface.check(CLASSES, "dev.tether.sftp", ModuleBoundaryTest.class.getClassLoader());
        assertTrue(r.enginePackages().contains("dev.tether.sftp.server"), r.enginePackages().toString());
        assertTrue(r.typesChecked() >= 5, "public API types checked: " + r.typesChecked());
        assertEquals(List.of(), r.leaks(), "API members that show engine types");
    }
}
