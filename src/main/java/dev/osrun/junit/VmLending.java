package dev.osrun.junit;

import dev.osrun.GuestOs;
import dev.osrun.LinuxVm;
import dev.osrun.Vm;
import dev.osrun.WindowsVm;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.platform.commons.support.AnnotationSupport;

import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.util.Optional;

/**
 * Lends VMs to tests: finds the configuration that applies, the pool for it (one per configuration in the root
 * store), and the lease a test or class holds; restores the snapshot before each test. All state lives in
 * {@link ExtensionContext.Store}s:
 * <ul>
 *   <li>root store: a {@link VmPool} per configuration, and the {@link BackendSelection} per backend and guest;</li>
 *   <li>a class's store: the class's {@link Lease}, when its {@code @BeforeAll}/{@code @AfterAll} methods or a
 *       per-class constructor took a VM; its tests (and those of its {@code @Nested} classes) then use that VM, one
 *       at a time, so that what {@code @BeforeAll} saved (snapshots included) is there for them;</li>
 *   <li>a test's store: its own lease, taken when it first asks for a VM, or its {@link Lease.Turn} in the class's
 *       VM.</li>
 * </ul>
 */
final class VmLending {

    static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(OsrunExtension.class);

    private final VmBackend docker;
    private final VmBackend local;

    VmLending(VmBackend docker, VmBackend local) {
        this.docker = docker;
        this.local = local;
    }

    /** The configuration that applies in {@code context}, on the backend selected for it. */
    VmConfig config(ExtensionContext context) {
        VmConfig config = VmConfig.from(Settings.of(context));
        BackendSelection selection = selection(context, config);
        selection.missing().ifPresent(missing -> {
            throw new IllegalStateException(missing);
        });
        return config.on(selection.backend().kind());
    }

    /** The backend selection for {@code config}, made once per run. */
    BackendSelection selection(ExtensionContext context, VmConfig config) {
        String key = "backend:" + config.backend().id() + ":" + config.guest().id();
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(key, k -> BackendSelection.select(config, docker, local), BackendSelection.class);
    }

    /**
     * The VM for a parameter of {@code type} in {@code context}: the class's when the class holds one, else the
     * test's own (leased and restored to its snapshot on first use).
     *
     * @throws ParameterResolutionException when {@code type} does not fit the configured guest
     */
    Vm resolve(Class<?> type, String parameter, ExtensionContext context) {
        VmConfig config = config(context);
        checkType(type, parameter, config, context);
        return lease(context, config).lent();
    }

    private Lease lease(ExtensionContext context, VmConfig config) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        Lease classLease = store.get(classKey(config), Lease.class);
        if (classLease != null) {
            return classLease;
        }
        if (context.getTestMethod().isEmpty()) {
            return store.getOrComputeIfAbsent(classKey(config), k -> pool(context, config).lease(holder(context)), Lease.class);
        }
        return store.getOrComputeIfAbsent(testKey(config), k -> {
            Lease lease = pool(context, config).lease(holder(context));
            try {
                lease.restore(snapshot(context, config));
            } catch (RuntimeException e) {
                lease.close();
                throw e;
            }
            return lease;
        }, Lease.class);
    }

    /** Before a test: when its class holds a VM, takes the test's turn in it and restores the test's snapshot. */
    void beforeEach(ExtensionContext context) {
        VmConfig config = config(context);
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        Lease classLease = store.get(classKey(config), Lease.class);
        if (classLease != null) {
            store.put(TURN, classLease.takeTurn(holder(context), snapshot(context, config)));
        }
    }

    /** The lease whose VM the test in {@code context} used, if any. */
    Optional<Lease> leaseOf(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        Lease.Turn turn = store.get(TURN, Lease.Turn.class);
        if (turn != null) {
            return Optional.of(turn.lease());
        }
        VmConfig config;
        try {
            config = config(context);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(store.get(testKey(config), Lease.class));
    }

    private VmPool pool(ExtensionContext context, VmConfig config) {
        int size = PoolSize.of(Settings.of(context));
        VmBackend backend = config.backend() == BackendChoice.DOCKER ? docker : local;
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(poolKey(config), k -> new VmPool(config, backend, size), VmPool.class);
    }

    /** The snapshot a test starts from: the nearest {@link UseSnapshot}, else the configured one. */
    static String snapshot(ExtensionContext context, VmConfig config) {
        for (ExtensionContext current = context; current != null; current = current.getParent().orElse(null)) {
            Optional<AnnotatedElement> element = current.getElement();
            if (element.isPresent()) {
                Optional<UseSnapshot> use = AnnotationSupport.findAnnotation(element.get(), UseSnapshot.class);
                if (use.isPresent()) {
                    return use.get().value();
                }
            }
        }
        return config.snapshot();
    }

    /** Who holds a lease taken in {@code context}: {@code com.example.FooTest} or {@code com.example.FooTest#runs() [2]}. */
    static String holder(ExtensionContext context) {
        String type = context.getTestClass().map(Class::getName).orElse(context.getDisplayName());
        Optional<Method> method = context.getTestMethod();
        if (method.isEmpty()) {
            return type;
        }
        String name = type + "#" + method.get().getName() + "()";
        boolean invocation = context.getParent().flatMap(ExtensionContext::getTestMethod).isPresent();
        return invocation ? name + " " + context.getDisplayName() : name;
    }

    private static void checkType(Class<?> type, String parameter, VmConfig config, ExtensionContext context) {
        GuestOs os = config.guest().os();
        boolean fits = type == Vm.class || (type == WindowsVm.class && os == GuestOs.WINDOWS)
                || (type == LinuxVm.class && os == GuestOs.LINUX);
        if (fits) {
            return;
        }
        String source = Settings.of(context).get(Setting.GUEST).source();
        String other = os == GuestOs.WINDOWS ? "tiny" : "windows11";
        String fitting = os == GuestOs.WINDOWS ? "WindowsVm" : "LinuxVm";
        throw new ParameterResolutionException("Parameter " + parameter + " is a " + type.getSimpleName()
                + ", but the configured guest is " + config.guest().id() + " (" + os.name().toLowerCase(java.util.Locale.ROOT)
                + ", from " + source + "). Declare it as " + fitting + " or Vm, or configure a guest of that kind: "
                + Setting.GUEST.howToSet(other) + ".");
    }

    private static final String TURN = "turn";

    private static String classKey(VmConfig config) {
        return "class-lease:" + config;
    }

    private static String testKey(VmConfig config) {
        return "test-lease:" + config;
    }

    private static String poolKey(VmConfig config) {
        return "pool:" + config;
    }
}
