package dev.osrun.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * The resident memory of a set of processes from {@code /proc/<pid>/smaps_rollup}: RSS (which counts a page shared by
 * several processes once in each) and PSS (which divides it among them, so that sums over processes are honest).
 *
 * @param rssKiB summed resident set size
 * @param pssKiB summed proportional set size
 */
record MemoryUse(long rssKiB, long pssKiB) {

    /** The summed memory use of {@code pids} right now. */
    static MemoryUse of(Collection<Long> pids) {
        long rss = 0;
        long pss = 0;
        for (long pid : pids) {
            Path rollup = Path.of("/proc", Long.toString(pid), "smaps_rollup");
            try {
                for (String line : Files.readAllLines(rollup)) {
                    if (line.startsWith("Rss:")) {
                        rss += kib(line);
                    } else if (line.startsWith("Pss:")) {
                        pss += kib(line);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read " + rollup + " (has QEMU " + pid + " exited?)", e);
            }
        }
        return new MemoryUse(rss, pss);
    }

    private static long kib(String line) {
        String[] fields = line.trim().split("\\s+");
        return Long.parseLong(fields[1]);
    }

    double rssMiB() {
        return rssKiB / 1024.0;
    }

    double pssMiB() {
        return pssKiB / 1024.0;
    }
}
