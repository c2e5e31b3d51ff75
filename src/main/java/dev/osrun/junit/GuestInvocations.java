package dev.osrun.junit;

import dev.osrun.GuestKind;
import org.junit.jupiter.api.extension.ClassTemplateInvocationContext;
import org.junit.jupiter.api.extension.ClassTemplateInvocationContextProvider;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.junit.platform.commons.support.AnnotationSupport;

import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Turns {@link OsrunGuests} into one invocation per guest, of a test method (test template) or of a whole class
 * (class template). Each invocation binds its guest ({@link GuestBinding}) in its own store, where
 * {@link Settings} finds it before any other source.
 */
final class GuestInvocations implements TestTemplateInvocationContextProvider, ClassTemplateInvocationContextProvider {

    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
        return context.getTestMethod().map(method -> AnnotationSupport.isAnnotated(method, OsrunGuests.class)).orElse(false);
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
        AnnotatedElement method = context.getRequiredTestMethod();
        List<GuestBinding> runs = bindings(method);
        return runs.stream().map(binding -> new TestTemplateInvocationContext() {
            @Override
            public String getDisplayName(int invocationIndex) {
                return context.getDisplayName() + " [" + binding.label(runs) + "]";
            }

            @Override
            public void prepareInvocation(ExtensionContext invocation) {
                binding.bind(invocation);
            }
        });
    }

    @Override
    public boolean supportsClassTemplate(ExtensionContext context) {
        return context.getTestClass().map(type -> AnnotationSupport.isAnnotated(type, OsrunGuests.class)).orElse(false);
    }

    @Override
    public Stream<ClassTemplateInvocationContext> provideClassTemplateInvocationContexts(ExtensionContext context) {
        List<GuestBinding> runs = bindings(context.getRequiredTestClass());
        return runs.stream().map(binding -> new ClassTemplateInvocationContext() {
            @Override
            public String getDisplayName(int invocationIndex) {
                return "[" + binding.label(runs) + "]";
            }

            @Override
            public void prepareInvocation(ExtensionContext invocation) {
                binding.bind(invocation);
            }
        });
    }

    /**
     * The runs {@code element}'s {@link OsrunGuests} asks for: one per guest of {@code value}, then one per
     * {@code configs} entry.
     *
     * @throws ExtensionConfigurationException for no run, an unknown guest, or the same run twice
     */
    static List<GuestBinding> bindings(AnnotatedElement element) {
        OsrunGuests guests = AnnotationSupport.findAnnotation(element, OsrunGuests.class).orElseThrow();
        String where = "@OsrunGuests on " + describe(element);
        List<GuestBinding> runs = new ArrayList<>();
        for (String id : guests.value()) {
            runs.add(new GuestBinding(parse(id, where), null, where));
        }
        for (Osrun config : guests.configs()) {
            if (config.guest().isBlank()) {
                throw new ExtensionConfigurationException(where + " has a config without a guest. Name it: @Osrun(guest = \"tiny\", ...).");
            }
            runs.add(new GuestBinding(parse(config.guest(), where), config, where));
        }
        if (runs.isEmpty()) {
            throw new ExtensionConfigurationException(where + " names no guest. List them: @OsrunGuests({\"windows11\", \"tiny\"}).");
        }
        Set<String> labels = new HashSet<>();
        for (GuestBinding run : runs) {
            if (!labels.add(run.label(runs))) {
                throw new ExtensionConfigurationException(where + " asks twice for the same run: [" + run.label(runs) + "].");
            }
        }
        return runs;
    }

    private static GuestKind parse(String id, String where) {
        try {
            return GuestKind.parse(id);
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException(where + ": " + e.getMessage(), e);
        }
    }

    private static String describe(AnnotatedElement element) {
        if (element instanceof Class<?> type) {
            return type.getName();
        }
        if (element instanceof java.lang.reflect.Method method) {
            return method.getDeclaringClass().getName() + "." + method.getName() + "()";
        }
        return element.toString();
    }
}
