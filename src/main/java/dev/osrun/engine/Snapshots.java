package dev.osrun.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osrun.OsrunException;
import dev.osrun.SnapshotInfo;
import dev.osrun.SnapshotNotFoundException;
import dev.osrun.qmp.QmpClient;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The VM's internal snapshots through QMP's snapshot jobs ({@code snapshot-save}, {@code snapshot-load},
 * {@code snapshot-delete}, QEMU 6.0+): each names its tag, the node that stores the memory state and the disks it
 * covers, and reports failure as the job's error, never as text to parse. Listing reads {@code query-block}.
 *
 * <p>Only the VM's qcow2 disk takes part, so other writable devices (firmware variables, say) do not stop a
 * snapshot. This class does no state checks; {@link Machine} decides what a failure means for the VM.
 */
final class Snapshots {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final AtomicLong JOB_IDS = new AtomicLong();

    private final QmpClient qmp;

    Snapshots(QmpClient qmp) {
        this.qmp = qmp;
    }

    /** The snapshots on the VM's qcow2 disk. */
    List<SnapshotInfo> list() {
        return SnapshotTable.parse(qmp.execute("query-block", null));
    }

    /** Saves memory and disk as {@code tag}; the caller has removed any snapshot of that name. */
    void save(String tag, Duration timeout) {
        String node = diskNode();
        ObjectNode arguments = JSON.objectNode().put("tag", tag).put("vmstate", node);
        arguments.putArray("devices").add(node);
        qmp.runJob("snapshot-save", arguments, jobId("save"), timeout);
    }

    /** Loads memory and disk of {@code tag}; the VM runs the snapshot's state when this returns. */
    void load(String tag, Duration timeout) {
        String node = diskNode();
        ObjectNode arguments = JSON.objectNode().put("tag", tag).put("vmstate", node);
        arguments.putArray("devices").add(node);
        qmp.runJob("snapshot-load", arguments, jobId("load"), timeout);
    }

    /** Deletes {@code tag} from the disk. */
    void delete(String tag, Duration timeout) {
        ObjectNode arguments = JSON.objectNode().put("tag", tag);
        arguments.putArray("devices").add(diskNode());
        qmp.runJob("snapshot-delete", arguments, jobId("delete"), timeout);
    }

    /**
     * Checks that {@code name} can be restored in the running VM: it exists and holds a memory state.
     *
     * @throws SnapshotNotFoundException when it does not exist; lists those that do
     * @throws OsrunException            when it is a disk-only snapshot
     */
    SnapshotInfo requireRestorable(String name) {
        SnapshotInfo snapshot = require(name);
        if (snapshot.vmStateBytes() <= 0) {
            throw new OsrunException("The snapshot '" + name + "' holds no memory state (a disk-only snapshot), so it "
                    + "cannot be restored in a running VM. Restore a snapshot saved by osrun instead; the VM is unchanged.");
        }
        return snapshot;
    }

    /** The snapshot {@code name}. @throws SnapshotNotFoundException when there is none */
    SnapshotInfo require(String name) {
        List<SnapshotInfo> all = list();
        return all.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new SnapshotNotFoundException(name, all.stream().map(SnapshotInfo::name).toList()));
    }

    /** The node name of the VM's qcow2 disk, from {@code query-block}. */
    private String diskNode() {
        for (JsonNode device : qmp.execute("query-block", null)) {
            JsonNode inserted = device.path("inserted");
            if (inserted.path("image").path("format").asText().equals("qcow2") && inserted.hasNonNull("node-name")) {
                return inserted.path("node-name").asText();
            }
        }
        throw new OsrunException("The VM has no qcow2 disk, which QEMU needs to store snapshots in. Give it one.");
    }

    private static String jobId(String what) {
        return "osrun-" + what + "-" + JOB_IDS.incrementAndGet();
    }
}
