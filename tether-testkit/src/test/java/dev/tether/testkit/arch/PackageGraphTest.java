package dev.tether.testkit.arch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

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
    void theCheckFailsOnAPlantedCycleNamingItAndPassesWithoutOne(@TempDir Path dir) throws IOException {
        Path classes = compile(dir, Map.of(
                "planted/a/A.java", "package planted.a; public class A { planted.b.B b; }",
                "planted/b/B.java", "package planted.b; public class B { planted.a.A a; }",
                "planted/c/C.java", "package planted.c; public class C { planted.a.A a; }"));
        AssertionError e = assertThrows(AssertionError.class, () -> PackageCycles.assertNoCycles("planted.", classes));
        assertTrue(e.getMessage().contains("package cycles among planted.* (1):"), e.getMessage());
        assertTrue(e.getMessage().contains("  planted.a planted.b\n"), e.getMessage());
        assertTrue(e.getMessage().contains("planted.a → planted.b (A → B) → planted.a (B → A)"), e.getMessage());

        Path acyclic = compile(dir.resolve("acyclic"), Map.of(
                "planted/a/A.java", "package planted.a; public class A { planted.b.B b; }",
                "planted/b/B.java", "package planted.b; public class B { B next; }"));
        PackageCycles.assertNoCycles("planted.", acyclic);
        assertThrows(AssertionError.class, () -> PackageCycles.assertNoCycles("nothing.", acyclic), "no classes under the prefix is a failure");
    }
}
