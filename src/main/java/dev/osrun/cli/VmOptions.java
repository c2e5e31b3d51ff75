package dev.osrun.cli;

import dev.osrun.GuestKind;
import dev.osrun.Accel;
import dev.osrun.NetworkMode;
import dev.osrun.local.LocalVm;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The flags that choose the VM, shared by {@code osrun <command>} and {@code osrun serve}. */
final class VmOptions {

    @Option(names = "--guest", paramLabel = "GUEST", defaultValue = "${env:OSRUN_GUEST:-windows11}",
            converter = OsrunCommand.GuestKindConverter.class,
            description = "windows11 or tiny (default: ${DEFAULT-VALUE}; env OSRUN_GUEST)")
    GuestKind guest;

    @Option(names = "--accel", paramLabel = "ACCEL", defaultValue = "auto",
            description = "auto, kvm or tcg (default: auto; env OSRUN_ACCEL overrides)")
    String accel;

    @Option(names = "--network", paramLabel = "MODE", defaultValue = "${env:OSRUN_NETWORK:-nat}",
            converter = NetworkModeConverter.class,
            description = "nat (default: outbound like a container, and this host's loopback at 10.0.2.2) or isolated "
                    + "(nothing but the share); env OSRUN_NETWORK")
    NetworkMode network;

    @Option(names = "--memory", paramLabel = "MIB", description = "Guest memory in MiB (default: 512 tiny, 4096 windows11)")
    Integer memoryMiB;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "1", description = "Virtual CPUs (default: ${DEFAULT-VALUE})")
    int cpus;

    @Option(names = "--iso", paramLabel = "PATH", defaultValue = "${env:OSRUN_ISO}",
            description = "Install Windows 11 from this ISO on first use instead of downloading it (env OSRUN_ISO)")
    java.nio.file.Path iso;

    /** The accelerator asked for. */
    Accel accel() {
        return Accel.parse(accel);
    }

    /** The guest memory asked for, or the guest's default. */
    int memoryMiB() {
        return memoryMiB != null ? memoryMiB : guest == GuestKind.TINY ? 512 : 4096;
    }

    /** A builder for the VM these flags describe, starting from {@code snapshot}. */
    LocalVm.Builder builder(String snapshot) {
        return LocalVm.builder(guest)
                .accel(accel())
                .cpus(cpus)
                .network(network)
                .memoryMiB(memoryMiB())
                .snapshot(snapshot)
                .iso(iso);
    }

    /** Reads {@code nat} or {@code isolated}, from {@code --network} or {@code OSRUN_NETWORK}. */
    static final class NetworkModeConverter implements CommandLine.ITypeConverter<NetworkMode> {
        @Override
        public NetworkMode convert(String value) {
            try {
                return NetworkMode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage() + " (--network or " + NetworkMode.ENV + ")");
            }
        }
    }
}
