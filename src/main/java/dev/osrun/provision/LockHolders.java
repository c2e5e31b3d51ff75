package dev.osrun.provision;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds which processes hold a file locked or open, for messages that name them: the kernel's lock table
 * ({@code /proc/locks}, which gives the pid of classic POSIX locks such as Java's) and the processes' open files
 * ({@code /proc/PID/fd}, which finds a QEMU that has a disk open). Only processes this one can see are found.
 */
final class LockHolders {

    private LockHolders() {
    }

    /** The pids that hold a POSIX lock on {@code file}, other than this process. */
    static Set<Long> lockers(Path file) {
        Set<Long> pids = new LinkedHashSet<>();
        long inode;
        try {
            inode = ((Number) Files.getAttribute(file, "unix:ino")).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return pids;
        }
        try (Stream<String> lines = Files.lines(Path.of("/proc/locks"))) {
            lines.map(line -> line.trim().split("\\s+"))
                    .filter(f -> f.length >= 6 && !f[1].equals("->"))
                    .filter(f -> f[5].endsWith(":" + inode))
                    .forEach(f -> {
                        try {
                            long pid = Long.parseLong(f[4]);
                            if (pid > 0 && pid != ProcessHandle.current().pid()) {
                                pids.add(pid);
                            }
                        } catch (NumberFormatException ignored) {
                            // an OFD lock (-1) names no process
                        }
                    });
        } catch (IOException | java.io.UncheckedIOException e) {
            // no /proc/locks: nothing to name
        }
        return pids;
    }

    /** The pids of processes (other than this one) that have {@code file} open. */
    static Set<Long> openers(Path file) {
        Set<Long> pids = new LinkedHashSet<>();
        Path real;
        try {
            real = file.toRealPath();
        } catch (IOException e) {
            return pids;
        }
        long self = ProcessHandle.current().pid();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                long pid = Long.parseLong(proc.getFileName().toString());
                if (pid != self && hasOpen(proc.resolve("fd"), real)) {
                    pids.add(pid);
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // no /proc: nothing to name
        }
        return pids;
    }

    private static boolean hasOpen(Path fds, Path file) {
        try (Stream<Path> links = Files.list(fds)) {
            for (Path link : links.toList()) {
                try {
                    if (Files.readSymbolicLink(link).equals(file)) {
                        return true;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // another user's process, or gone
        }
        return false;
    }

    /** {@code pid 1234 (qemu-system-x86_64 -name osrun ...)}: the command line, class paths left out, cut short. */
    static String describe(long pid) {
        String command = commandLine(pid);
        if (command.length() > 200) {
            command = command.substring(0, 197) + "...";
        }
        return "pid " + pid + (command.isEmpty() ? "" : " (" + command + ")");
    }

    private static String commandLine(long pid) {
        String[] arguments;
        try {
            arguments = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8).split("\0");
        } catch (IOException e) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < arguments.length; i++) {
            parts.add(arguments[i]);
            if (Set.of("-cp", "-classpath", "--class-path").contains(arguments[i]) && i + 1 < arguments.length) {
                parts.add("...");
                i++;
            }
        }
        return String.join(" ", parts).strip();
    }

    /** Describes {@code pids}, or says that the holder cannot be seen from here. */
    static String describe(Set<Long> pids) {
        if (pids.isEmpty()) {
            return "a process this one cannot see (another container or user sharing the cache?)";
        }
        return String.join(", ", pids.stream().map(LockHolders::describe).toList());
    }
}
