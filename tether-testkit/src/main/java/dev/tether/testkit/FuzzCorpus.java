package dev.tether.testkit;

import org.junit.jupiter.api.DynamicTest;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Replays the fuzz targets' corpora as ordinary tests, in every build (issue 15).
 *
 * <p>A fuzz target is a test class named {@code *Target} in a module's {@code fuzz} test package,
 * with Jazzer's entry point {@code public static void fuzzerTestOneInput(byte[])}: it feeds the
 * bytes to one parser and lets through only that parser's documented exceptions, so anything else
 * it throws (a {@code RuntimeException} the parser did not mean, an {@code Error}) is a finding.
 * Its corpus is the directory {@code src/test/resources/fuzz/<TargetName>/}: seeds made from real
 * traffic and files, and a {@code regress-*} file for every finding, kept after the fix.
 * {@code bin/fuzz} runs the same targets under Jazzer.
 *
 * <p>Stateless; the targets run on JUnit's thread, each under a deadline.
 */
public final class FuzzCorpus {
    /** Per target, for its whole corpus: generous for a loaded machine, short of a hung build. */
    private static final Duration DEADLINE = Duration.ofMinutes(2);

    private FuzzCorpus() {
    }

    /** One dynamic test per fuzz target in {@code anchor}'s package (a module's fuzz package), each replaying its corpus. */
    public static Stream<DynamicTest> replayAll(Class<?> anchor) {
        List<Class<?>> targets = targets(anchor);
        assertFalse(targets.isEmpty(), "no *Target classes beside " + anchor.getName());
        return targets.stream().map(t -> DynamicTest.dynamicTest(t.getSimpleName(), () -> replay(t)));
    }

    /** The fuzz targets in {@code anchor}'s package, by name. */
    public static List<Class<?>> targets(Class<?> anchor) {
        Path dir = directory(anchor.getResource(""), anchor.getPackageName());
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith("Target.class") && !n.contains("$"))
                    .sorted().collect(Collectors.toList());
            List<Class<?>> out = new java.util.ArrayList<>();
            for (String n : names) {
                out.add(Class.forName(anchor.getPackageName() + "." + n.substring(0, n.length() - ".class".length())));
            }
            return out;
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("listing fuzz targets in " + dir + ": " + e, e);
        }
    }

    /** Runs every file of {@code target}'s corpus through it; fails naming the first input it does not survive. */
    public static void replay(Class<?> target) {
        Method entry;
        try {
            entry = target.getMethod("fuzzerTestOneInput", byte[].class);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(target.getName() + " has no public static fuzzerTestOneInput(byte[])", e);
        }
        if (!Modifier.isStatic(entry.getModifiers())) {
            fail(target.getName() + ".fuzzerTestOneInput must be static");
        }
        String resource = "/fuzz/" + target.getSimpleName();
        URL url = target.getResource(resource);
        assertNotNull(url, "no corpus for " + target.getSimpleName() + ": add seeds under src/test/resources" + resource + "/");
        List<Path> inputs;
        try (Stream<Path> s = Files.list(directory(url, resource))) {
            inputs = s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        assertFalse(inputs.isEmpty(), "the corpus of " + target.getSimpleName() + " is empty");
        assertTimeoutPreemptively(DEADLINE, () -> {
            for (Path input : inputs) {
                byte[] data = Files.readAllBytes(input);
                try {
                    entry.invoke(null, (Object) data);
                } catch (InvocationTargetException e) {
                    throw new AssertionError(target.getSimpleName() + " did not survive " + input.getFileName() + " ("
                            + data.length + " bytes): " + e.getCause(), e.getCause());
                }
            }
        }, () -> target.getSimpleName() + " took over " + DEADLINE.toSeconds() + " s for " + inputs.size() + " inputs");
    }

    private static Path directory(URL url, String what) {
        if (url == null || !"file".equals(url.getProtocol())) {
            throw new IllegalStateException(what + " is not a directory on the class path: " + url);
        }
        try {
            return Paths.get(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
