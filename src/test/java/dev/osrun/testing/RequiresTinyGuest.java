package dev.osrun.testing;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks tests that boot the tiny guest under a real QEMU. Where QEMU or the built guest is missing they are
 * skipped with the reason on a developer's machine, and fail under {@code CI=true}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(TinyGuestPrerequisites.class)
public @interface RequiresTinyGuest {
}
