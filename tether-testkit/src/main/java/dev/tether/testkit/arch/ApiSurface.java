package dev.tether.testkit.arch;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Whether a module's exported API shows an engine type: a public or protected member of a public
 * type in an exported package that names (in its signature, generics included) a type of a
 * package the module does not export, or such a type extending or implementing one. Otherwise a
 * module-path user would meet a type they cannot use. Stateless.
 */
public final class ApiSurface {
    /** What {@link #check} found: the leaks, and how many public types were looked at. */
    public record Report(List<String> leaks, int typesChecked, Set<String> enginePackages) {
    }

    private ApiSurface() {
    }

    /**
     * Checks the module {@code module} compiled into {@code classes} (with its
     * {@code module-info.class}), loading classes through {@code loader} without initialising them.
     */
    public static Report check(Path classes, String module, ClassLoader loader) throws IOException, ClassNotFoundException {
        ModuleDescriptor d = ModuleExports.descriptor(classes, module);
        Set<String> exported = ModuleExports.of(classes, module);
        Set<String> engine = new TreeSet<>(d.packages());
        engine.removeAll(exported);
        List<String> leaks = new ArrayList<>();
        int checked = 0;
        for (String pkg : exported) {
            for (Class<?> c : classesOf(classes, pkg, loader)) {
                if (!Modifier.isPublic(c.getModifiers()) || !isVisible(c)) {
                    continue;
                }
                checked++;
                String where = c.getName();
                check(leaks, engine, where + " extends", c.getGenericSuperclass());
                for (Type t : c.getGenericInterfaces()) {
                    check(leaks, engine, where + " implements", t);
                }
                for (Field f : c.getDeclaredFields()) {
                    if (visible(f.getModifiers())) {
                        check(leaks, engine, where + "." + f.getName(), f.getGenericType());
                    }
                }
                for (Constructor<?> k : c.getDeclaredConstructors()) {
                    checkExecutable(leaks, engine, where + ".<init>", k);
                }
                for (Method m : c.getDeclaredMethods()) {
                    if (!m.isSynthetic() && !m.isBridge()) {
                        checkExecutable(leaks, engine, where + "." + m.getName(), m);
                        if (visible(m.getModifiers())) {
                            check(leaks, engine, where + "." + m.getName() + " returns", m.getGenericReturnType());
                        }
                    }
                }
            }
        }
        return new Report(List.copyOf(leaks), checked, engine);
    }

    /** Whether a nested type is reachable: every enclosing type public too. */
    private static boolean isVisible(Class<?> c) {
        for (Class<?> o = c; o != null; o = o.getDeclaringClass()) {
            if (!Modifier.isPublic(o.getModifiers()) && !(o.getDeclaringClass() != null && Modifier.isProtected(o.getModifiers()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void checkExecutable(List<String> leaks, Set<String> engine, String where, Executable e) {
        if (!visible(e.getModifiers())) {
            return;
        }
        for (Type t : e.getGenericParameterTypes()) {
            check(leaks, engine, where + " takes", t);
        }
        for (Type t : e.getGenericExceptionTypes()) {
            check(leaks, engine, where + " throws", t);
        }
    }

    private static void check(List<String> leaks, Set<String> engine, String where, Type t) {
        if (t == null) {
            return;
        }
        if (t instanceof Class<?> c) {
            while (c.isArray()) {
                c = c.getComponentType();
            }
            if (engine.contains(c.getPackageName())) {
                leaks.add(where + " " + c.getName());
            }
        } else if (t instanceof ParameterizedType p) {
            check(leaks, engine, where, p.getRawType());
            for (Type a : p.getActualTypeArguments()) {
                check(leaks, engine, where, a);
            }
        } else if (t instanceof GenericArrayType g) {
            check(leaks, engine, where, g.getGenericComponentType());
        } else if (t instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) {
                check(leaks, engine, where, b);
            }
            for (Type b : w.getLowerBounds()) {
                check(leaks, engine, where, b);
            }
        } else if (t instanceof TypeVariable<?> v) {
            for (Type b : v.getBounds()) {
                if (b != Object.class) {
                    check(leaks, engine, where, b);
                }
            }
        }
    }

    /** The classes compiled into {@code pkg} (not its subpackages), loaded without initialising them. */
    private static List<Class<?>> classesOf(Path classes, String pkg, ClassLoader loader) throws IOException, ClassNotFoundException {
        Path dir = classes.resolve(pkg.replace('.', '/'));
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".class") && !name.equals("package-info.class") && !name.equals("module-info.class")) {
                    out.add(Class.forName(pkg + "." + name.substring(0, name.length() - ".class".length()), false,
                            loader));
                }
            }
        }
        return out;
    }
}
