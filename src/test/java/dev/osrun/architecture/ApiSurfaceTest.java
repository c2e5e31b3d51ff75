package dev.osrun.architecture;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rule that stands in for a {@code module-info} (see the README's "How it works"): which packages are osrun's
 * API, and that nothing else leaks into it. It reads the compiled main classes ({@code target/classes}):
 *
 * <ol>
 *   <li>every package is classified, as API (what users may import) or internal;</li>
 *   <li>no public or protected signature of an API type names an internal type (the API hands out no engine);</li>
 *   <li>a public type of an internal package is needed by another osrun package (named by it, or brought along
 *       by the public signatures, nested types or exception subclasses of what it names); otherwise it must be
 *       package-private: public only where Java needs it;</li>
 *   <li>the two protocol clients do not depend on each other: what they share is {@code dev.osrun.transport}.</li>
 * </ol>
 *
 * A JPMS module would enforce (1) for module users only and would put every test and every reflective library
 * (picocli, Jackson, JUnit) under module rules; users on the class path, most of them, would see no difference.
 */
class ApiSurfaceTest {

    /** What users may import: the API, the container, the extension, the assertions; the CLI's main; LocalVm. */
    static final Set<String> API = Set.of("dev.osrun", "dev.osrun.testcontainers", "dev.osrun.junit",
            "dev.osrun.assertj", "dev.osrun.cli", "dev.osrun.local");

    /** Everything else: public types here exist only because another osrun package uses them. */
    static final Set<String> INTERNAL = Set.of("dev.osrun.engine", "dev.osrun.provision", "dev.osrun.qmp",
            "dev.osrun.qga", "dev.osrun.transport", "dev.osrun.server");

    /**
     * Signatures that name internal types today, each to be removed by the change named beside it; a leak not in
     * this list fails, and so does an entry that no longer leaks (remove it).
     */
    static final Map<String, String> KNOWN_LEAKS = Map.of(
            "dev.osrun.local.LocalVm.machine() -> dev.osrun.engine.Machine",
            "issue 7 item 11: LocalVm hands out the engine (helper-winrecipe types LocalVm by its guest)",
            "dev.osrun.local.LocalVm$Builder.progress(dev.osrun.provision.ProvisioningListener) -> dev.osrun.provision.ProvisioningListener",
            "progress events belong in the API package (dev.osrun) once the container reports them too");

    /** Public internal types that nothing uses yet, with the work that will. */
    static final Map<String, String> PUBLIC_FOR_LATER = Map.of(
            "dev.osrun.engine.WindowsProfile", "the Windows 11 recipe and a LocalVm typed by its guest (helper-winrecipe)");

    private static Path classes;
    private static Map<String, Set<String>> referencesByClass;

    @BeforeAll
    static void readClasses() throws IOException, URISyntaxException {
        classes = Path.of(dev.osrun.Vm.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        referencesByClass = new TreeMap<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                if (!name.endsWith("module-info") && !name.endsWith("package-info")) {
                    referencesByClass.put(name, ClassFiles.referencedClasses(file));
                }
            }
        }
    }

    @Test
    void everyPackageIsEitherApiOrInternal() {
        Set<String> unclassified = new TreeSet<>();
        for (String name : referencesByClass.keySet()) {
            String pkg = packageOf(name);
            if (!API.contains(pkg) && !INTERNAL.contains(pkg)) {
                unclassified.add(pkg);
            }
        }
        assertThat(unclassified).as("packages that are neither API nor internal: add each to API or INTERNAL in "
                + ApiSurfaceTest.class.getSimpleName()).isEmpty();
    }

    @Test
    void apiSignaturesNameNoInternalType() throws ClassNotFoundException {
        Set<String> leaks = new TreeSet<>();
        for (String name : referencesByClass.keySet()) {
            if (!API.contains(packageOf(name))) {
                continue;
            }
            Class<?> type = load(name);
            if (!isVisible(type)) {
                continue;
            }
            leaks.addAll(leaksOf(type));
        }
        Set<String> unknown = new TreeSet<>(leaks);
        unknown.removeAll(KNOWN_LEAKS.keySet());
        Set<String> fixed = new TreeSet<>(KNOWN_LEAKS.keySet());
        fixed.removeAll(leaks);
        assertThat(unknown).as("public API signatures that name internal types (return an API type instead)").isEmpty();
        assertThat(fixed).as("KNOWN_LEAKS entries that no longer leak: remove them").isEmpty();
    }

    @Test
    void publicTypesOfInternalPackagesAreUsedFromAnotherPackage() throws Exception {
        // Needed: what another package (main or test code) names, and what those types' public signatures, nested
        // types and exception subclasses bring along.
        Set<String> needed = new TreeSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>();
        Map<String, Set<String>> all = new TreeMap<>(referencesByClass);
        all.putAll(testReferences());
        all.forEach((name, references) -> references.stream()
                .map(r -> r.replace('/', '.'))
                .filter(r -> INTERNAL.contains(packageOf(r)) && !packageOf(r).equals(packageOf(name)))
                .forEach(todo::add));
        while (!todo.isEmpty()) {
            String name = todo.poll();
            if (!referencesByClass.containsKey(name) || !needed.add(name)) {
                continue;
            }
            Class<?> type = load(name);
            for (String leak : leaksOf(type)) {
                todo.add(leak.substring(leak.lastIndexOf(" -> ") + 4));
            }
            for (Class<?> nested : type.getDeclaredClasses()) {
                todo.add(nested.getName());
            }
            if (Throwable.class.isAssignableFrom(type)) {
                for (String other : referencesByClass.keySet()) {
                    Class<?> candidate = load(other);
                    if (candidate.getSuperclass() == type) {
                        todo.add(other);
                    }
                }
            }
        }
        Set<String> needless = new TreeSet<>();
        for (String name : referencesByClass.keySet()) {
            if (INTERNAL.contains(packageOf(name)) && isVisible(load(name)) && !needed.contains(name)
                    && !PUBLIC_FOR_LATER.containsKey(name)) {
                needless.add(name);
            }
        }
        assertThat(needless).as("public types of internal packages that no other package needs: make them package-private")
                .isEmpty();
    }

    private static Map<String, Set<String>> testReferences() throws IOException, URISyntaxException {
        Path testClasses = Path.of(ApiSurfaceTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, Set<String>> references = new TreeMap<>();
        try (Stream<Path> files = Files.walk(testClasses)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = testClasses.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                references.put(name, ClassFiles.referencedClasses(file));
            }
        }
        return references;
    }

    @Test
    void theProtocolClientsShareOnlyTheTransport() {
        List<String> crossings = new ArrayList<>();
        referencesByClass.forEach((name, references) -> {
            String pkg = packageOf(name);
            String other = pkg.equals("dev.osrun.qga") ? "dev/osrun/qmp/" : pkg.equals("dev.osrun.qmp") ? "dev/osrun/qga/" : null;
            if (other != null) {
                references.stream().filter(r -> r.startsWith(other)).forEach(r -> crossings.add(name + " -> " + r));
            }
        });
        assertThat(crossings).as("qmp and qga must not use each other; shared code belongs in dev.osrun.transport").isEmpty();
    }

    private static List<String> leaksOf(Class<?> type) {
        List<String> leaks = new ArrayList<>();
        String owner = type.getName();
        check(leaks, owner + " extends", type.getGenericSuperclass());
        for (Type implemented : type.getGenericInterfaces()) {
            check(leaks, owner + " implements", implemented);
        }
        for (Method method : type.getDeclaredMethods()) {
            if (visible(method.getModifiers()) && !method.isSynthetic() && !method.isBridge()) {
                String signature = owner + "." + method.getName() + signature(method);
                check(leaks, signature, method.getGenericReturnType());
                checkAll(leaks, signature, method);
            }
        }
        for (Constructor<?> constructor : type.getDeclaredConstructors()) {
            if (visible(constructor.getModifiers()) && !constructor.isSynthetic()) {
                checkAll(leaks, owner + ".<init>" + signature(constructor), constructor);
            }
        }
        for (Field field : type.getDeclaredFields()) {
            if (visible(field.getModifiers()) && !field.isSynthetic()) {
                check(leaks, owner + "." + field.getName(), field.getGenericType());
            }
        }
        return leaks;
    }

    private static void checkAll(List<String> leaks, String signature, Executable executable) {
        for (Type parameter : executable.getGenericParameterTypes()) {
            check(leaks, signature, parameter);
        }
        for (Type thrown : executable.getGenericExceptionTypes()) {
            check(leaks, signature, thrown);
        }
    }

    private static void check(List<String> leaks, String where, Type type) {
        if (type instanceof Class<?> c) {
            Class<?> element = c;
            while (element.isArray()) {
                element = element.getComponentType();
            }
            if (INTERNAL.contains(element.getPackageName())) {
                leaks.add(where + " -> " + element.getName());
            }
        } else if (type instanceof ParameterizedType p) {
            check(leaks, where, p.getRawType());
            for (Type argument : p.getActualTypeArguments()) {
                check(leaks, where, argument);
            }
        } else if (type instanceof GenericArrayType a) {
            check(leaks, where, a.getGenericComponentType());
        } else if (type instanceof WildcardType w) {
            for (Type bound : w.getUpperBounds()) {
                check(leaks, where, bound);
            }
            for (Type bound : w.getLowerBounds()) {
                check(leaks, where, bound);
            }
        }
    }

    private static String signature(Executable executable) {
        return "(" + String.join(", ", Stream.of(executable.getParameterTypes()).map(Class::getName).toList()) + ")";
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    /** A type users can name: public, and (if nested) in visible enclosing types all the way out. */
    private static boolean isVisible(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getEnclosingClass()) {
            if (!visible(c.getModifiers()) || c.isAnonymousClass() || c.isLocalClass()) {
                return false;
            }
        }
        return true;
    }

    private static Class<?> load(String name) throws ClassNotFoundException {
        return Class.forName(name, false, ApiSurfaceTest.class.getClassLoader());
    }

    private static String packageOf(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? "" : className.substring(0, dot);
    }
}
