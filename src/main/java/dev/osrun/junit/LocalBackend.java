package dev.osrun.junit;

import dev.osrun.GuestKind;
import dev.osrun.NetworkMode;
import dev.osrun.OsrunException;
import dev.osrun.Vm;
import dev.osrun.local.LocalVm;
import dev.osrun.provision.TinyGuest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Runs each VM as a {@link LocalVm}: QEMU on this host, driven from the test JVM, cache in {@code OSRUN_CACHE}. */
final class LocalBackend implements VmBackend {

    private static final Logger log = LoggerFactory.getLogger(LocalBackend.class);
    private static final int SERIAL_LINES = 200;

    @Override
    public BackendChoice kind() {
        return BackendChoice.LOCAL;
    }

    @Override
    public Optional<String> missingPrerequisite(VmConfig config) {
        for (String tool : new String[] {"qemu-system-x86_64", "qemu-img"}) {
            if (!onPath(tool)) {
                return Optional.of(tool + " is not on the PATH, so the local backend cannot run a VM. Install QEMU "
                        + "(Debian: apt-get install qemu-system-x86 qemu-utils samba), or run the tests with Docker "
                        + "(-Dosrun.backend=docker).");
            }
        }
        if (config.guest() == GuestKind.TINY) {
            try {
                TinyGuest.locate();
            } catch (OsrunException e) {
                return Optional.of(e.getMessage());
            }
        }
        return Optional.empty();
    }

    @Override
    public StartedVm start(VmConfig config) {
        if (config.network() != NetworkMode.NAT) {
            throw new OsrunException("The local backend cannot run a guest with network " + config.network().id()
                    + " yet. Use the Docker backend (-Dosrun.backend=docker) or network nat.");
        }
        if (!config.cacheArchive().isEmpty()) {
            throw new OsrunException("osrun.cache.archive (OSRUN_CACHE_ARCHIVE) works with the Docker backend. With the local "
                    + "backend, fill the cache with 'osrun cache import FILE' before the tests and write it with 'osrun cache "
                    + "export FILE' after them, or use -Dosrun.backend=docker.");
        }
        LocalVm.Builder builder = LocalVm.builder(config.guest())
                .snapshot(config.snapshot())
                .accel(config.accel())
                .cpus(config.cpus());
        if (config.memoryMiB() > 0) {
            builder.memoryMiB(config.memoryMiB());
        }
        int display = config.vnc() ? freeVncDisplay() : -1;
        if (display >= 0) {
            builder.vnc("127.0.0.1:" + display);
        }
        Started started = new Started(builder.start());
        if (display >= 0) {
            log.info("The screen of {} is served over VNC at 127.0.0.1:{} (no password: anyone on this host can see it)",
                    started.name(), 5900 + display);
        }
        return started;
    }

    /** A VNC display (port 5900 + N) free on the loopback, N from 10 on. */
    private static int freeVncDisplay() {
        for (int display = 10; display < 100; display++) {
            try (ServerSocket probe = new ServerSocket(5900 + display, 1, InetAddress.getLoopbackAddress())) {
                return display;
            } catch (IOException e) {
                // taken: try the next one
            }
        }
        throw new OsrunException("No VNC display between :10 and :99 is free on 127.0.0.1 (ports 5910-5999)");
    }

    private static boolean onPath(String program) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }

    /** What the serial log says when the guest printed nothing since its VM started from a snapshot or template. */
    static final String QUIET_CONSOLE = "(the guest wrote nothing to its serial console since this VM started from its "
            + "snapshot; what it printed before is in the run that saved the snapshot)\n";

    /** A local VM with its serial log and the status log in its share. */
    private record Started(LocalVm local) implements StartedVm {

        @Override
        public Vm vm() {
            return local;
        }

        @Override
        public String name() {
            return "local QEMU (pid " + local.machine().pid() + ")";
        }

        @Override
        public Map<String, String> logs() {
            Map<String, String> logs = new LinkedHashMap<>();
            String serial = local.machine().serialTail(SERIAL_LINES);
            logs.put("serial.log", serial.isBlank() ? QUIET_CONSOLE : serial);
            logs.put("status.log", statusLog());
            return logs;
        }

        private String statusLog() {
            Optional<Path> share = local.machine().spec().share();
            if (share.isEmpty()) {
                return "(this VM has no share, so no status log)\n";
            }
            Path file = share.get().resolve("status.txt");
            try {
                return Files.exists(file) ? Files.readString(file) : "(the guest wrote no status log: " + file + " does not exist)\n";
            } catch (IOException e) {
                return "(cannot read " + file + ": " + e + ")\n";
            }
        }

        @Override
        public void close() {
            local.close();
        }
    }
}
