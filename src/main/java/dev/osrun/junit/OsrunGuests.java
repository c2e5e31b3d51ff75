package dev.osrun.junit;

import org.junit.jupiter.api.ClassTemplate;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a test once per guest, from one source: on a method (in place of {@code @Test}) it runs that method once per
 * guest; on a class it runs every test of the class once per guest. The guest is in the display name
 * ({@code copiesFiles() [windows11]}), a {@link dev.osrun.Vm} parameter gets that guest's VM, failures and
 * evidence folders name the guest, and Surefire's XML has one test case per guest.
 *
 * <pre>{@code
 * @OsrunGuests({"windows11", "tiny"})
 * void copiesFiles(Vm vm, @TempDir Path tmp) {
 *     assumeThat(vm).isWindows();            // or assume on vm.os() for the steps that differ
 *     ...
 * }
 * }</pre>
 *
 * <p>Every other setting comes from the usual sources ({@link Osrun}); {@link #configs()} gives a run settings of
 * its own, e.g. {@code @OsrunGuests(value = "tiny", configs = @Osrun(guest = "windows11", memory = 8192))}. Steps
 * that differ between guests ask {@link OsrunAssumptions#assumeThat(dev.osrun.Vm) assumeThat(vm).isWindows()}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@TestTemplate
@ClassTemplate
@ExtendWith({OsrunExtension.class, GuestInvocations.class})
public @interface OsrunGuests {

    /** Guests to run on with the usual settings, in order: {@code windows11}, {@code tiny}. */
    String[] value() default {};

    /**
     * Runs with settings of their own, after those of {@link #value()}: each {@link Osrun} names its guest in
     * {@code guest} and its other attributes win over every other source for that run. One guest may appear in
     * several configs (two memory sizes, say); the display name then tells them apart ({@code [tiny, memory 768]}).
     */
    Osrun[] configs() default {};
}
