package dev.osrun.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osrun.SnapshotInfo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Reads the snapshots of a VM's disks out of QMP's {@code query-block} reply, and checks snapshot names. */
final class SnapshotTable {

    private static final Pattern VALID_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private SnapshotTable() {
    }

    /** The snapshots of the first qcow2 disk, in the order QEMU lists them. */
    static List<SnapshotInfo> parse(JsonNode queryBlock) {
        for (JsonNode device : queryBlock) {
            JsonNode image = device.path("inserted").path("image");
            if (!image.path("format").asText().equals("qcow2")) {
                continue;
            }
            List<SnapshotInfo> snapshots = new ArrayList<>();
            for (JsonNode snapshot : image.path("snapshots")) {
                snapshots.add(new SnapshotInfo(
                        snapshot.path("name").asText(),
                        snapshot.path("vm-state-size").asLong(),
                        Instant.ofEpochSecond(snapshot.path("date-sec").asLong(), snapshot.path("date-nsec").asLong())));
            }
            return snapshots;
        }
        return List.of();
    }

    /**
     * Checks that {@code name} is a usable snapshot name: letters, digits, '.', '_' and '-', starting with a letter
     * or digit, at most 64 characters. (Names travel through the human monitor, so nothing else is let through.)
     *
     * @throws IllegalArgumentException naming the rule when it is not
     */
    static String requireValidName(String name) {
        if (name == null || !VALID_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Invalid snapshot name '" + name + "': use 1 to 64 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit.");
        }
        return name;
    }
}
