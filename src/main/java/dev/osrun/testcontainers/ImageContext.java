package dev.osrun.testcontainers;

import dev.osrun.OsrunException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.CodeSource;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The osrun image's Docker context, laid out in a temporary directory as it is in the repository: the library
 * ships {@code docker/} (the Dockerfile, the tiny guest's build script and rootfs, noVNC's page) and
 * {@code win11-init/} as resources under {@value #RESOURCES}; the jars come from this JVM's class path: the
 * library's own jar and those of its runtime dependencies (Jackson, SLF4J, picocli, and slf4j-simple for the
 * container's log), into {@code target/lib/}. Deleted by {@link #close()}.
 */
final class ImageContext implements AutoCloseable {

    /** The Dockerfile, relative to the context. */
    static final String DOCKERFILE = "docker/Dockerfile";
    /** The jars, as the Dockerfile's {@code OSRUN_JAR} build argument names them. */
    static final String JARS = "target/lib/*.jar";

    static final String RESOURCES = "dev/osrun/image";

    private static final Logger log = LoggerFactory.getLogger(ImageContext.class);
    /** A class from each runtime dependency of the CLI that the image runs. */
    private static final List<String> DEPENDENCIES = List.of(
            "com.fasterxml.jackson.databind.ObjectMapper",
            "com.fasterxml.jackson.core.JsonFactory",
            "com.fasterxml.jackson.annotation.JsonProperty",
            "org.slf4j.LoggerFactory",
            "picocli.CommandLine");
    private static final String LOG_BACKEND = "org.slf4j.simple.SimpleLogger";

    private final Path directory;

    private ImageContext(Path directory) {
        this.directory = directory;
    }

    /**
     * Lays the context out in a new temporary directory.
     *
     * @throws OsrunException when the library holds no Docker context or a dependency is not on the class path
     */
    static ImageContext create() throws IOException {
        Path directory = Files.createTempDirectory("osrun-image-");
        try {
            copyResources(directory);
            Files.createDirectories(directory.resolve("win11-init"));
            copyJars(directory.resolve("target/lib"));
            return new ImageContext(directory);
        } catch (IOException | RuntimeException e) {
            deleteTree(directory);
            throw e;
        }
    }

    /** The context's root. */
    Path directory() {
        return directory;
    }

    @Override
    public void close() throws IOException {
        deleteTree(directory);
    }

    private static void copyResources(Path target) throws IOException {
        URL dockerfile = ImageContext.class.getClassLoader().getResource(RESOURCES + "/" + DOCKERFILE);
        if (dockerfile == null) {
            throw new OsrunException("The osrun library on the class path holds no Docker context (" + RESOURCES + "/"
                    + DOCKERFILE + " is missing), so the image cannot be built from it. Use a jar built by osrun's "
                    + "pom (mvn package), or build the image from the repository (bin/test).");
        }
        try {
            if (dockerfile.getProtocol().equals("jar")) {
                Path jar = Path.of(((JarURLConnection) dockerfile.openConnection()).getJarFileURL().toURI());
                try (FileSystem zip = FileSystems.newFileSystem(jar)) {
                    copyTree(zip.getPath("/" + RESOURCES), target);
                }
            } else {
                copyTree(Path.of(dockerfile.toURI()).getParent().getParent(), target);
            }
        } catch (URISyntaxException e) {
            throw new OsrunException("Cannot locate the Docker context at " + dockerfile, e);
        }
    }

    private static void copyTree(Path source, Path target) throws IOException {
        try (Stream<Path> paths = Files.walk(source)) {
            for (Path path : paths.toList()) {
                String relative = source.relativize(path).toString();
                Path destination = target.resolve(relative);
                if (Files.isDirectory(path)) {
                    Files.createDirectories(destination);
                } else {
                    Files.copy(path, destination, StandardCopyOption.REPLACE_EXISTING);
                    setMode(destination, relative);
                }
            }
        }
    }

    /**
     * Gives a file the mode git gives it in the repository, which resources lose: then the build's cache keys match
     * those of an image built from the repository, and the scripts are executable.
     */
    private static void setMode(Path file, String relative) throws IOException {
        String name = relative.replace('\\', '/');
        boolean executable = name.endsWith(".sh") || name.endsWith("rootfs/init") || name.contains("rootfs/sbin/");
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            log.debug("No POSIX modes on this file system; {} keeps its mode", file);
        }
    }

    private static void copyJars(Path lib) throws IOException {
        Files.createDirectories(lib);
        Set<Path> sources = new LinkedHashSet<>();
        sources.add(location(OsrunContainer.class));
        for (String name : DEPENDENCIES) {
            sources.add(location(load(name).orElseThrow(() -> new OsrunException("Cannot build the osrun image: "
                    + name + " is not on the class path. osrun's Maven dependencies bring it; is the class path complete?"))));
        }
        Optional<Class<?>> backend = load(LOG_BACKEND);
        if (backend.isPresent()) {
            sources.add(location(backend.get()));
        } else {
            localRepositoryBackend(location(load("org.slf4j.LoggerFactory").orElseThrow())).ifPresentOrElse(sources::add,
                    () -> log.warn("slf4j-simple is neither on the class path nor in the local Maven repository: the image "
                            + "will hold no logging backend, and the container's log will lack osrun's own messages. Add "
                            + "org.slf4j:slf4j-simple (test scope) to see them."));
        }
        for (Path source : sources) {
            if (Files.isDirectory(source)) {
                jar(source, lib.resolve("osrun-" + OsrunContainer.libraryVersion() + ".jar"));
            } else {
                Files.copy(source, lib.resolve(source.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static Optional<Class<?>> load(String name) {
        try {
            return Optional.of(Class.forName(name, false, ImageContext.class.getClassLoader()));
        } catch (ClassNotFoundException | LinkageError e) {
            return Optional.empty();
        }
    }

    private static Path location(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            throw new OsrunException("Cannot tell which jar holds " + type.getName() + ", so the osrun image cannot be built "
                    + "from this class path. Build it from the repository instead (bin/test).");
        }
        try {
            return Path.of(source.getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new OsrunException("Cannot locate the jar of " + type.getName() + ": " + source.getLocation(), e);
        }
    }

    /** slf4j-simple of the same version as slf4j-api, in the local Maven repository beside it. */
    private static Optional<Path> localRepositoryBackend(Path slf4jApi) {
        Path versionDir = slf4jApi.getParent();
        if (versionDir == null || versionDir.getParent() == null || versionDir.getParent().getParent() == null) {
            return Optional.empty();
        }
        String version = versionDir.getFileName().toString();
        Path candidate = versionDir.getParent().getParent().resolve("slf4j-simple").resolve(version)
                .resolve("slf4j-simple-" + version + ".jar");
        return Files.isRegularFile(candidate) ? Optional.of(candidate) : Optional.empty();
    }

    /** Packs a class directory (the library, when it runs from target/classes) as a jar, without the context. */
    private static void jar(Path classes, Path jar) throws IOException {
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
             Stream<Path> paths = Files.walk(classes)) {
            for (Path path : paths.sorted().toList()) {
                String name = classes.relativize(path).toString().replace('\\', '/');
                if (path.equals(classes) || name.startsWith(RESOURCES) || name.startsWith("META-INF/MANIFEST.MF")) {
                    continue;
                }
                if (Files.isDirectory(path)) {
                    out.putNextEntry(new JarEntry(name + "/"));
                } else {
                    out.putNextEntry(new JarEntry(name));
                    Files.copy(path, out);
                }
                out.closeEntry();
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
