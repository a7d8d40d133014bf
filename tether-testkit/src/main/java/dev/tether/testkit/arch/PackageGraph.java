package dev.tether.testkit.arch;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The package dependency graph of compiled classes, read from the class files themselves (no
 * library): for every {@code .class} file under a directory, the classes its constant pool names
 * ({@code CONSTANT_Class}) and every type named {@code Lpkg/Name;} in any {@code CONSTANT_Utf8}
 * (field and method descriptors, {@code Signature} attributes, annotation types; scanning every Utf8
 * entry is deliberately conservative: a string constant spelled like a descriptor would count too).
 * Only packages under the given prefix are kept, and a package's references to itself are ignored.
 *
 * <p>{@link #cycles()} returns the strongly connected components of more than one package
 * (Tarjan's algorithm); {@link #describe(SortedSet)} turns one into a readable closed path with an
 * example class-level edge for every step. Used by {@link PackageCycles}, which every module's
 * {@code PackageCycleTest} runs over its own classes.
 *
 * <p>Not thread-safe; build, then read. Reads class files only, nothing to clean up.
 */
public final class PackageGraph {
    private static final Pattern DESCRIPTOR_TYPE = Pattern.compile("L([A-Za-z_$][\\w$]*(?:/[A-Za-z_$][\\w$]*)+)[;<]");

    private final String prefix;
    private final Set<String> packages = new TreeSet<>();
    /** package → package it uses → every class-level edge "from class" → "to class" (binary names). */
    private final Map<String, Map<String, SortedSet<ClassEdge>>> edges = new TreeMap<>();

    /** One class-level reference; names are fully qualified binary names ({@code a.b.Outer$Inner}). */
    public record ClassEdge(String from, String to) implements Comparable<ClassEdge> {
        private static final Comparator<ClassEdge> ORDER = Comparator
                // top-level classes make the better example: Transport → ClientAuthenticator, not Transport$1 → ...
                .comparingInt((ClassEdge e) -> (e.from.contains("$") ? 1 : 0) + (e.to.contains("$") ? 1 : 0))
                .thenComparing(ClassEdge::from).thenComparing(ClassEdge::to);

        @Override
        public int compareTo(ClassEdge o) {
            return ORDER.compare(this, o);
        }

        @Override
        public String toString() {
            return simpleName(from) + " → " + simpleName(to);
        }
    }

    private PackageGraph(String prefix) {
        this.prefix = prefix;
    }

    /**
     * Reads every class file under the directories (those that do not exist are skipped) and keeps
     * the packages whose name starts with {@code packagePrefix} (for example {@code "dev.tether."}).
     */
    public static PackageGraph scan(String packagePrefix, Path... classDirectories) {
        PackageGraph g = new PackageGraph(packagePrefix);
        for (Path dir : classDirectories) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> files;
            try (Stream<Path> s = Files.walk(dir)) {
                files = s.filter(p -> p.toString().endsWith(".class")).sorted().collect(Collectors.toList());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.equals("module-info.class")) {
                    continue; // names packages it exports, not dependencies of code
                }
                try {
                    g.add(Files.readAllBytes(f));
                } catch (IOException e) {
                    throw new UncheckedIOException("reading " + f, e);
                }
            }
        }
        return g;
    }

    /** The packages under the prefix that hold at least one scanned class. */
    public Set<String> packages() {
        return Collections.unmodifiableSet(packages);
    }

    /** The packages {@code from} uses (under the prefix, not itself). */
    public Set<String> uses(String from) {
        return Collections.unmodifiableSet(edges.getOrDefault(from, Map.of()).keySet());
    }

    /** Every class-level reference from package {@code from} to package {@code to}, best example first. */
    public SortedSet<ClassEdge> classEdges(String from, String to) {
        return Collections.unmodifiableSortedSet(edges.getOrDefault(from, Map.of()).getOrDefault(to, new TreeSet<>()));
    }

    private void add(byte[] classFile) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort(); // minor
        in.readUnsignedShort(); // major
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        int[] classNameIndex = new int[count];
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF(); // CONSTANT_Utf8: u2 length + modified UTF-8, as readUTF reads it
                case 7 -> classNameIndex[i] = in.readUnsignedShort(); // CONSTANT_Class
                case 8, 16, 19, 20 -> in.readUnsignedShort(); // String, MethodType, Module, Package
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt(); // Integer, Float, *ref, NameAndType, (Invoke)Dynamic
                case 15 -> { // MethodHandle
                    in.readUnsignedByte();
                    in.readUnsignedShort();
                }
                case 5, 6 -> { // Long, Double take two slots
                    in.readLong();
                    i++;
                }
                default -> throw new IOException("unknown constant pool tag " + tag + " at " + i);
            }
        }
        in.readUnsignedShort(); // access flags
        int thisClass = in.readUnsignedShort();
        String self = binaryName(utf8[classNameIndex[thisClass]]);
        String selfPackage = packageOf(self);
        if (!selfPackage.startsWith(prefix)) {
            return;
        }
        packages.add(selfPackage);
        Set<String> referenced = new LinkedHashSet<>();
        for (int i = 1; i < count; i++) {
            if (classNameIndex[i] != 0 && i != thisClass) {
                String n = utf8[classNameIndex[i]];
                // array classes are named by their descriptor: [Lpkg/Name; (the Utf8 scan finds those)
                if (!n.startsWith("[")) {
                    referenced.add(binaryName(n));
                }
            }
            if (utf8[i] != null && utf8[i].indexOf('L') >= 0) {
                Matcher m = DESCRIPTOR_TYPE.matcher(utf8[i]);
                while (m.find()) {
                    referenced.add(binaryName(m.group(1)));
                }
            }
        }
        for (String target : referenced) {
            String targetPackage = packageOf(target);
            if (targetPackage.startsWith(prefix) && !targetPackage.equals(selfPackage)) {
                edges.computeIfAbsent(selfPackage, k -> new TreeMap<>())
                        .computeIfAbsent(targetPackage, k -> new TreeSet<>())
                        .add(new ClassEdge(self, target));
            }
        }
    }

    /**
     * The strongly connected components of more than one package, each sorted, in the order of
     * their smallest package; empty when the package graph is acyclic (self-edges never count).
     */
    public List<SortedSet<String>> cycles() {
        Tarjan t = new Tarjan();
        for (String p : allNodes()) {
            if (!t.index.containsKey(p)) {
                t.connect(p);
            }
        }
        List<SortedSet<String>> out = new ArrayList<>();
        for (SortedSet<String> c : t.components) {
            if (c.size() > 1) {
                out.add(Collections.unmodifiableSortedSet(c));
            }
        }
        out.sort(Comparator.comparing(SortedSet::first));
        return out;
    }

    private Set<String> allNodes() {
        Set<String> all = new TreeSet<>(packages);
        edges.values().forEach(m -> all.addAll(m.keySet()));
        return all;
    }

    private final class Tarjan {
        final Map<String, Integer> index = new HashMap<>();
        final Map<String, Integer> low = new HashMap<>();
        final Deque<String> stack = new ArrayDeque<>();
        final Set<String> onStack = new java.util.HashSet<>();
        final List<SortedSet<String>> components = new ArrayList<>();
        int next;

        // recursive; package graphs are a few dozen nodes deep at most
        void connect(String v) {
            index.put(v, next);
            low.put(v, next);
            next++;
            stack.push(v);
            onStack.add(v);
            for (String w : uses(v)) {
                if (!index.containsKey(w)) {
                    connect(w);
                    low.put(v, Math.min(low.get(v), low.get(w)));
                } else if (onStack.contains(w)) {
                    low.put(v, Math.min(low.get(v), index.get(w)));
                }
            }
            if (low.get(v).equals(index.get(v))) {
                SortedSet<String> c = new TreeSet<>();
                String w;
                do {
                    w = stack.pop();
                    onStack.remove(w);
                    c.add(w);
                } while (!w.equals(v));
                components.add(c);
            }
        }
    }

    /**
     * One strongly connected component as a closed path from its first package that visits every
     * package of the component (shortest hops inside it), each step with its best example class edge
     * and how many class edges it stands for, e.g.
     * {@code dev.tether.ssh → dev.tether.ssh.auth (Transport → ClientAuthenticator) → dev.tether.ssh (ClientAuthenticator → Transport)}.
     */
    public String describe(SortedSet<String> component) {
        String start = component.first();
        List<String> walk = new ArrayList<>(List.of(start));
        Set<String> unvisited = new TreeSet<>(component);
        unvisited.remove(start);
        String at = start;
        while (!unvisited.isEmpty()) {
            List<String> hop = shortestPath(at, unvisited, component);
            walk.addAll(hop.subList(1, hop.size()));
            unvisited.removeAll(hop);
            at = hop.get(hop.size() - 1);
        }
        List<String> back = shortestPath(at, Set.of(start), component);
        walk.addAll(back.subList(1, back.size()));

        StringBuilder sb = new StringBuilder(start);
        for (int i = 1; i < walk.size(); i++) {
            SortedSet<ClassEdge> e = classEdges(walk.get(i - 1), walk.get(i));
            sb.append(" → ").append(walk.get(i)).append(" (").append(e.first());
            if (e.size() > 1) {
                sb.append(", +").append(e.size() - 1).append(" more");
            }
            sb.append(')');
        }
        return sb.toString();
    }

    /** Breadth-first, inside the component, from {@code from} to the nearest of {@code targets} (which exclude it); neighbours in name order. */
    private List<String> shortestPath(String from, Set<String> targets, Set<String> within) {
        Map<String, String> parent = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(from));
        parent.put(from, from);
        while (!queue.isEmpty()) {
            String v = queue.removeFirst();
            if (targets.contains(v)) {
                return pathTo(parent, v);
            }
            for (String w : uses(v)) {
                if (within.contains(w) && !parent.containsKey(w)) {
                    parent.put(w, v);
                    queue.addLast(w);
                }
            }
        }
        throw new IllegalStateException("no path from " + from + " to " + targets + " inside " + within);
    }

    private static List<String> pathTo(Map<String, String> parent, String v) {
        List<String> p = new ArrayList<>();
        for (String x = v; ; x = parent.get(x)) {
            p.add(0, x);
            if (parent.get(x).equals(x)) {
                return p;
            }
        }
    }

    private static String binaryName(String internalName) {
        return internalName.replace('/', '.');
    }

    private static String packageOf(String binaryName) {
        int dot = binaryName.lastIndexOf('.');
        return dot < 0 ? "" : binaryName.substring(0, dot);
    }

    private static String simpleName(String binaryName) {
        return binaryName.substring(binaryName.lastIndexOf('.') + 1);
    }
}
