package dev.osrun.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osrun.OsrunException;
import dev.osrun.qmp.QmpClient;
import dev.osrun.transport.Backoff;

import java.nio.file.Path;
import java.time.Duration;

/**
 * QEMU's migration, used to move a VM's device state through a file: saved from a paused VM whose RAM is a shared
 * file (so the stream holds no RAM: {@code x-ignore-shared}), loaded into a new process that maps that RAM file.
 * The stream goes through {@code exec:cat}, since QEMU 7.2 has no {@code file:} URI.
 */
final class Migration {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Migration() {
    }

    /** Leaves RAM held in shared files out of the stream (both sides must say so). */
    static void ignoreSharedRam(QmpClient qmp) {
        setIgnoreShared(qmp, true);
    }

    private static void setIgnoreShared(QmpClient qmp, boolean on) {
        ObjectNode capability = JSON.objectNode().put("capability", "x-ignore-shared").put("state", on);
        qmp.execute("migrate-set-capabilities", JSON.objectNode().set("capabilities", JSON.arrayNode().add(capability)));
    }

    /** Writes the paused VM's state to {@code file} and waits until QEMU says it is complete. */
    static void save(QmpClient qmp, Path file, Duration timeout) {
        qmp.execute("migrate", JSON.objectNode().put("uri", "exec:cat > " + shellQuote(file)));
        await(qmp, "saving the device state to " + file, timeout);
    }

    /**
     * Loads the state in {@code file} into a QEMU started with {@code -incoming defer}, waits until it is in, and
     * lets the guest run.
     */
    static void load(QmpClient qmp, Path file, Duration timeout) {
        qmp.execute("migrate-incoming", JSON.objectNode().put("uri", "exec:cat " + shellQuote(file)));
        await(qmp, "loading the device state from " + file, timeout);
        // Snapshots saved in this VM record the capabilities; one saved with it on would not load in another
        // process (and the RAM, mapped privately, is saved in full either way).
        setIgnoreShared(qmp, false);
        // The state was saved from a VM that had not run since its snapshot was loaded, so it arrives paused.
        qmp.execute("cont", null);
    }

    private static void await(QmpClient qmp, String what, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Backoff backoff = new Backoff(Duration.ofMillis(1), Duration.ofMillis(20));
        while (true) {
            JsonNode migration = qmp.execute("query-migrate", null);
            String status = migration.path("status").asText("");
            switch (status) {
                case "completed":
                    return;
                case "failed":
                case "cancelled":
                    throw new OsrunException("QEMU failed " + what + ": " + migration.path("error-desc").asText(status));
                default:
                    if (System.nanoTime() > deadline) {
                        throw new OsrunException("QEMU did not finish " + what + " within " + timeout.toSeconds()
                                + " s (migration status '" + status + "')");
                    }
                    backoff.pause(deadline);
            }
        }
    }

    /** Quotes a path for {@code /bin/sh}, which runs QEMU's {@code exec:} command. */
    static String shellQuote(Path path) {
        return "'" + path.toString().replace("'", "'\\''") + "'";
    }
}
