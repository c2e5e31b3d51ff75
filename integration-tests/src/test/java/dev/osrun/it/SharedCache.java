package dev.osrun.it;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Resolves a {@link CacheVolume} parameter to the one cache volume that every test class of the run shares, so
 * that the tiny guest is provisioned once per run, not once per test. Tests about a fresh volume make their own
 * with {@link CacheVolume#create}. The volume is removed when the run ends.
 */
@Target({ElementType.TYPE, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(SharedCache.Resolver.class)
@interface SharedCache {

    /** Keeps the shared volume in the root store, which closes it at the end of the run. */
    final class Resolver implements ParameterResolver {

        private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedCache.class);

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == CacheVolume.class;
        }

        @Override
        public CacheVolume resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return context.getRoot().getStore(NAMESPACE)
                    .getOrComputeIfAbsent("volume", key -> new Closing(CacheVolume.create("osrun-it-cache")), Closing.class)
                    .volume();
        }

        /** The volume as a resource the store closes. */
        private record Closing(CacheVolume volume) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
            @Override
            public void close() {
                volume.close();
            }
        }
    }
}
