package dev.osrun;

import java.util.List;

/** Thrown when a snapshot is asked for by a name that does not exist; the message lists those that do. */
public class SnapshotNotFoundException extends OsrunException {

    private final String name;
    private final List<String> existing;

    /** Creates the exception for {@code name}, given the names that do exist. */
    public SnapshotNotFoundException(String name, List<String> existing) {
        super("No snapshot named '" + name + "'. "
                + (existing.isEmpty() ? "This VM has no snapshots yet." : "Existing snapshots: " + String.join(", ", existing) + "."));
        this.name = name;
        this.existing = List.copyOf(existing);
    }

    /** The name that was asked for. */
    public String name() {
        return name;
    }

    /** The names of the snapshots that exist. */
    public List<String> existing() {
        return existing;
    }
}
