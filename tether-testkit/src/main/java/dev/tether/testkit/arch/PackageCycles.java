package dev.tether.testkit.arch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The package-cycle check a module's test runs over its own {@code target/classes}: among the
 * packages under a prefix there must be no import cycle at all. A failure names every cycle (each
 * strongly connected component, its packages sorted) and a path through it with an example class
 * edge per step, so the dependency to cut is plain.
 *
 * <p>Thread-safe (stateless); reads files only, nothing to clean up.
 */
public final class PackageCycles {
    private PackageCycles() {
    }

    /** Fails if the packages under {@code prefix} in {@code classes} form any cycle. */
    public static void assertNoCycles(String prefix, Path classes) throws IOException {
        if (!Files.isDirectory(classes)) {
            fail("no compiled classes at " + classes.toAbsolutePath());
        }
        PackageGraph graph = PackageGraph.scan(prefix, classes);
        if (graph.packages().isEmpty()) {
            fail("no " + prefix + "* classes under " + classes.toAbsolutePath());
        }
        List<SortedSet<String>> cycles = graph.cycles();
        if (!cycles.isEmpty()) {
            List<String> lines = new ArrayList<>();
            lines.add("package cycles among " + prefix + "* (" + cycles.size() + "):");
            for (SortedSet<String> c : cycles) {
                lines.add("  " + String.join(" ", c));
                lines.add("    " + graph.describe(c));
            }
            fail(String.join("\n", lines));
        }
    }
}
