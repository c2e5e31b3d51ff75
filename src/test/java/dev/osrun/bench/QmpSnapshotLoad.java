package dev.osrun.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osrun.qmp.QmpClient;

import java.time.Duration;

/**
 * The bare QMP {@code snapshot-load} job on a VM's qcow2 disk, with nothing after it (no agent resync, no clock, no
 * share): the floor under {@code Machine.restoreSnapshot}.
 */
final class QmpSnapshotLoad {

    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final QmpClient qmp;
    private final String node;
    private int jobs;

    QmpSnapshotLoad(QmpClient qmp) {
        this.qmp = qmp;
        this.node = diskNode(qmp);
    }

    /** Loads {@code tag}'s memory and disk state; the VM runs it when this returns. */
    void run(String tag) {
        ObjectNode arguments = JsonNodeFactory.instance.objectNode().put("tag", tag).put("vmstate", node);
        arguments.putArray("devices").add(node);
        qmp.runJob("snapshot-load", arguments, "bench-load-" + ++jobs, TIMEOUT);
    }

    private static String diskNode(QmpClient qmp) {
        for (JsonNode device : qmp.execute("query-block", null)) {
            JsonNode inserted = device.path("inserted");
            if (inserted.path("image").path("format").asText().equals("qcow2") && inserted.hasNonNull("node-name")) {
                return inserted.path("node-name").asText();
            }
        }
        throw new IllegalStateException("The VM has no qcow2 disk in query-block: " + qmp.execute("query-block", null));
    }
}
