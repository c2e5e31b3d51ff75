package dev.osrun.it.windows;

import dev.osrun.server.ApiClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Windows 11 behind serve mode's control API: PowerShell, files through the share, exit codes. (When the
 * Testcontainers module and the JUnit extension land, these become {@code OsrunContainer.withGuest(WINDOWS11)}
 * and a {@code WindowsVm} parameter.)
 */
@WindowsSuite
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WindowsServeIT {

    private static final int API_PORT = 5460;
    private final String token = UUID.randomUUID().toString();
    private GenericContainer<?> container;
    private ApiClient api;

    @BeforeAll
    void start() {
        container = new GenericContainer<>(DockerImageName.parse(WindowsCli.image()))
                .withEnv("OSRUN_TOKEN", token).withEnv("OSRUN_ACCEL", "kvm")
                .withCommand("serve", "--guest", "windows11")
                .withExposedPorts(API_PORT)
                .withCreateContainerCmdModifier(WindowsCli::withKvmCacheAndIso)
                .waitingFor(Wait.forHttp("/v1/health").forPort(API_PORT).withHeader("Authorization", "Bearer " + token)
                        .forStatusCode(200)
                        .withStartupTimeout(WindowsCli.FIRST_RUN));
        container.start();
        api = new ApiClient(container.getMappedPort(API_PORT), token);
    }

    @AfterAll
    void stop() {
        if (container != null) {
            container.stop();
        }
    }

    @Test
    void powershellRunsAndItsExitCodeComesBack() {
        ApiClient.Frames frames = ApiClient.Frames.of(api.exec(
                "{\"powershell\":\"Write-Output $PSVersionTable.PSVersion.Major; exit 4\"}"));

        assertThat(frames.last().path("exitCode").asInt()).as("%s", frames).isEqualTo(4);
        assertThat(frames.stdout().strip()).as("%s", frames).isEqualTo("5");
    }

    @Test
    void aFileMakesTheRoundTripThroughTheShare() {
        byte[] bytes = "grüße aus Windows\r\n".getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> put = api.send("PUT", "/v1/files?path=" + ApiClient.path("C:\\osrun-it\\in.txt"), bytes);
        assertThat(put.statusCode()).isBetween(200, 204);
        ApiClient.Frames copy = ApiClient.Frames.of(api.exec("{\"shell\":\"copy /y C:\\\\osrun-it\\\\in.txt C:\\\\osrun-it\\\\out.txt\"}"));
        assertThat(copy.last().path("exitCode").asInt()).as("%s", copy).isZero();

        HttpResponse<byte[]> get = api.get("/v1/files?path=" + ApiClient.path("C:\\osrun-it\\out.txt"));
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(bytes);
    }
}
