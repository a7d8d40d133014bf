package dev.tether.testkit.arch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The package-cycle ratchet a module's test runs over its own {@code target/classes}: the cycles
 * found must be exactly those of the module's baseline file ({@code src/test/resources/arch/known-package-cycles.txt},
 * one strongly connected component per line, its packages sorted and separated by spaces; {@code #}
 * starts a comment; a missing file is an empty baseline). A new component, or one that grew, fails;
 * so does a baseline line that no longer occurs (a cycle was removed or shrank: the baseline must
 * shrink with it). The failure message lists the current components, ready to paste, and a path
 * with example class edges for each.
 *
 * <p>The baseline is read as a file relative to the module directory (surefire's working directory),
 * not as a class path resource, so that no other module's baseline on the class path ever stands in
 * for this module's.
 *
 * <p>Thread-safe (stateless); reads files only, nothing to clean up.
 */
public final class PackageCycles {
    public static final Path BASELINE = Path.of("src", "test", "resources", "arch", "known-package-cycles.txt");

    private PackageCycles() {
    }

    /** Fails unless the cycles among {@code prefix} packages under {@code classes} are exactly the baseline's. */
    public static void assertMatchesBaseline(String prefix, Path classes, Path baselineFile) throws IOException {
        if (!Files.isDirectory(classes)) {
            fail("no compiled classes at " + classes.toAbsolutePath());
        }
        PackageGraph graph = PackageGraph.scan(prefix, classes);
        if (graph.packages().isEmpty()) {
            fail("no " + prefix + "* classes under " + classes.toAbsolutePath());
        }
        Set<SortedSet<String>> baseline = readBaseline(baselineFile);
        List<SortedSet<String>> current = graph.cycles();
        String problems = compare(baseline, current);
        if (!problems.isEmpty()) {
            fail(message(graph, current, baselineFile, problems));
        }
    }

    static Set<SortedSet<String>> readBaseline(Path file) throws IOException {
        Set<SortedSet<String>> out = new LinkedHashSet<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int hash = line.indexOf('#');
            String l = (hash < 0 ? line : line.substring(0, hash)).trim();
            if (!l.isEmpty()) {
                out.add(new TreeSet<>(Arrays.asList(l.split("\\s+"))));
            }
        }
        return out;
    }

    /** The baseline line for a component: its packages, sorted, separated by spaces. */
    public static String line(SortedSet<String> component) {
        return String.join(" ", component);
    }

    /** An empty string when current equals the baseline; else one line per difference. */
    static String compare(Set<SortedSet<String>> baseline, List<SortedSet<String>> current) {
        StringBuilder sb = new StringBuilder();
        for (SortedSet<String> c : current) {
            if (baseline.contains(c)) {
                continue;
            }
            SortedSet<String> within = baseline.stream().filter(b -> b.containsAll(c)).findFirst().orElse(null);
            if (within == null) {
                List<String> grewFrom = baseline.stream().filter(c::containsAll).map(PackageCycles::line).collect(Collectors.toList());
                sb.append(grewFrom.isEmpty() ? "NEW CYCLE (not in the baseline): " : "CYCLE GREW (was " + String.join(" | ", grewFrom) + "): ")
                        .append(line(c)).append('\n');
            } else {
                sb.append("CYCLE SHRANK (good): replace the baseline line [").append(line(within)).append("] with [")
                        .append(line(c)).append("]\n");
            }
        }
        for (SortedSet<String> b : baseline) {
            if (current.stream().noneMatch(c -> b.containsAll(c) || c.containsAll(b))) { // else reported above as shrunk or grown
                sb.append("CYCLE GONE (good): delete the baseline line [").append(line(b)).append("]\n");
            }
        }
        return sb.toString();
    }

    private static String message(PackageGraph graph, List<SortedSet<String>> current, Path baselineFile, String problems) {
        List<String> lines = new ArrayList<>();
        lines.add("package cycles differ from the baseline " + baselineFile + ":");
        lines.add(problems.strip());
        lines.add("");
        if (current.isEmpty()) {
            lines.add("No package cycle is left: empty " + baselineFile + " (or delete it).");
        } else {
            lines.add("Current strongly connected components (the baseline's content, one per line):");
            current.forEach(c -> lines.add(line(c)));
            lines.add("");
            lines.add("Each as a path (one example class edge per step):");
            current.forEach(c -> lines.add("  " + graph.describe(c)));
        }
        return String.join("\n", lines);
    }
}
