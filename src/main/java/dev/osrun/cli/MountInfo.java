package dev.osrun.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads {@code /proc/self/mountinfo} to tell whether a directory is a mount point (a volume in a container). */
final class MountInfo {

    private MountInfo() {
    }

    static boolean isMountPoint(Path directory) {
        String target = directory.toAbsolutePath().normalize().toString();
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(line -> line.split(" "))
                    .anyMatch(fields -> fields.length > 4 && fields[4].equals(target));
        } catch (IOException e) {
            return true;
        }
    }
}
