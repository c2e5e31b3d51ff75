package dev.osrun.junit;

import dev.osrun.ExecOptions;
import dev.osrun.ExecResult;
import dev.osrun.GuestOs;
import dev.osrun.LinuxVm;
import dev.osrun.SnapshotInfo;
import dev.osrun.Vm;
import dev.osrun.WindowsVm;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * The view of a pooled VM that the extension hands to a test: every call goes to the VM while the lease lasts,
 * commands are noted in the test's {@link ExecJournal}, and after the lease ends (or on {@link #close()}) the view
 * refuses with a message, so that no test can reach a VM another test now uses.
 */
abstract class LentVm implements Vm {

    private final Vm target;
    private final Lease lease;

    LentVm(Vm target, Lease lease) {
        this.target = target;
        this.lease = lease;
    }

    /** A view with the same type as {@code target}: a {@link WindowsVm}, a {@link LinuxVm} or a plain {@link Vm}. */
    static LentVm of(Vm target, Lease lease) {
        if (target instanceof WindowsVm windows) {
            return new Windows(windows, lease);
        }
        if (target instanceof LinuxVm) {
            return new Linux(target, lease);
        }
        return new Plain(target, lease);
    }

    /** The VM under this view, checked to be still lent. */
    final Vm target() {
        lease.checkActive();
        return target;
    }

    /** Runs {@code call} for {@code command}, noting its result or exception in the current test's journal. */
    final ExecResult noted(String command, Supplier<ExecResult> call) {
        ExecJournal journal = lease.journal();
        try {
            ExecResult result = call.get();
            journal.finished(command, result);
            return result;
        } catch (RuntimeException e) {
            journal.failed(command, e);
            throw e;
        }
    }

    @Override
    public GuestOs os() {
        return target().os();
    }

    @Override
    public ExecResult exec(List<String> argv, ExecOptions options) {
        Vm vm = target();
        return noted("exec " + argv, () -> vm.exec(argv, options));
    }

    @Override
    public ExecResult shell(String commandLine, ExecOptions options) {
        Vm vm = target();
        return noted("shell " + commandLine, () -> vm.shell(commandLine, options));
    }

    @Override
    public void upload(Path hostPath, String guestPath) {
        target().upload(hostPath, guestPath);
    }

    @Override
    public void download(String guestPath, Path hostPath) {
        target().download(guestPath, hostPath);
    }

    @Override
    public SnapshotInfo saveSnapshot(String name) {
        return target().saveSnapshot(name);
    }

    @Override
    public void restoreSnapshot(String name) {
        target().restoreSnapshot(name);
    }

    @Override
    public List<SnapshotInfo> snapshots() {
        return target().snapshots();
    }

    @Override
    public void deleteSnapshot(String name) {
        target().deleteSnapshot(name);
    }

    @Override
    public byte[] screenshotPng() {
        return target().screenshotPng();
    }

    /**
     * Refuses: the VM belongs to the extension, which restores it before the next test and stops it at the end of
     * the run.
     */
    @Override
    public void close() {
        throw new UnsupportedOperationException("This VM is lent by OsrunExtension to " + lease.holder()
                + "; the extension restores it before each test and stops it at the end of the run. Do not close it.");
    }

    @Override
    public String toString() {
        return "VM " + lease.vmName() + " lent to " + lease.holder();
    }

    /** A lent Windows VM. */
    static final class Windows extends LentVm implements WindowsVm {
        private Windows(WindowsVm target, Lease lease) {
            super(target, lease);
        }

        @Override
        public ExecResult powershell(String script, ExecOptions options) {
            WindowsVm vm = (WindowsVm) target();
            return noted("powershell " + script, () -> vm.powershell(script, options));
        }
    }

    /** A lent Linux VM. */
    static final class Linux extends LentVm implements LinuxVm {
        private Linux(Vm target, Lease lease) {
            super(target, lease);
        }
    }

    /** A lent VM of neither typed kind. */
    static final class Plain extends LentVm {
        private Plain(Vm target, Lease lease) {
            super(target, lease);
        }
    }
}
