package dev.tether.testkit.arch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker itself, on tiny packages compiled at test time: it finds a planted cycle, and nothing in an acyclic tree. */
class PackageGraphTest {
    private static Path compile(Path dir, Map<String, String> sources) throws IOException {
        Path src = dir.resolve("src");
        Path out = dir.resolve("classes");
        Files.createDirectories(out);
        List<String> args = new ArrayList<>(List.of("-d", out.toString(), "--release", "17", "-proc:none"));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path f = src.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            args.add(f.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, args.toArray(String[]::new)), "planted sources must compile");
        return out;
    }

    @Test
    void findsAPlantedTwoPackageCycle(@TempDir Path dir) throws IOException {
        Path classes = compile(dir, Map.of(
                "planted/a/A.java", "package planted.a; public class A { public planted.b.B b() { return null; } }",
                "planted/b/B.java", "package planted.b; public class B { Object make() { return new planted.a.A(); } }",
                "planted/c/C.java", "package planted.c; public class C { planted.a.A a; }"));
        PackageGraph g = PackageGraph.scan("planted.", classes);
        assertEquals(Set.of("planted.a", "planted.b", "planted.c"), g.packages());
        List<SortedSet<String>> cycles = g.cycles();
        assertEquals(List.of(new TreeSet<>(List.of("planted.a", "planted.b"))), cycles, "exactly the planted cycle (c only uses a)");
        assertEquals("planted.a → planted.b (A → B) → planted.a (B → A)", g.describe(cycles.get(0)));
        assertEquals(Set.of(new PackageGraph.ClassEdge("planted.a.A", "planted.b.B")), g.classEdges("planted.a", "planted.b"));
    }

    @Test
    void findsAThreePackageCycleThroughDescriptorsAndSignaturesOnly(@TempDir Path dir) throws IOException {
        // a → b only in a method descriptor, b → c only in a generic signature, c → a only as an array field type
        Path classes = compile(dir, Map.of(
                "planted/a/A.java", "package planted.a; public class A { public void take(planted.b.B b) { } }",
                "planted/b/B.java", "package planted.b; public class B { java.util.List<planted.c.C> cs; }",
                "planted/c/C.java", "package planted.c; public class C { planted.a.A[] as; }"));
        PackageGraph g = PackageGraph.scan("planted.", classes);
        List<SortedSet<String>> cycles = g.cycles();
        assertEquals(List.of(new TreeSet<>(List.of("planted.a", "planted.b", "planted.c"))), cycles);
        assertEquals("planted.a → planted.b (A → B) → planted.c (B → C) → planted.a (C → A)", g.describe(cycles.get(0)));
    }

    @Test
    void reportsNoCycleForAnAcyclicPair(@TempDir Path dir) throws IOException {
        Path classes = compile(dir, Map.of(
                "planted/a/A.java", "package planted.a; public class A { public planted.b.B b() { return new planted.b.B(); } class Inner { A self; } }",
                "planted/b/B.java", "package planted.b; public class B { B next; }"));
        PackageGraph g = PackageGraph.scan("planted.", classes);
        assertEquals(Set.of("planted.b"), g.uses("planted.a"));
        assertEquals(Set.of(), g.uses("planted.b"), "self-references are no edge");
        assertEquals(List.of(), g.cycles());
    }

    @Test
    void theRatchetFailsOnANewCycleAndOnAStaleBaselineLine(@TempDir Path dir) throws IOException {
        Path classes = compile(dir, Map.of(
                "planted/a/A.java", "package planted.a; public class A { planted.b.B b; }",
                "planted/b/B.java", "package planted.b; public class B { planted.a.A a; }"));
        Path baseline = dir.resolve("known-package-cycles.txt");

        AssertionError fresh = assertThrows(AssertionError.class, () -> PackageCycles.assertMatchesBaseline("planted.", classes, baseline));
        assertTrue(fresh.getMessage().contains("NEW CYCLE (not in the baseline): planted.a planted.b"), fresh.getMessage());
        assertTrue(fresh.getMessage().contains("planted.a → planted.b (A → B) → planted.a (B → A)"), fresh.getMessage());

        Files.writeString(baseline, "# today's cycles\nplanted.a planted.b\n");
        PackageCycles.assertMatchesBaseline("planted.", classes, baseline);

        Files.writeString(baseline, "planted.a planted.b\nplanted.x planted.y\n");
        AssertionError stale = assertThrows(AssertionError.class, () -> PackageCycles.assertMatchesBaseline("planted.", classes, baseline));
        assertTrue(stale.getMessage().contains("CYCLE GONE (good): delete the baseline line [planted.x planted.y]"), stale.getMessage());

        Files.writeString(baseline, "planted.a planted.b planted.c\n");
        AssertionError shrank = assertThrows(AssertionError.class, () -> PackageCycles.assertMatchesBaseline("planted.", classes, baseline));
        assertTrue(shrank.getMessage().contains("replace the baseline line [planted.a planted.b planted.c] with [planted.a planted.b]"),
                shrank.getMessage());

        Path grown = compile(dir.resolve("grown"), Map.of(
                "planted/a/A.java", "package planted.a; public class A { planted.b.B b; }",
                "planted/b/B.java", "package planted.b; public class B { planted.c.C c; }",
                "planted/c/C.java", "package planted.c; public class C { planted.a.A a; }"));
        Files.writeString(baseline, "planted.a planted.b\n");
        AssertionError grew = assertThrows(AssertionError.class, () -> PackageCycles.assertMatchesBaseline("planted.", grown, baseline));
        assertTrue(grew.getMessage().contains("CYCLE GREW (was planted.a planted.b): planted.a planted.b planted.c"), grew.getMessage());
        assertTrue(!grew.getMessage().contains("CYCLE GONE"), grew.getMessage());
    }
}
