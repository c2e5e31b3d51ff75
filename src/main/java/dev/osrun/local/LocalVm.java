package dev.osrun.local;

import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.FileTransferException;
import dev.osrun.GuestPathNotFoundException;
import dev.osrun.VmClosedException;
import dev.osrun.GuestKind;
import dev.osrun.GuestOs;
import dev.osrun.NetworkMode;
import dev.osrun.OsrunException;
import dev.osrun.SnapshotInfo;
import dev.osrun.SnapshotNotFoundException;
import dev.osrun.Vm;
import dev.osrun.Accel;
import dev.osrun.engine.Command;
import dev.osrun.engine.DirectoryTree;
import dev.osrun.engine.GuestProfile;
import dev.osrun.engine.LinuxProfile;
import dev.osrun.engine.WindowsProfile;
import dev.osrun.engine.Machine;
import dev.osrun.engine.MachineSpec;
import dev.osrun.engine.PortForward;
import dev.osrun.engine.RunDirectory;
import dev.osrun.provision.CacheDir;
import dev.osrun.provision.Hardware;
import dev.osrun.provision.QemuTools;
import dev.osrun.provision.ProvisioningListener;
import dev.osrun.provision.TinyGuest;
import dev.osrun.provision.TinyGuestRecipe;
import dev.osrun.provision.WindowsRecipe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A VM whose engine runs inside this JVM: QEMU on this host, no Docker. Provisions the guest into the cache on
 * first use, then starts from a snapshot in about a second.
 *
 * <pre>{@code
 * try (LocalVm vm = LocalVm.builder(GuestKind.TINY).start()) {
 *     ExecResult result = vm.shell("echo hello; exit 3");
 *     // result.exitCode() == 3, result.stdout() == "hello\n"
 * }
 * }</pre>
 *
 * <p>The VM is typed by its guest: {@link LocalLinuxVm} (a {@link dev.osrun.LinuxVm}) for the tiny guest,
 * {@link LocalWindowsVm} (a {@link dev.osrun.WindowsVm}, with PowerShell) for Windows 11; {@link Builder#start(Class)}
 * returns the type asked for, e.g. {@code WindowsVm vm = LocalVm.builder(GuestKind.WINDOWS11).start(WindowsVm.class)}.
 *
 * <p>By default the VM runs on a private copy of the cached disk, so several VMs can run at once and nothing they
 * do reaches the cache. With {@link Builder#persistent(boolean) persistent(true)} it runs on the cached disk itself,
 * so snapshots it saves are there for the next run (as the original osrun does). Such a VM holds the disk's
 * lock while it runs: another persistent VM waits for it (at most {@link Builder#lockTimeout}), and private copies
 * are only taken while no persistent VM runs, so no copy is ever torn.
 */
public abstract sealed class LocalVm implements Vm permits LocalLinuxVm, LocalWindowsVm {

    private static final Logger log = LoggerFactory.getLogger(LocalVm.class);
    private static final Duration RESTORE_BOOT_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(30);
    private static volatile boolean templatesWarned;

    /** The engine under this VM: with templates, the current clone (a reset replaces it). */
    volatile Machine machine;
    private final Path runDir;
    private final CacheDir.Lock diskLock;
    private final boolean persistent;
    private Clones clones;
    private volatile boolean closed;

    LocalVm(Machine machine, Path runDir, CacheDir.Lock diskLock) {
        this.machine = machine;
        this.runDir = runDir;
        this.diskLock = diskLock;
        this.persistent = diskLock != null;
    }

    /** Sets the clones this VM resets to (by the builder, right after construction). */
    final void useClones(Clones value) {
        this.clones = value;
    }

    /** Starts configuring a local VM of this kind. */
    public static Builder builder(GuestKind guest) {
        return new Builder(guest);
    }

    /** The engine under this VM, for what the {@link Vm} interface does not offer (QMP, serial log). */
    public Machine machine() {
        return machine;
    }

    /** Whether snapshots saved in this VM persist in the cache. */
    public boolean persistent() {
        return persistent;
    }

    @Override
    public GuestOs os() {
        return machine.profile().os();
    }

    @Override
    public synchronized ExecResult exec(List<String> argv, ExecOptions options) {
        requireOpen();
        return ApiBoundary.call("run " + (argv.isEmpty() ? "a command" : "'" + argv.get(0) + "'"), () -> machine.exec(new Command.Argv(argv), options));
    }

    @Override
    public synchronized ExecResult shell(String commandLine, ExecOptions options) {
        requireOpen();
        return ApiBoundary.call("run a shell command", () -> machine.exec(new Command.Shell(commandLine), options));
    }

    @Override
    public synchronized void upload(Path hostPath, String guestPath) {
        requireOpen();
        ApiBoundary.transfer("upload " + hostPath + " to " + guestPath, () -> machine.upload(hostPath, guestPath));
    }

    /**
     * {@inheritDoc}
     *
     * @throws GuestPathNotFoundException when the guest has nothing at {@code guestPath}
     */
    @Override
    public synchronized void download(String guestPath, Path hostPath) {
        requireOpen();
        try {
            ApiBoundary.transfer("download " + guestPath + " to " + hostPath, () -> machine.download(guestPath, hostPath));
        } catch (FileTransferException e) {
            if (guestPathMissing(guestPath)) {
                throw new GuestPathNotFoundException(guestPath, e);
            }
            throw e;
        }
    }

    /** After a failed download: whether the guest positively has nothing at the path (false when it cannot tell). */
    private boolean guestPathMissing(String guestPath) {
        List<String> probe = os() == GuestOs.WINDOWS
                ? List.of("powershell.exe", "-NoProfile", "-NonInteractive", "-Command",
                        "if (Test-Path -LiteralPath $env:OSRUN_PROBE_PATH) { exit 0 } else { exit 3 }")
                : List.of("/bin/sh", "-c", "if [ -e \"$OSRUN_PROBE_PATH\" ] || [ -L \"$OSRUN_PROBE_PATH\" ]; then exit 0; else exit 3; fi");
        try {
            ExecResult result = machine.exec(new Command.Argv(probe), ExecOptions.defaults()
                    .withEnv("OSRUN_PROBE_PATH", guestPath).withTimeout(PROBE_TIMEOUT).withOutputLimit(4096));
            return result.exitCode() == 3;
        } catch (RuntimeException e) {
            log.debug("Could not check whether {} exists in the guest: {}", guestPath, e.toString());
            return false;
        }
    }

    @Override
    public synchronized SnapshotInfo saveSnapshot(String name) {
        requireOpen();
        return ApiBoundary.call("save snapshot '" + name + "'", () -> {
            SnapshotInfo saved = machine.saveSnapshot(name);
            if (clones != null) {
                clones.shadow(name);
            }
            return saved;
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>Restoring the snapshot the VM started from is a reset to a new clone of its RAM template (see
     * {@link Builder#start()}); other snapshots are restored in place.
     */
    @Override
    public synchronized void restoreSnapshot(String name) {
        requireOpen();
        ApiBoundary.call("restore snapshot '" + name + "'", () -> {
            if (clones != null && clones.restoresByNewVm(machine, name)) {
                machine = clones.restore(machine, name);
            } else {
                try {
                    machine.restoreSnapshot(name);
                } catch (SnapshotNotFoundException e) {
                    // The VM's own disk holds only its own snapshots: name the bases too.
                    throw clones != null ? new SnapshotNotFoundException(name, clones.names(machine)) : e;
                }
            }
            return null;
        });
    }

    @Override
    public synchronized List<SnapshotInfo> snapshots() {
        requireOpen();
        return ApiBoundary.call("list the snapshots", () -> clones != null ? clones.snapshots(machine) : machine.snapshots());
    }

    @Override
    public synchronized void deleteSnapshot(String name) {
        requireOpen();
        ApiBoundary.call("delete snapshot '" + name + "'", () -> {
            if (clones == null || !clones.deleteParked(machine, name)) {
                try {
                    machine.deleteSnapshot(name);
                } catch (SnapshotNotFoundException e) {
                    throw clones != null ? new SnapshotNotFoundException(name, clones.names(machine)) : e;
                }
            }
            return null;
        });
    }

    @Override
    public synchronized byte[] screenshotPng() {
        requireOpen();
        return ApiBoundary.call("take a screenshot", machine::screenshotPng);
    }

    private void requireOpen() {
        if (closed) {
            throw new VmClosedException();
        }
    }

    /** Stops QEMU and removes the VM's private files; a persistent disk stays in the cache. */
    @Override
    public void close() {
        closed = true;
        try {
            machine.close();
            if (clones != null) {
                clones.close();
            }
        } finally {
            if (diskLock != null) {
                diskLock.close();
            }
            try {
                DirectoryTree.delete(runDir);
            } catch (IOException e) {
                log.warn("Could not remove {}: {}", runDir, e.toString());
            }
        }
    }


    /** Configures and starts a {@link LocalVm}. */
    public static final class Builder {
        private final GuestKind guest;
        private CacheDir cache;
        private String snapshot = TinyGuestRecipe.PROVISIONED;
        private Accel accel = Accel.AUTO;
        private Integer memoryMiB;
        private int cpus = 1;
        private boolean persistent;
        private Duration lockTimeout = Duration.ofMinutes(10);
        private Path shareDir;
        private boolean share = true;
        private Path disk;
        private NetworkMode network = NetworkMode.NAT;
        private final List<PortForward> forwards = new ArrayList<>();
        private String vncDisplay;
        private final List<String> qemuArgs = new ArrayList<>();
        private ProvisioningListener progress = ProvisioningListener.NONE;
        private Path iso;
        private boolean keep;
        private boolean warmResets = true;

        private Builder(GuestKind guest) {
            this.guest = guest;
        }

        /** Uses this cache directory (default: {@code OSRUN_CACHE}, else {@code ~/.cache/osrun}). */
        public Builder cache(Path directory) { this.cache = new CacheDir(directory); return this; }

        /** Starts from this snapshot (default {@code provisioned}). */
        public Builder snapshot(String name) { this.snapshot = name; return this; }

        /** Uses this accelerator (default {@link Accel#AUTO}; {@code OSRUN_ACCEL} overrides). */
        public Builder accel(Accel value) { this.accel = value; return this; }

        /** Gives the guest this much memory (default 512 MiB for the tiny guest, 4096 MiB for Windows 11). */
        public Builder memoryMiB(int value) { this.memoryMiB = value; return this; }

        /** Gives the guest this many CPUs (default 1). */
        public Builder cpus(int value) { this.cpus = value; return this; }

        /** Runs on the cached disk itself, so that saved snapshots persist (default: a private copy). */
        public Builder persistent(boolean value) { this.persistent = value; return this; }

        /** How long to wait for another VM that holds the disk (default 10 minutes). */
        public Builder lockTimeout(Duration value) { this.lockTimeout = value; return this; }

        /** Runs on this qcow2 disk instead of the provisioned one from the cache (the CLI's {@code --drive}). */
        public Builder disk(Path value) { this.disk = value; return this; }

        /** Shares this host directory with the guest (default: a fresh directory beside the VM's sockets). */
        public Builder shareDir(Path value) { this.shareDir = value; return this; }

        /**
         * Starts the VM without the SMB share: exec works as with it (its output never needs the share), and
         * files travel through the agent's file calls (single files only).
         */
        public Builder withoutShare() { this.share = false; return this; }

        /**
         * Sets what code in the guest can reach (default {@link NetworkMode#NAT}: outbound, like a container, and
         * this host's loopback at {@code 10.0.2.2}; {@link NetworkMode#ISOLATED}: nothing but the share).
         */
        public Builder network(NetworkMode value) { this.network = java.util.Objects.requireNonNull(value, "network"); return this; }

        /** Forwards a port of this host's loopback ({@code 127.0.0.1}) to the same port in the guest. */
        public Builder forwardPort(int port) { this.forwards.add(new PortForward(port, port)); return this; }

        /**
         * Forwards {@code hostPort}, listening on {@code hostAddress} ({@code 127.0.0.1} keeps it to this machine), to
         * {@code guestPort} in the guest.
         */
        public Builder forward(String hostAddress, int hostPort, int guestPort) {
            this.forwards.add(new PortForward(hostAddress, hostPort, guestPort));
            return this;
        }

        /** Serves the screen over VNC at this address, e.g. {@code 0.0.0.0:50}. */
        public Builder vnc(String display) { this.vncDisplay = display; return this; }

        /**
         * Installs Windows 11 from this ISO when the cache has no provisioned Windows yet (default: {@code OSRUN_ISO},
         * else the cache's {@code win11-clean.iso}, else one built from Windows Update). The file is only read.
         */
        public Builder iso(Path value) { this.iso = value; return this; }

        /**
         * Whether the next clone is started in the background while this one runs, so that restoring the base is a
         * hand-over (default true; false for a VM that will not be reset, such as the CLI's single command).
         */
        public Builder warmResets(boolean value) { this.warmResets = value; return this; }

        /** Keeps the install's step disks and media after provisioning (default: removed). */
        public Builder keep(boolean value) { this.keep = value; return this; }

        /** Tells {@code listener} what provisioning does, when the cache has no provisioned guest yet. */
        public Builder progress(ProvisioningListener listener) { this.progress = listener; return this; }

        /** Appends these arguments to QEMU's command line as they are (a monitor on a TCP port, say). */
        public Builder qemuArgs(List<String> args) { this.qemuArgs.addAll(args); return this; }

        /**
         * Provisions the guest if the cache has none, then starts the VM from the snapshot: a {@link LocalLinuxVm}
         * for the tiny guest, a {@link LocalWindowsVm} for Windows 11.
         *
         * @throws SnapshotNotFoundException when the disk has no snapshot of that name; it lists those that exist
         * @throws OsrunException            when QEMU or the guest cannot be started, or the guest cannot be provisioned
         */
        public LocalVm start() {
            CacheDir cacheDir = cache != null ? cache : CacheDir.fromEnvironment();
            boolean windows = guest == GuestKind.WINDOWS11;
            Hardware hardware = Hardware.of(accel, memoryMiB != null ? memoryMiB : windows ? 4096 : 512, cpus);
            TinyGuest tiny = windows ? null : TinyGuest.locate();
            Path base = disk != null ? disk : windows ? provisionWindows(cacheDir, hardware) : TinyGuestRecipe.provision(cacheDir, tiny, hardware, progress);
            Path runDir = createRunDir();
            CacheDir.Lock lock = null;
            try {
                if (!persistent && disk == null && Clones.enabled()) {
                    try {
                        return startClone(cacheDir, base, hardware, tiny, runDir, windows);
                    } catch (SnapshotNotFoundException e) {
                        throw e;
                    } catch (OsrunException | java.io.UncheckedIOException e) {
                        if (!templatesWarned) {
                            templatesWarned = true;
                            log.warn("RAM templates cannot be used here ({}): this VM runs on a private copy of the disk "
                                    + "and restores in place, which is slower", e.getMessage());
                        }
                    }
                }
                Path vmDisk;
                if (persistent) {
                    lock = cacheDir.lockDisk(base, lockTimeout, false);
                    vmDisk = base;
                } else {
                    vmDisk = runDir.resolve("disk.qcow2");
                    try (CacheDir.Lock reading = cacheDir.lockDisk(base, lockTimeout, true)) {
                        Files.copy(base, vmDisk);
                    }
                }
                List<String> names = QemuTools.snapshotNames(vmDisk);
                if (!names.contains(snapshot)) {
                    throw new SnapshotNotFoundException(snapshot, names);
                }
                GuestProfile profile = windows ? new WindowsProfile() : new LinuxProfile();
                Machine machine = Machine.start(spec(hardware, tiny, vmDisk, runDir).loadSnapshot(snapshot).build(), profile,
                        RESTORE_BOOT_TIMEOUT);
                if (persistent) {
                    machine.protectSnapshot(TinyGuestRecipe.PROVISIONED);
                }
                return windows ? new LocalWindowsVm(machine, runDir, lock) : new LocalLinuxVm(machine, runDir, lock);
            } catch (IOException e) {
                cleanUp(runDir, lock);
                throw new OsrunException("Cannot prepare the VM's disk in " + runDir + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                cleanUp(runDir, lock);
                throw e;
            }
        }

        private MachineSpec.Builder spec(Hardware hardware, TinyGuest tiny, Path vmDisk, Path runDir) {
            MachineSpec.Builder spec = hardware.specBuilder(vmDisk, runDir);
            if (tiny != null) {
                spec.directKernel(tiny.kernel(), tiny.initrd(), TinyGuest.KERNEL_APPEND);
            }
            return spec.shareDir(!share ? null : shareDir != null ? shareDir : runDir.resolve("share"))
                    .network(network)
                    .forwards(forwards)
                    .vncDisplay(vncDisplay)
                    .extraArgs(qemuArgs);
        }

        /** A VM on clones of the snapshot's RAM template, made once per cache; the cached disk is only read. */
        private LocalVm startClone(CacheDir cacheDir, Path base, Hardware hardware, TinyGuest tiny, Path runDir, boolean windows) {
            List<String> names = QemuTools.snapshotNames(base);
            if (!names.contains(snapshot)) {
                throw new SnapshotNotFoundException(snapshot, names);
            }
            GuestProfile profile = windows ? new WindowsProfile() : new LinuxProfile();
            Clones clones = Clones.start(cacheDir, base, snapshot, spec(hardware, tiny, runDir.resolve("disk.qcow2"), runDir).build(),
                    profile, runDir, warmResets);
            try {
                Machine machine = clones.first();
                LocalVm vm = windows ? new LocalWindowsVm(machine, runDir, null) : new LocalLinuxVm(machine, runDir, null);
                vm.useClones(clones);
                return vm;
            } catch (RuntimeException e) {
                clones.close();
                throw e;
            }
        }

        /**
         * Starts the VM as {@code type}: {@code LinuxVm.class} or {@code LocalLinuxVm.class} for the tiny guest,
         * {@code WindowsVm.class} or {@code LocalWindowsVm.class} for Windows 11, {@code Vm.class} for either.
         *
         * @throws OsrunException when the guest is not of that type (nothing is started then)
         */
        public <V extends Vm> V start(Class<V> type) {
            Class<?> actual = guest == GuestKind.WINDOWS11 ? LocalWindowsVm.class : LocalLinuxVm.class;
            if (!type.isAssignableFrom(actual)) {
                throw new OsrunException("A " + guest.id() + " guest runs as " + actual.getSimpleName() + ", which is not a "
                        + type.getSimpleName() + ". Ask for " + (guest == GuestKind.WINDOWS11 ? "WindowsVm" : "LinuxVm")
                        + " or Vm, or choose the other guest.");
            }
            return type.cast(start());
        }

        private Path provisionWindows(CacheDir cacheDir, Hardware run) {
            Hardware install = WindowsRecipe.installHardware(run);
            WindowsRecipe.Options options = WindowsRecipe.Options.fromEnvironment().withKeep(keep).withVnc(vncDisplay);
            if (iso != null) {
                options = options.withIso(iso);
            }
            return WindowsRecipe.provision(cacheDir, install, run, options, progress);
        }

        private static Path createRunDir() {
            return RunDirectory.create("osrun-vm-");
        }

        private static void cleanUp(Path runDir, CacheDir.Lock lock) {
            if (lock != null) {
                lock.close();
            }
            try {
                DirectoryTree.delete(runDir);
            } catch (IOException e) {
                log.debug("Could not remove {}", runDir, e);
            }
        }
    }
}
