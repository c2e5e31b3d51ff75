package dev.osrun.qga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osrun.qmp.QmpClient;
import dev.osrun.qmp.TestQemu;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent client against QEMU's real agent socket with no guest behind it: what the engine sees while a guest
 * boots. (Against a booted guest, see the engine's tests.)
 */
class GuestAgentClientQemuTest {

    @TempDir
    Path dir;

    @Test
    void beforeTheGuestRunsTheSocketAcceptsButSyncTimesOutSayingWhatItWaitedFor() throws Exception {
        Path agentSocket = dir.resolve("qga.sock");
        try (TestQemu qemu = TestQemu.start(dir,
                "-chardev", "socket,path=" + agentSocket + ",server=on,wait=off,id=qga0",
                "-device", "virtio-serial",
                "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0");
                GuestAgentClient agent = GuestAgentClient.connect(agentSocket, Duration.ofSeconds(20))) {

            assertThat(agent.isOpen()).isTrue();
            assertThatThrownBy(() -> agent.sync(Duration.ofSeconds(1)))
                    .isInstanceOf(GuestAgentTimeoutException.class)
                    .hasMessageContaining("did not answer guest-sync-delimited within PT1S")
                    .hasMessageContaining("Has the guest booted, and is qemu-ga running in it?");

            try (QmpClient qmp = QmpClient.connect(qemu.qmpSocket(), Duration.ofSeconds(20))) {
                qmp.quit();
            }
            Awaitility.await("the agent connection to notice QEMU's exit").atMost(Duration.ofSeconds(10))
                    .until(() -> !agent.isOpen());
            assertThatThrownBy(() -> agent.ping(Duration.ofSeconds(30)))
                    .isInstanceOf(GuestAgentConnectionClosedException.class)
                    .hasMessageContaining("the peer closed the connection");
        }
    }
}
