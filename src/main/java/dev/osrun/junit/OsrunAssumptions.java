package dev.osrun.junit;

import dev.osrun.GuestOs;
import dev.osrun.Vm;
import org.junit.jupiter.api.Assumptions;

import java.util.Locale;

/**
 * Assumptions about the VM a test got, for the steps of an {@link OsrunGuests} test that apply to one guest only:
 * a test whose assumption does not hold is aborted (reported as skipped), not failed.
 *
 * <pre>{@code
 * import static dev.osrun.junit.OsrunAssumptions.assumeThat;
 *
 * assumeThat(vm).isWindows();
 * }</pre>
 */
public final class OsrunAssumptions {

    private OsrunAssumptions() {
    }

    /** Starts assumptions about {@code vm}. */
    public static VmAssumption assumeThat(Vm vm) {
        return new VmAssumption(vm);
    }

    /** Assumptions about one VM; each aborts the test when it does not hold. */
    public static final class VmAssumption {
        private final Vm vm;

        private VmAssumption(Vm vm) {
            this.vm = vm;
        }

        /** Aborts the test unless the VM runs Windows. */
        public VmAssumption isWindows() {
            return runs(GuestOs.WINDOWS);
        }

        /** Aborts the test unless the VM runs Linux. */
        public VmAssumption isLinux() {
            return runs(GuestOs.LINUX);
        }

        private VmAssumption runs(GuestOs os) {
            Assumptions.assumeTrue(vm != null && vm.os() == os, () -> "Assumed a " + os.name().toLowerCase(Locale.ROOT)
                    + " guest, but this VM runs " + (vm == null ? "nothing (null)" : vm.os().name().toLowerCase(Locale.ROOT)));
            return this;
        }
    }
}
