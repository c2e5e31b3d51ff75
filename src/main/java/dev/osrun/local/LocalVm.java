package dev.osrun.local;

import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.GuestKind;
import dev.osrun.GuestOs;
import dev.osrun.LinuxVm;
import dev.osrun.NetworkMode;
import dev.osrun.OsrunException;
import dev.osrun.SnapshotInfo;
import dev.osrun.SnapshotNotFoundException;
import dev.osrun.Vm;
import dev.osrun.Accel;
import dev.osrun.engine.Command;
import dev.osrun.engine.DirectoryTree;
import dev.osrun.engine.LinuxProfile;
import dev.osrun.engine.Machine;
import dev.osrun.engine.MachineSpec;
import dev.osrun.engine.PortForward;
import dev.osrun.provision.CacheDir;
import dev.osrun.provision.Hardware;
import dev.osrun.provision.QemuTools;
import dev.osrun.provision.ProvisioningListener;
import dev.osrun.provision.TinyGuest;
import dev.osrun.provision.TinyGuestRecipe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
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
 * <p>By default the VM runs on a private copy of the cached disk, so several VMs can run at once and nothing they
 * do reaches the cache. With {@link Builder#persistent(boolean) persistent(true)} it runs on the cached disk itself,
 * so snapshots it saves are there for the next run (as the original osrun does). Such a VM holds the disk's
 * lock while it runs: another persistent VM waits for it (at most {@link Builder#lockTimeout}), and private copies
 * are only taken while no persistent VM runs, so no copy is ever torn.
 */
public class LocalVm implements LinuxVm {

    private static final Logger log = LoggerFactory.getLogger(LocalVm.class);
    private static final Duration RESTORE_BOOT_TIMEOUT = Duration.ofSeconds(90);

    private final Machine machine;
    private final Path runDir;
    private final CacheDir.Lock diskLock;
    private final boolean persistent;

    private LocalVm(Machine machine, Path runDir, CacheDir.Lock diskLock) {
        this.machine = machine;
        this.runDir = runDir;
        this.diskLock = diskLock;
        this.persistent = diskLock != null;
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
        return machine.exec(new Command.Argv(argv), options);
    }

    @Override
    public synchronized ExecResult shell(String commandLine, ExecOptions options) {
        return machine.exec(new Command.Shell(commandLine), options);
    }

    @Override
    public synchronized void upload(Path hostPath, String guestPath) {
        machine.upload(hostPath, guestPath);
    }

    @Override
    public synchronized void download(String guestPath, Path hostPath) {
        machine.download(guestPath, hostPath);
    }

    @Override
    public synchronized SnapshotInfo saveSnapshot(String name) {
        return machine.saveSnapshot(name);
    }

    @Override
    public synchronized void restoreSnapshot(String name) {
        machine.restoreSnapshot(name);
    }

    @Override
    public synchronized List<SnapshotInfo> snapshots() {
        return machine.snapshots();
    }

    @Override
    public synchronized void deleteSnapshot(String name) {
        machine.deleteSnapshot(name);
    }

    @Override
    public synchronized byte[] screenshotPng() {
        return machine.screenshotPng();
    }

    /** Stops QEMU and removes the VM's private files; a persistent disk stays in the cache. */
    @Override
    public void close() {
        try {
            machine.close();
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
        private int memoryMiB = 512;
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

        private Builder(GuestKind guest) {
            this.guest = guest;
        }

        /** Uses this cache directory (default: {@code OSRUN_CACHE}, else {@code ~/.cache/osrun}). */
        public Builder cache(Path directory) { this.cache = new CacheDir(directory); return this; }

        /** Starts from this snapshot (default {@code provisioned}). */
        public Builder snapshot(String name) { this.snapshot = name; return this; }

        /** Uses this accelerator (default {@link Accel#AUTO}; {@code OSRUN_ACCEL} overrides). */
        public Builder accel(Accel value) { this.accel = value; return this; }

        /** Gives the guest this much memory (default 512 MiB for the tiny guest). */
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
         * Starts the VM without the SMB share: output then comes back through the guest agent (at exit, at most
         * 16 MB a stream) and files travel through its file calls (single files only).
         */
        public Builder withoutShare() { this.share = false; return this; }

        /**
         * Sets what code in the guest can reach (default {@link NetworkMode#NAT}: outbound, like a container, and
         * this host's loopback at {@code 10.0.2.2}; {@link NetworkMode#ISOLATED}: nothing but the share).
         */
        public Builder network(NetworkMode value) { this.network = java.util.Objects.requireNonNull(value, "network"); return this; }

        /** Forwards a port of this host's loopback ({@code 127.0.0.1}) to the same port in the guest. */
        public Builder forwardPort(int port) { this.forwards.add(new PortForward(port, port)); return this; }

        /** Forwards a host port, listening on the forward's address, to a port in the guest. */
        public Builder forward(PortForward forward) { this.forwards.add(forward); return this; }

        /** Serves the screen over VNC at this address, e.g. {@code 0.0.0.0:50}. */
        public Builder vnc(String display) { this.vncDisplay = display; return this; }

        /** Tells {@code listener} what provisioning does, when the cache has no provisioned guest yet. */
        public Builder progress(ProvisioningListener listener) { this.progress = listener; return this; }

        /** Appends these arguments to QEMU's command line as they are (a monitor on a TCP port, say). */
        public Builder qemuArgs(List<String> args) { this.qemuArgs.addAll(args); return this; }

        /**
         * Provisions the guest if the cache has none, then starts the VM from the snapshot.
         *
         * @throws SnapshotNotFoundException when the disk has no snapshot of that name; it lists those that exist
         * @throws OsrunException            when QEMU or the guest cannot be started
         */
        public LocalVm start() {
            if (guest != GuestKind.TINY) {
                throw new OsrunException("osrun cannot provision " + guest.id() + " yet: the Windows 11 recipe (win11-init/) is "
                        + "not written. Use the tiny Linux guest: --guest tiny (or OSRUN_GUEST=tiny).");
            }
            CacheDir cacheDir = cache != null ? cache : CacheDir.fromEnvironment();
            Hardware hardware = Hardware.of(accel, memoryMiB, cpus);
            TinyGuest tiny = TinyGuest.locate();
            Path base = disk != null ? disk : TinyGuestRecipe.provision(cacheDir, tiny, hardware, progress);
            Path runDir = createRunDir();
            CacheDir.Lock lock = null;
            try {
                Path vmDisk;
                String lockName = "disk-" + base.getFileName();
                if (persistent) {
                    lock = cacheDir.lock(lockName, lockTimeout, false);
                    vmDisk = base;
                } else {
                    vmDisk = runDir.resolve("disk.qcow2");
                    try (CacheDir.Lock reading = cacheDir.lock(lockName, lockTimeout, true)) {
                        Files.copy(base, vmDisk);
                    }
                }
                List<String> names = QemuTools.snapshotNames(vmDisk);
                if (!names.contains(snapshot)) {
                    throw new SnapshotNotFoundException(snapshot, names);
                }
                MachineSpec spec = hardware.specBuilder(vmDisk, runDir)
                        .directKernel(tiny.kernel(), tiny.initrd(), TinyGuest.KERNEL_APPEND)
                        .shareDir(!share ? null : shareDir != null ? shareDir : runDir.resolve("share"))
                        .network(network)
                        .forwards(forwards)
                        .vncDisplay(vncDisplay)
                        .loadSnapshot(snapshot)
                        .extraArgs(qemuArgs)
                        .build();
                return new LocalVm(Machine.start(spec, new LinuxProfile(), RESTORE_BOOT_TIMEOUT), runDir, lock);
            } catch (IOException e) {
                cleanUp(runDir, lock);
                throw new UncheckedIOException("Cannot prepare the VM's disk in " + runDir, e);
            } catch (RuntimeException e) {
                cleanUp(runDir, lock);
                throw e;
            }
        }

        private static Path createRunDir() {
            try {
                return Files.createTempDirectory("osrun-vm-");
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create a temporary directory for the VM", e);
            }
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
