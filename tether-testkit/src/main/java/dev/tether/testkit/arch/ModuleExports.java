package dev.tether.testkit.arch;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a compiled module exports, read from its {@code module-info.class} (a jar or a classes
 * directory): the checks that the API shows no engine type, that the CLI and the README use the
 * API only, all take the API to be exactly this.
 *
 * <p>Thread-safe (stateless); reads files only, nothing to clean up.
 */
public final class ModuleExports {
    private ModuleExports() {
    }

    /** The descriptor of {@code module} at {@code location}; fails if it is not there. */
    public static ModuleDescriptor descriptor(Path location, String module) {
        return ModuleFinder.of(location).find(module)
                .orElseThrow(() -> new AssertionError("no module " + module + " at " + location.toAbsolutePath()))
                .descriptor();
    }

    /** The packages {@code module} at {@code location} exports (unqualified or not), sorted. */
    public static Set<String> of(Path location, String module) {
        Set<String> out = new TreeSet<>();
        descriptor(location, module).exports().forEach(e -> out.add(e.source()));
        return out;
    }
}
