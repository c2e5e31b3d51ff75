package dev.osrun.it;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks tests that run the osrun image in real containers. Where no Docker engine answers or the image
 * ({@link OsrunImage#name()}) is missing they are skipped with the reason on a developer's machine, and
 * <b>fail</b> under {@code CI=true}, so that a missing prerequisite never turns into a green run.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(OsrunImagePrerequisites.class)
public @interface RequiresOsrunImage {
}
