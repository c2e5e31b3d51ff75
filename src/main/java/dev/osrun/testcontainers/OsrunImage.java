package dev.osrun.testcontainers;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.BuildResponseItem;
import dev.osrun.OsrunException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.LazyFuture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The osrun image a container runs, made available on first use: the engine's own copy if it has one, else a
 * pull, else (for an image named {@code osrun:<tag>}, no registry) a build from the Docker context shipped in the
 * library ({@link ImageContext}), with the build's steps in the log. Resolved once, when the container starts.
 */
final class OsrunImage extends LazyFuture<String> {

    /** How long a pull may take before the image is built instead. */
    static final Duration PULL_TIMEOUT = Duration.ofMinutes(2);
    /** How long a build may take: the Debian packages of the image (QEMU, Samba, Java) are downloaded once. */
    static final Duration BUILD_TIMEOUT = Duration.ofMinutes(60);

    private static final Logger log = LoggerFactory.getLogger(OsrunImage.class);
    private static final Map<String, Object> LOCKS = new ConcurrentHashMap<>();

    private final DockerImageName name;

    OsrunImage(DockerImageName name) {
        this.name = name;
    }

    @Override
    protected String resolve() {
        String image = name.asCanonicalNameString();
        // Two containers of one JVM that start at once build the image once.
        synchronized (LOCKS.computeIfAbsent(image, key -> new Object())) {
            DockerClient docker = DockerClientFactory.instance().client();
            if (exists(docker, image)) {
                return image;
            }
            if (shouldPull() && pulled(docker)) {
                return image;
            }
            if (!buildable()) {
                throw new OsrunException("The image " + image + " is not in the Docker engine and could not be pulled. "
                        + "Pull or build it first, or use the default image (new OsrunContainer()), which osrun builds itself.");
            }
            build(docker, image);
            return image;
        }
    }

    /** Whether osrun builds this image itself when it is missing: {@code osrun:<tag>}, with no registry in the name. */
    boolean buildable() {
        return name.getRegistry().isEmpty() && name.getRepository().equals(OsrunContainer.IMAGE);
    }

    /** A snapshot version is never published: do not ask a registry for it. */
    private boolean shouldPull() {
        return !(buildable() && name.getVersionPart().endsWith("-SNAPSHOT"));
    }

    private static boolean exists(DockerClient docker, String image) {
        try {
            docker.inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    private boolean pulled(DockerClient docker) {
        log.info("Pulling {} (at most {} s)", name.asCanonicalNameString(), PULL_TIMEOUT.toSeconds());
        try {
            boolean done = docker.pullImageCmd(name.getUnversionedPart()).withTag(name.getVersionPart())
                    .exec(new PullImageResultCallback())
                    .awaitCompletion(PULL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (done && exists(docker, name.asCanonicalNameString())) {
                return true;
            }
            log.info("Could not pull {} within {} s", name.asCanonicalNameString(), PULL_TIMEOUT.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OsrunException("Interrupted while pulling " + name.asCanonicalNameString(), e);
        } catch (RuntimeException e) {
            log.info("Could not pull {}: {}", name.asCanonicalNameString(), e.getMessage());
        }
        return false;
    }

    private static void build(DockerClient docker, String image) {
        log.info("Building the image {} from the Docker context shipped in osrun {} (first use: downloads Debian packages "
                + "and builds the tiny guest; several minutes, about 1.5 GB)", image, OsrunContainer.libraryVersion());
        long started = System.nanoTime();
        try (ImageContext context = ImageContext.create()) {
            Path dir = context.directory();
            BuildProgress progress = new BuildProgress(image);
            docker.buildImageCmd()
                    .withBaseDirectory(dir.toFile())
                    .withDockerfile(dir.resolve(ImageContext.DOCKERFILE).toFile())
                    .withBuildArg("OSRUN_JAR", ImageContext.JARS)
                    .withLabels(Map.of("dev.osrun.version", OsrunContainer.libraryVersion(),
                            "dev.osrun.built-by", "OsrunContainer"))
                    .withTags(Set.of(image))
                    .exec(progress)
                    .awaitImageId(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot lay out the Docker context for " + image, e);
        } catch (RuntimeException e) {
            throw new OsrunException("Building the image " + image + " failed: " + e.getMessage()
                    + ". The log above has the build's output. The build needs the base image debian:bookworm-slim "
                    + "(pulled, or made with bin/test) and Debian's package archive.", e);
        }
        log.info("Built {} in {} s", image, Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }

    /** Logs each step of the build at INFO, the rest of its output at DEBUG but one line at least every 30 s. */
    private static final class BuildProgress extends BuildImageResultCallback {
        private static final long QUIET_NANOS = Duration.ofSeconds(30).toNanos();
        private final Logger buildLog;
        private long lastInfo = System.nanoTime();

        BuildProgress(String image) {
            this.buildLog = LoggerFactory.getLogger(OsrunImage.class.getName() + ".build");
            buildLog.debug("Build output of {} follows", image);
        }

        @Override
        public void onNext(BuildResponseItem item) {
            String stream = item.getStream();
            if (stream != null && !stream.isBlank()) {
                String line = stream.strip();
                if (line.startsWith("Step ") || System.nanoTime() - lastInfo > QUIET_NANOS) {
                    buildLog.info("{}", line);
                    lastInfo = System.nanoTime();
                } else {
                    buildLog.debug("{}", line);
                }
            }
            super.onNext(item);
        }
    }
}
