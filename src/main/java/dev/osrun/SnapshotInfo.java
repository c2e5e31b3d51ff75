package dev.osrun;

import java.time.Instant;

/**
 * One snapshot of a VM's disk and memory.
 *
 * @param name          the snapshot's name, as given to {@link Vm#saveSnapshot(String)}
 * @param vmStateBytes  the size of the saved memory and device state
 * @param created       when the snapshot was taken (host clock)
 */
public record SnapshotInfo(String name, long vmStateBytes, Instant created) {
}
