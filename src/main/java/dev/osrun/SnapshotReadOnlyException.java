package dev.osrun;

/**
 * Thrown when asked to save or delete a snapshot that is read-only: the {@code provisioned} snapshot of a disk in
 * the cache, which every later run starts from. Save the state under another name instead; a VM on a private copy
 * of the disk may still restore {@code provisioned}.
 */
public class SnapshotReadOnlyException extends OsrunException {

    private final String name;

    /** Creates the exception for the snapshot {@code name}, saying why it is read-only and what to do instead. */
    public SnapshotReadOnlyException(String name) {
        super("The snapshot '" + name + "' is read-only: it is the provisioned state of the cached disk, which every "
                + "later run starts from, so it cannot be saved over or deleted. Save your state under another name "
                + "(e.g. --new-snapshot my-state, or saveSnapshot(\"my-state\")) and start from that one.");
        this.name = name;
    }

    /** The snapshot's name. */
    public String name() {
        return name;
    }
}
