package dev.osrun.it;

import dev.osrun.server.ApiClient;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;

import java.net.URI;
import java.time.Duration;

/**
 * The osrun image in serve mode ({@code osrun serve --guest tiny}): the control API on port {@value #API_PORT},
 * bearer token {@code OSRUN_TOKEN}, under TCG. Started means the API's health says the guest answers.
 */
final class OsrunServeContainer extends GenericContainer<OsrunServeContainer> {

    /** The control API's port in the container. */
    static final int API_PORT = 5460;

    /** Long enough for a first provisioning of the tiny guest on a 2-core machine under TCG. */
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(4);

    private final String token;

    /** Serves the tiny guest behind the control API, with this token. */
    OsrunServeContainer(String token) {
        super(OsrunImage.dockerImageName());
        this.token = token;
        withEnv("OSRUN_TOKEN", token);
        withEnv("OSRUN_ACCEL", "tcg");
        withCommand("serve", "--guest", "tiny");
        withExposedPorts(API_PORT);
        withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger(OsrunServeContainer.class)));
        waitingFor(Wait.forHttp("/v1/health").forPort(API_PORT)
                .withHeader("Authorization", "Bearer " + token)
                .forStatusCode(200)
                .withStartupTimeout(STARTUP_TIMEOUT));
    }

    /** Mounts this named volume at {@code /cache}. */
    OsrunServeContainer withCache(CacheVolume volume) {
        return withCreateContainerCmdModifier(volume::mountAtCache);
    }

    /** The API's base address as the test JVM reaches it ({@link #getHost()}, the mapped port). */
    URI apiBase() {
        return URI.create("http://" + getHost() + ":" + getMappedPort(API_PORT));
    }

    /** A client with the right token. */
    ApiClient api() {
        return new ApiClient(apiBase(), token);
    }

    /** A client with another token, or none when {@code otherToken} is null. */
    ApiClient apiWithToken(String otherToken) {
        return new ApiClient(apiBase(), otherToken);
    }
}
