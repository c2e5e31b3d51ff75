package dev.osrun.it;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame.OutputType;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;

import java.time.Duration;

/**
 * The osrun image running the CLI once, as {@code docker run --rm [-v VOLUME:/cache] osrun [flags] '<command>'}
 * does: on the tiny guest under TCG (nested KVM is slower than TCG on these machines), no TTY, so stdout and
 * stderr stay two streams.
 *
 * <pre>{@code
 * CliRun run = new OsrunCliContainer("--guest", "tiny", "exit 7").withCache(volume).runToEnd(Duration.ofMinutes(2));
 * // run.exitCode() == 7
 * }</pre>
 */
final class OsrunCliContainer extends GenericContainer<OsrunCliContainer> {

    /** Where the image expects its cache. */
    static final String CACHE_PATH = "/cache";

    /** Runs {@code osrun ARGS...}; the arguments reach the CLI unchanged (no shell in between). */
    OsrunCliContainer(String... args) {
        super(OsrunImage.dockerImageName());
        withEnv("OSRUN_ACCEL", "tcg");
        withCommand(args);
    }

    /** Mounts this named volume at {@code /cache}, as {@code -v NAME:/cache} does. */
    OsrunCliContainer withCache(CacheVolume volume) {
        return withCreateContainerCmdModifier(volume::mountAtCache);
    }

    /** Considers the container started once it printed a line matching {@code regex} (on stdout or stderr). */
    OsrunCliContainer startedWhenLogMatches(String regex, Duration timeout) {
        return waitingFor(Wait.forLogMessage(regex, 1).withStartupTimeout(timeout));
    }

    /**
     * Starts the container, waits (at most {@code timeout}) until it has exited, and returns what it did; the
     * container is removed afterwards.
     *
     * @throws org.testcontainers.containers.ContainerLaunchException when it did not exit within {@code timeout}
     */
    CliRun runToEnd(Duration timeout) {
        withStartupCheckStrategy(new ExitedStartupCheck().withTimeout(timeout));
        long started = System.nanoTime();
        try {
            start();
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            return result(took);
        } finally {
            stop();
        }
    }

    /** What the container did, once it has exited. */
    CliRun result(Duration took) {
        return new CliRun(exitCode(), getLogs(OutputType.STDOUT), getLogs(OutputType.STDERR), took);
    }

    /** Sends a signal to the container's main process, as {@code docker kill --signal SIGNAL} does. */
    void signal(String signal) {
        getDockerClient().killContainerCmd(getContainerId()).withSignal(signal).exec();
    }

    /** Whether the container's main process still runs (not {@link #isRunning()}, which is cached by Testcontainers). */
    boolean stillRunning() {
        return Boolean.TRUE.equals(inspect().getState().getRunning());
    }

    /** The main process's exit code; only meaningful once the container has exited. */
    int exitCode() {
        InspectContainerResponse.ContainerState state = inspect().getState();
        if (Boolean.TRUE.equals(state.getRunning())) {
            throw new IllegalStateException("Expecting container " + getContainerId() + " to have exited but it still runs");
        }
        return state.getExitCodeLong().intValue();
    }

    private InspectContainerResponse inspect() {
        DockerClient docker = getDockerClient();
        return docker.inspectContainerCmd(getContainerId()).exec();
    }

    /** A one-shot container counts as started once it has exited, whatever its exit code. */
    private static final class ExitedStartupCheck extends StartupCheckStrategy {
        @Override
        public StartupStatus checkStartupState(DockerClient dockerClient, String containerId) {
            InspectContainerResponse.ContainerState state = getCurrentState(dockerClient, containerId);
            if (Boolean.TRUE.equals(state.getRunning()) || "created".equals(state.getStatus())) {
                return StartupStatus.NOT_YET_KNOWN;
            }
            return StartupStatus.SUCCESSFUL;
        }
    }
}
