package dev.tether.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.testkit.arch.ApiSurface;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The API the module exports never shows an engine type (see {@link ApiSurface}): otherwise a
 * module-path user would meet a type they cannot use, and the engine would be API after all.
 */
class ApiSurfaceTest {
    @Test
    void exportedPackagesShowNoEngineType() throws Exception {
        ApiSurface.Report r = ApiSurface.check(Path.of("target", "classes"), "dev.tether.ssh", ApiSurfaceTest.class.getClassLoader());
        assertTrue(r.enginePackages().contains("dev.tether.ssh.transport"), "the engine packages are not exported: " + r.enginePackages());
        assertTrue(r.typesChecked() > 40, "public API types checked: " + r.typesChecked());
        assertEquals(List.of(), r.leaks(), "API members that show engine types");
    }
}
