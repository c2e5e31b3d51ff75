package dev.osrun.it.windows;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.Volume;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame.OutputType;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import org.testcontainers.utility.DockerImageName;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code docker run --rm --device /dev/kvm -v osrun-windows-cache:/cache osrun ARGS}, as the README tells users to
 * run the CLI against Windows, with the exit code and both streams kept.
 */
final class WindowsCli {

    /** The Docker volume that keeps the installed Windows between runs of the suite ({@code OSRUN_CACHE_VOLUME}). */
    static final String CACHE_VOLUME = System.getenv().getOrDefault("OSRUN_CACHE_VOLUME", "osrun-windows-cache");
    /** Long enough for the first run, which installs Windows. */
    static final Duration FIRST_RUN = Duration.ofHours(3);

    /**
     * What one run did.
     *
     * @param exitCode the CLI's exit code
     * @param stdout   its stdout
     * @param stderr   its stderr (progress and errors)
     */
    record Result(int exitCode, String stdout, String stderr) {
    }

    private WindowsCli() {
    }

    /** The image under test: {@code osrun.image}, else {@code OSRUN_IMAGE}, else {@code osrun:latest}. */
    static String image() {
        String property = System.getProperty("osrun.image");
        if (property != null && !property.isBlank()) {
            return property;
        }
        String env = System.getenv("OSRUN_IMAGE");
        return env != null && !env.isBlank() ? env : "osrun:latest";
    }

    /** Runs the CLI with {@code args} on Windows and waits until it exits. */
    static Result run(String... args) {
        List<String> command = new ArrayList<>(List.of("--guest", "windows11"));
        command.addAll(List.of(args));
        try (GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image()))) {
            container.withEnv("OSRUN_ACCEL", "kvm")
                    .withCommand(command.toArray(String[]::new))
                    .withCreateContainerCmdModifier(WindowsCli::withKvmCacheAndIso)
                    .withStartupCheckStrategy(new Exited().withTimeout(FIRST_RUN));
            container.start();
            DockerClient docker = container.getDockerClient();
            InspectContainerResponse state = docker.inspectContainerCmd(container.getContainerId()).exec();
            return new Result(state.getState().getExitCodeLong().intValue(), container.getLogs(OutputType.STDOUT),
                    container.getLogs(OutputType.STDERR));
        }
    }

    /**
     * Passes {@code /dev/kvm}, mounts the suite's cache volume at {@code /cache}, and, when {@code OSRUN_ISO} names an
     * ISO on this machine, mounts it read-only and points the container's {@code OSRUN_ISO} at it.
     */
    static void withKvmCacheAndIso(com.github.dockerjava.api.command.CreateContainerCmd cmd) {
        List<Bind> binds = new ArrayList<>(List.of(new Bind(CACHE_VOLUME, new Volume("/cache"))));
        String iso = System.getenv("OSRUN_ISO");
        if (iso != null && !iso.isBlank()) {
            binds.add(new Bind(iso, new Volume("/iso/win11.iso"), com.github.dockerjava.api.model.AccessMode.ro));
            List<String> env = new ArrayList<>(List.of(cmd.getEnv() == null ? new String[0] : cmd.getEnv()));
            env.add("OSRUN_ISO=/iso/win11.iso");
            cmd.withEnv(env);
        }
        cmd.getHostConfig().withDevices(Device.parse("/dev/kvm")).withBinds(binds);
    }

    /** A one-shot container counts as started once it has exited. */
    private static final class Exited extends StartupCheckStrategy {
        @Override
        public StartupStatus checkStartupState(DockerClient dockerClient, String containerId) {
            InspectContainerResponse.ContainerState state = getCurrentState(dockerClient, containerId);
            return Boolean.TRUE.equals(state.getRunning()) || "created".equals(state.getStatus())
                    ? StartupStatus.NOT_YET_KNOWN : StartupStatus.SUCCESSFUL;
        }
    }
}
