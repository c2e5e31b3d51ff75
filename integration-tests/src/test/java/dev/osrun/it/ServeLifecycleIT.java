package dev.osrun.it;

import dev.osrun.server.ApiClient;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame.OutputType;
import org.testcontainers.containers.wait.strategy.Wait;

import java.net.URI;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Serve mode's life in a container: without {@code OSRUN_TOKEN} it makes a token and prints it once; the event
 * stream reports the status until the VM is ready; {@code docker stop} (SIGTERM) ends the stream and the container.
 */
@RequiresOsrunImage
@SharedCache
class ServeLifecycleIT {

    private static final Pattern PRINTED_TOKEN = Pattern.compile("^OSRUN_TOKEN=(\\S+)$", Pattern.MULTILINE);

    @Test
    void aGeneratedTokenIsPrintedOnceStatusEventsLeadToReadyAndSigtermStopsTheServer(CacheVolume cache) throws Exception {
        try (ServeWithoutToken serve = new ServeWithoutToken().withCache(cache)) {
            serve.start();
            String stdout = serve.getLogs(OutputType.STDOUT);
            Matcher printed = PRINTED_TOKEN.matcher(stdout);
            assertThat(printed.find()).as("stdout holds OSRUN_TOKEN=...: %s", stdout).isTrue();
            String token = printed.group(1);
            assertThat(stdout.split(Pattern.quote(token), -1)).as("the token is printed once").hasSize(2);
            assertThat(serve.getLogs(OutputType.STDERR)).as("the token is never logged").doesNotContain(token);

            URI base = URI.create("http://" + serve.getHost() + ":" + serve.getMappedPort(OsrunServeContainer.API_PORT));
            ApiClient api = new ApiClient(base, token);
            assertThat(new ApiClient(base, null).get("/v1/health").statusCode()).isEqualTo(401);
            try (ApiClient.Events events = api.events()) {
                assertThat(events.response.statusCode()).isEqualTo(200);
                JsonNode ready = events.await("status", "ready", Duration.ofMinutes(3));
                assertThat(ready.get("guest").asText()).isEqualTo("tiny");
                assertThat(api.get("/v1/health").statusCode()).isEqualTo(200);

                serve.getDockerClient().killContainerCmd(serve.getContainerId()).withSignal("TERM").exec();

                assertThat(events.await("status", "stopping", Duration.ofSeconds(10))).isNotNull();
                assertThat(events.awaitEnd(Duration.ofSeconds(10))).as("the event stream ended").isTrue();
            }
            await("the serve container to exit after SIGTERM").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !Boolean.TRUE.equals(serve.getDockerClient().inspectContainerCmd(serve.getContainerId()).exec().getState().getRunning()));
            Long exit = serve.getDockerClient().inspectContainerCmd(serve.getContainerId()).exec().getState().getExitCodeLong();
            assertThat(exit).as("exit code after SIGTERM (128 + 15, as the CLI documents)").isEqualTo(143L);
        }
    }

    /** Serve mode without OSRUN_TOKEN: started once the port listens (the VM may still be starting). */
    private static final class ServeWithoutToken extends GenericContainer<ServeWithoutToken> {
        ServeWithoutToken() {
            super(OsrunImage.dockerImageName());
            withEnv("OSRUN_ACCEL", "tcg");
            withCommand("serve", "--guest", "tiny");
            withExposedPorts(OsrunServeContainer.API_PORT);
            waitingFor(Wait.forLogMessage("OSRUN_TOKEN=.*", 1).withStartupTimeout(Duration.ofMinutes(1)));
        }

        ServeWithoutToken withCache(CacheVolume volume) {
            return withCreateContainerCmdModifier(volume::mountAtCache);
        }
    }
}
