package dev.osrun.testcontainers;

import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Fills a cache volume from a cache archive before an {@link OsrunContainer} starts: a one-shot container of the
 * same image runs {@code osrun cache import --if-missing} on the volume, with the archive copied in through the
 * Docker API (so a remote engine works too). A refused archive is logged with its reason; the VM is then
 * provisioned as usual, and the volume is as it was.
 */
final class CacheImport {

    private static final Logger log = LoggerFactory.getLogger(CacheImport.class);
    private static final String ARCHIVE_IN_CONTAINER = "/tmp/osrun-cache-import.tar.zst";

    private CacheImport() {
    }

    /** Imports {@code archive} into {@code volume} for the guest that {@code hardwareFlags} name. */
    static void run(DockerImageName image, String volume, Path archive, List<String> hardwareFlags, Duration timeout) {
        List<String> command = new ArrayList<>(List.of("cache", "import", "--if-missing"));
        command.addAll(hardwareFlags);
        command.add(ARCHIVE_IN_CONTAINER);
        log.info("Importing the cache archive {} into volume {}", archive, volume);
        try (GenericContainer<?> importer = new GenericContainer<>(image)) {
            importer.withCommand(command.toArray(String[]::new))
                    .withCopyToContainer(MountableFile.forHostPath(archive, Transferable.DEFAULT_FILE_MODE), ARCHIVE_IN_CONTAINER)
                    .withCreateContainerCmdModifier(cmd -> {
                        HostConfig host = cmd.getHostConfig() != null ? cmd.getHostConfig() : HostConfig.newHostConfig();
                        cmd.withHostConfig(host.withBinds(new Bind(volume, new Volume(OsrunContainer.CACHE_PATH))));
                    })
                    .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(timeout));
            OsrunContainer.passAccelOverride(importer);
            long started = System.nanoTime();
            try {
                importer.start();
                log.info("Imported {} in {} s: {}", archive.getFileName(), (System.nanoTime() - started) / 1_000_000_000,
                        lastLine(importer.getLogs()));
            } catch (RuntimeException e) {
                log.warn("osrun could not use the cache archive {}; the VM is provisioned instead. {}", archive,
                        lastLines(importer), e);
            }
        }
    }

    private static String lastLines(GenericContainer<?> importer) {
        try {
            String logs = importer.getLogs();
            String[] lines = logs.strip().split("\n");
            return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 5), lines.length));
        } catch (RuntimeException e) {
            return "(its log could not be read: " + e.getMessage() + ")";
        }
    }

    private static String lastLine(String logs) {
        String[] lines = logs.strip().split("\n");
        return lines[lines.length - 1];
    }
}
