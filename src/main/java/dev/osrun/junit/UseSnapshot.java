package dev.osrun.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the snapshot that {@link OsrunExtension} restores in the VM before each test (default: the configured
 * {@link Osrun#snapshot()}, {@code provisioned} unless set). On a method it applies to that test (every invocation
 * of a {@code @RepeatedTest} or {@code @ParameterizedTest}); on a class to each of its tests and those of its
 * {@code @Nested} classes, unless one nearer says otherwise.
 *
 * <p>A snapshot saved in {@code @BeforeAll} through the class's VM is there for the class's tests:
 *
 * <pre>{@code
 * @Osrun(guest = "tiny")
 * class UpgradeTest {
 *     @BeforeAll
 *     static void installOldVersion(Vm vm) {
 *         vm.shell("install-old-version");
 *         vm.saveSnapshot("old-version");
 *     }
 *
 *     @Test
 *     @UseSnapshot("old-version")
 *     void upgrades(Vm vm) { ... }
 * }
 * }</pre>
 *
 * <p>When the snapshot does not exist the test fails before it starts, with a
 * {@link dev.osrun.SnapshotNotFoundException} that lists the snapshots the VM has.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface UseSnapshot {

    /** The snapshot's name. */
    String value();
}
