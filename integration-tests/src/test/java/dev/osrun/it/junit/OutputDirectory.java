package dev.osrun.it.junit;

import org.junit.platform.engine.OutputDirectoryCreator;
import org.junit.platform.engine.TestDescriptor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where JUnit puts the files tests publish, for runs through EngineTestKit: one folder per test under a root. */
record OutputDirectory(Path root) implements OutputDirectoryCreator {

    @Override
    public Path getRootDirectory() {
        return root;
    }

    @Override
    public Path createOutputDirectory(TestDescriptor descriptor) throws IOException {
        String name = descriptor.getUniqueId().toString().replaceAll("[^A-Za-z0-9._-]+", "_");
        return Files.createDirectories(root.resolve(name));
    }
}
