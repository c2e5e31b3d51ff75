package dev.osrun.cli;

import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.OsrunException;
import dev.osrun.Accel;
import dev.osrun.engine.AccelResolver;
import dev.osrun.engine.PortForward;
import dev.osrun.local.LocalVm;
import dev.osrun.provision.TinyGuestRecipe;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** What {@code osrun [flags] '<command>'} does: restore, run, optionally snapshot or pause, exit with the code. */
final class RunCommand {

    private final OsrunCommand options;
    private final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

    RunCommand(OsrunCommand options) {
        this.options = options;
    }

    int run() {
        if (options.command.isEmpty()) {
            err.println("osrun: no command given. Usage: osrun [flags] '<command>' (osrun --help lists the flags)");
            return 2;
        }
        if (TinyGuestRecipe.PROVISIONED.equals(options.newSnapshot) && options.drive == null) {
            err.println("osrun: the snapshot '" + TinyGuestRecipe.PROVISIONED + "' is read-only: every run starts from it."
                    + " Save your state under another name: --new-snapshot NAME (nothing was run)");
            return OsrunCommand.EXIT_OSRUN_FAILED;
        }
        String line = String.join(" ", options.command);
        String bindAddress = options.bindAddress();
        List<PortForward> forwards = options.forwards();
        Accel accel = options.vm.accel();
        Environment.warnings(accel).forEach(warning -> err.println("osrun: warning: " + warning));

        // A run that saves a snapshot runs on the cached disk itself (holding its lock), so that the snapshot lasts;
        // every other run is a clone of the snapshot's RAM template on an overlay of its own: runs on one cache go
        // side by side, and nothing they do reaches the cache.
        LocalVm.Builder builder = options.vm.builder(options.useSnapshot)
                .persistent(options.newSnapshot != null)
                .warmResets(false)
                .keep(options.keep);
        if (options.drive != null) {
            builder.disk(Path.of(options.drive));
        }
        forwards.forEach(f -> builder.forward(f.hostAddress(), f.hostPort(), f.guestPort()));
        DebugPorts debugPorts = new DebugPorts(options.debugPorts, options.vnc, bindAddress);
        debugPorts.configure(builder);

        AtomicReference<LocalVm> running = new AtomicReference<>();
        AtomicBoolean stoppedBySignal = new AtomicBoolean();
        Thread stopOnSignal = new Thread(() -> {
            LocalVm vm = running.getAndSet(null);
            if (vm != null) {
                stoppedBySignal.set(true);
                err.println("osrun: interrupted; stopping the VM");
                vm.close();
            }
        }, "osrun-signal");
        Runtime.getRuntime().addShutdownHook(stopOnSignal);

        try (debugPorts; LocalVm vm = startWatched(builder, debugPorts)) {
            running.set(vm);
            debugPorts.open(vm);
            if (options.verbose) {
                err.println("osrun: VM ready, running: " + line);
            }
            ExecOptions execOptions = ExecOptions.defaults()
                    .withTimeout(java.time.Duration.ofDays(1))
                    .withStdoutConsumer(text -> out.print(text))
                    .withStderrConsumer(text -> err.print(text));
            String tz = System.getenv("TZ");
            if (tz != null && !tz.isBlank()) {
                execOptions = execOptions.withEnv("TZ", tz);
            }
            ExecResult result;
            try (StatusLog status = StatusLog.follow(vm.machine().spec().shareDir(), err)) {
                result = vm.shell(line, execOptions);
            }
            out.flush();
            if (options.newSnapshot != null) {
                vm.saveSnapshot(options.newSnapshot);
                if (options.verbose) {
                    err.println("osrun: saved snapshot '" + options.newSnapshot + "'");
                }
            }
            if (options.pause) {
                pause(debugPorts);
            }
            running.set(null);
            return result.exitCode();
        } catch (OsrunException e) {
            if (stoppedBySignal.get()) {
                return 143; // the JVM exits through the signal anyway; the VM's "closed" error is no news
            }
            err.println("osrun: " + e.getMessage());
            return OsrunCommand.EXIT_OSRUN_FAILED;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnSignal);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting through the hook
            }
        }
    }

    private void pause(DebugPorts debugPorts) {
        err.println("osrun: the VM keeps running (--pause). " + debugPorts.describe()
                + (debugPorts.any() ? "" : "Add --vnc to see its screen in a browser. ") + "Press ENTER to stop it.");
        try {
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        } catch (IOException e) {
            err.println("osrun: cannot read stdin (" + e.getMessage() + "); stopping the VM");
        }
    }

    /** Checks about the surroundings that deserve a warning before a run. */
    static final class Environment {
        private Environment() {
        }

        /** Whether this process runs in a container (Docker's or Podman's marker file). */
        static boolean inContainer() {
            return Files.exists(Path.of("/.dockerenv")) || Files.exists(Path.of("/run/.containerenv"));
        }

        static java.util.List<String> warnings(Accel accel) {
            java.util.List<String> warnings = new java.util.ArrayList<>();
            if (accel == Accel.AUTO && System.getenv(Accel.ENV) == null && !AccelResolver.kvmUsable()) {
                warnings.add("/dev/kvm is not available, so the VM runs under software emulation (much slower). "
                        + "With Docker, pass --device /dev/kvm.");
            } else if (accel == Accel.AUTO && System.getenv(Accel.ENV) == null && !AccelResolver.kvmWorks()) {
                warnings.add("/dev/kvm is there but QEMU cannot run a guest with it (nested virtualisation?), so the VM "
                        + "runs under software emulation. --accel kvm forces KVM.");
            }
            Path cache = Path.of("/cache");
            if (Files.exists(Path.of("/.dockerenv")) && Files.isDirectory(cache) && !MountInfo.isMountPoint(cache)) {
                warnings.add("/cache is not a mounted volume: the provisioned VM is lost when this container ends. "
                        + "Mount one with -v osrun-cache:/cache.");
            }
            return warnings;
        }
    }

    /** Starts noVNC (when asked for), then the VM, which may provision first. */
    private static LocalVm startWatched(LocalVm.Builder builder, DebugPorts debugPorts) {
        debugPorts.openNoVnc();
        return builder.start();
    }
}
