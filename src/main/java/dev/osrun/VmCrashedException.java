package dev.osrun;

import java.util.OptionalInt;

/**
 * Thrown when the VM is gone: QEMU exited, the guest panicked or shut itself down. The message carries the
 * reason and the tail of the guest's serial log.
 */
public class VmCrashedException extends OsrunException {

    private final Integer qemuExitCode;
    private final String serialTail;

    /** Creates the exception; {@code qemuExitCode} is null while the QEMU process still runs. */
    public VmCrashedException(String reason, Integer qemuExitCode, String serialTail) {
        super(reason + (serialTail.isBlank() ? "\n(the serial log is empty)" : "\nLast lines of the serial log:\n" + serialTail));
        this.qemuExitCode = qemuExitCode;
        this.serialTail = serialTail;
    }

    /** The exit code of the QEMU process, if it has exited. */
    public OptionalInt qemuExitCode() {
        return qemuExitCode == null ? OptionalInt.empty() : OptionalInt.of(qemuExitCode);
    }

    /** The last lines the guest wrote to its serial console. */
    public String serialTail() {
        return serialTail;
    }
}
