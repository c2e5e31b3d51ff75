package dev.osrun.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link QmpClient#runJob} against a real QEMU: a job's error comes back typed, and no job is left behind. */
class QmpJobTest {

    @Test
    void aFailedJobThrowsItsErrorAndIsDismissed(@TempDir Path dir) throws Exception {
        Path qemuImg = Prerequisites.requireProgram("qemu-img", "qemu-utils");
        Path disk = dir.resolve("disk.qcow2");
        Process create = new ProcessBuilder(qemuImg.toString(), "create", "-q", "-f", "qcow2", disk.toString(), "16M")
                .inheritIO().start();
        assertThat(create.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(create.exitValue()).isZero();
        try (TestQemu qemu = TestQemu.start(dir, "-drive", "file=" + disk + ",if=virtio,format=qcow2");
             QmpClient qmp = QmpClient.connect(qemu.qmpSocket(), Duration.ofSeconds(30))) {
            String node = qmp.execute("query-block", null).get(0).path("inserted").path("node-name").asText();
            ObjectNode arguments = JsonNodeFactory.instance.objectNode().put("tag", "no-such-snapshot").put("vmstate", node);
            arguments.putArray("devices").add(node);

            assertThatThrownBy(() -> qmp.runJob("snapshot-load", arguments, "load-1", Duration.ofSeconds(60)))
                    .isInstanceOfSatisfying(QmpJobException.class, e -> {
                        assertThat(e.jobId()).isEqualTo("load-1");
                        assertThat(e.command()).isEqualTo("snapshot-load");
                        assertThat(e.error()).contains("no-such-snapshot");
                    });

            JsonNode jobs = qmp.execute("query-jobs", null);
            assertThat(jobs).as("jobs left after runJob").isEmpty();
        }
    }
}
