package dev.osrun.junit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads the extension's configuration for one test or class: {@link Osrun} on the nearest method or class that sets
 * a key, then system properties, then the environment, then JUnit configuration parameters, then defaults.
 */
final class Settings {

    private final ExtensionContext context;
    private final Function<String, String> systemProperties;
    private final Map<String, String> environment;

    private Settings(ExtensionContext context, Function<String, String> systemProperties, Map<String, String> environment) {
        this.context = context;
        this.systemProperties = systemProperties;
        this.environment = environment;
    }

    /** The settings as this JVM sees them. */
    static Settings of(ExtensionContext context) {
        return new Settings(context, System::getProperty, System.getenv());
    }

    /** The settings with these system properties and environment instead of this JVM's (for tests). */
    static Settings of(ExtensionContext context, Function<String, String> systemProperties, Map<String, String> environment) {
        return new Settings(context, systemProperties, environment);
    }

    /** The value of {@code setting} from the first source that sets it. */
    SettingValue get(Setting setting) {
        if (setting.attributeName() != null) {
            for (ExtensionContext current = context; current != null; current = current.getParent().orElse(null)) {
                Optional<AnnotatedElement> element = current.getElement();
                if (element.isEmpty()) {
                    continue;
                }
                Optional<Osrun> osrun = AnnotationSupport.findAnnotation(element.get(), Osrun.class);
                if (osrun.isPresent() && !setting.attributeValue(osrun.get()).isEmpty()) {
                    return new SettingValue(setting, setting.attributeValue(osrun.get()),
                            "@Osrun(" + setting.attributeName() + ") on " + describe(element.get()));
                }
            }
        }
        String property = systemProperties.apply(setting.property());
        if (property != null && !property.isBlank()) {
            return new SettingValue(setting, property.trim(), "the system property " + setting.property());
        }
        String env = environment.get(setting.env());
        if (env != null && !env.isBlank()) {
            return new SettingValue(setting, env.trim(), "the environment variable " + setting.env());
        }
        Optional<String> parameter = context.getConfigurationParameter(setting.property());
        if (parameter.isPresent() && !parameter.get().isBlank()) {
            return new SettingValue(setting, parameter.get().trim(), "the configuration parameter " + setting.property()
                    + " (junit-platform.properties or the launcher)");
        }
        return new SettingValue(setting, setting.defaultValue(), "the default");
    }

    /** The JUnit configuration parameter {@code name}, if set. */
    Optional<String> junitParameter(String name) {
        return context.getConfigurationParameter(name).map(String::trim).filter(value -> !value.isEmpty());
    }

    /** Whether this run is a CI run ({@code CI=true}), where a missing prerequisite fails instead of skipping. */
    boolean underCi() {
        return "true".equalsIgnoreCase(environment.getOrDefault("CI", "").trim());
    }

    private static String describe(AnnotatedElement element) {
        if (element instanceof Class<?> type) {
            return type.getName();
        }
        if (element instanceof Method method) {
            return method.getDeclaringClass().getName() + "." + method.getName() + "()";
        }
        return element.toString();
    }
}
