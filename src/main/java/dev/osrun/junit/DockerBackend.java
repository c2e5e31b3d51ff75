package dev.osrun.junit;

import dev.osrun.Vm;
import dev.osrun.testcontainers.OsrunContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Runs each VM in a container of the osrun image ({@link OsrunContainer}), through Testcontainers. */
final class DockerBackend implements VmBackend {

    private static final Logger log = LoggerFactory.getLogger(DockerBackend.class);
    private static final int LOG_LINES = 200;

    @Override
    public BackendChoice kind() {
        return BackendChoice.DOCKER;
    }

    @Override
    public Optional<String> missingPrerequisite(VmConfig config) {
        if (DockerClientFactory.instance().isDockerAvailable()) {
            return Optional.empty();
        }
        return Optional.of("No Docker engine answers (Testcontainers found no usable Docker environment; its log says "
                + "what it tried). Start one (Debian: apt-get install docker.io, then 'sudo systemctl start docker'), "
                + "or run the VMs on this host with -Dosrun.backend=local (needs QEMU).");
    }

    @Override
    public StartedVm start(VmConfig config) {
        OsrunContainer container = (config.image().isEmpty() ? new OsrunContainer()
                : new OsrunContainer(DockerImageName.parse(config.image())))
                .withGuest(config.guest())
                .withSnapshot(config.snapshot())
                .withCpus(config.cpus())
                .withAccel(config.accel())
                .withNetwork(config.network());
        if (config.memoryMiB() > 0) {
            container.withMemoryMiB(config.memoryMiB());
        }
        if (!config.cacheVolume().isEmpty()) {
            container.withCacheVolume(config.cacheVolume());
        }
        if (config.vnc()) {
            container.withVnc();
        }
        Path archive = config.cacheArchive().isEmpty() ? null : Path.of(config.cacheArchive()).toAbsolutePath();
        if (archive != null && Files.isRegularFile(archive)) {
            container.withCacheFrom(archive);
        }
        container.start();
        if (archive != null) {
            exportOnce(container, archive);
        }
        Started started = new Started(container);
        if (config.vnc()) {
            log.info("The screen of {} is at {} (noVNC; no password: anyone who reaches the port sees it)",
                    started.name(), container.getVncUrl());
        }
        return started;
    }

    /** Writes the cache archive unless it exists (another pool's VM may just have written it). */
    private static synchronized void exportOnce(OsrunContainer container, Path archive) {
        if (!Files.exists(archive)) {
            container.exportCacheTo(archive);
        }
    }

    /** A container, with its log and the serial and status logs of the VM inside it. */
    private record Started(OsrunContainer container) implements StartedVm {

        @Override
        public Vm vm() {
            return container.getVm();
        }

        @Override
        public String name() {
            return "container " + container.getContainerName().replaceFirst("^/", "") + " ("
                    + container.getDockerImageName() + ")";
        }

        @Override
        public Map<String, String> logs() {
            Map<String, String> logs = new LinkedHashMap<>();
            // The control API serves neither log: they are files of the engine inside the container, read through
            // the Docker API (which also works with a remote engine).
            // The consoles of the VM's clones, oldest first (a reset is a new clone with a console of its own).
            String serial = inContainer("for f in $(ls -tr /tmp/osrun-vm-*/serial.log /tmp/osrun-vm-*/clone-*/serial.log"
                    + " 2>/dev/null); do cat \"$f\"; done | tail -n " + LOG_LINES);
            logs.put("serial.log", serial.isBlank() ? LocalBackend.QUIET_CONSOLE : serial);
            logs.put("status.log", inContainer("cat /tmp/osrun-vm-*/share/status.txt 2>/dev/null"
                    + " || echo '(the guest wrote no status log)'"));
            logs.put("container.log", tail(container.getLogs()));
            return logs;
        }

        private String inContainer(String script) {
            try {
                Container.ExecResult result = container.execInContainer("sh", "-c", script);
                return result.getExitCode() == 0 ? result.getStdout()
                        : "(could not read it in the container: exit " + result.getExitCode() + ", " + result.getStderr() + ")\n";
            } catch (IOException | RuntimeException e) {
                return "(could not read it in the container: " + e + ")\n";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "(interrupted while reading it in the container)\n";
            }
        }

        private static String tail(String text) {
            String[] lines = text.split("\n", -1);
            if (lines.length <= LOG_LINES) {
                return text;
            }
            return String.join("\n", java.util.Arrays.copyOfRange(lines, lines.length - LOG_LINES, lines.length));
        }

        @Override
        public void close() {
            container.stop();
        }
    }
}
