package dev.osrun.cli;

import dev.osrun.GuestKind;
import dev.osrun.engine.PortForward;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The {@code osrun} command: runs one command in a VM restored from a snapshot and exits with its exit code.
 * Compatible with the original osrun's flags; {@code osrun serve} keeps a VM running behind the control API.
 *
 * <p>Exit codes: the guest command's own; 2 for a bad flag; 125 when osrun itself failed (no VM, unknown
 * snapshot, crash); 130/143 when interrupted by SIGINT/SIGTERM.
 */
@Command(name = "osrun", mixinStandardHelpOptions = false, sortOptions = false, usageHelpAutoWidth = true,
        subcommands = {ServeCommand.class, CacheCommand.class},
        description = "Short-lived Windows (or tiny Linux) VMs: runs <command> in a VM restored from a snapshot.",
        footer = {"", "Exit code: the command's own; 2 for a bad flag; 125 when osrun itself failed.",
                "Environment: OSRUN_GUEST, OSRUN_ACCEL (auto|kvm|tcg), OSRUN_CACHE, TZ,",
                "OSRUN_NETWORK (nat|isolated), OSRUN_BIND_ADDRESS,",
                "OSRUN_DEBUG_PORTS (1/0, true/false, yes/no)."})
public final class OsrunCommand implements Callable<Integer> {

    /** Exit code when osrun itself failed, as {@code docker run} uses it. */
    public static final int EXIT_OSRUN_FAILED = 125;

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Display this help")
    boolean help;

    @Option(names = {"-v", "--verbose"}, description = "Verbose mode: progress and engine messages on stderr")
    boolean verbose;

    @Option(names = {"-k", "--keep"}, description = "Keep the installation ISOs after successful provisioning")
    boolean keep;

    @Option(names = {"-p", "--pause"}, description = "Do not close the VM after the command finishes; wait for ENTER")
    boolean pause;

    @Option(names = {"-n", "--new-snapshot"}, paramLabel = "NAME", description = "Save a new snapshot after the command finishes")
    String newSnapshot;

    @Option(names = {"-s", "--use-snapshot"}, paramLabel = "NAME", defaultValue = "provisioned",
            description = "Restore from this snapshot (default: ${DEFAULT-VALUE})")
    String useSnapshot;

    @Option(names = {"-f", "--forward-port"}, paramLabel = "[ADDRESS:]PORT",
            description = "Forward this TCP port to the guest, listening on ADDRESS (default: --bind-address) (repeatable)")
    List<String> forwardPorts = new ArrayList<>();

    @Option(names = {"-d", "--drive"}, paramLabel = "PATH", description = "Use this qcow2 drive instead of the provisioned one")
    String drive;

    @Mixin
    VmOptions vm = new VmOptions();

    @Option(names = "--debug-ports", defaultValue = "${env:OSRUN_DEBUG_PORTS:-false}", fallbackValue = "true", arity = "0..1",
            paramLabel = "BOOL", converter = YesNo.DebugPortsConverter.class,
            description = "Open the seed's debugging ports: VNC 5950, QEMU monitor 55556, agent 44444 (unauthenticated!; "
                    + "env OSRUN_DEBUG_PORTS=1)")
    boolean debugPorts;

    @Option(names = "--vnc", description = "Serve the screen through noVNC on port 8000")
    boolean vnc;

    @Option(names = "--bind-address", paramLabel = "ADDRESS", defaultValue = "${env:OSRUN_BIND_ADDRESS:-127.0.0.1}",
            description = "Where forwards and the debugging ports listen (default: 127.0.0.1, this machine only; env "
                    + "OSRUN_BIND_ADDRESS, which the image sets to 0.0.0.0 so that docker -p can publish them)")
    String bindAddress;

    @Parameters(paramLabel = "<command>", arity = "0..*", description = "The command line to run in the guest")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() {
        return new RunCommand(this).run();
    }

    /** Where forwards and the debugging ports listen: {@code --bind-address}, else {@code OSRUN_BIND_ADDRESS}, else loopback. */
    String bindAddress() {
        try {
            return PortForward.requireIpv4(bindAddress);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--bind-address (or OSRUN_BIND_ADDRESS): " + e.getMessage());
        }
    }

    /** The {@code -f} forwards, each on its own address or on {@link #bindAddress()}. */
    List<PortForward> forwards() {
        List<PortForward> forwards = new ArrayList<>();
        for (String forward : forwardPorts) {
            try {
                forwards.add(PortForward.parse(forward, bindAddress()));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "-f: " + e.getMessage());
            }
        }
        return forwards;
    }

    /** Runs osrun with these arguments and returns the exit code. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The configured picocli command line (flags stop at the first positional, so the command keeps its own). */
    public static CommandLine commandLine() {
        return new CommandLine(new OsrunCommand())
                .setStopAtPositional(true)
                .setExecutionExceptionHandler((e, cmd, parseResult) -> {
                    cmd.getErr().println("osrun: " + e.getMessage());
                    return EXIT_OSRUN_FAILED;
                });
    }

    /** The entry point. */
    public static void main(String[] args) {
        Logging.configure(args);
        System.exit(execute(args));
    }

    /** Reads {@code windows11} or {@code tiny}. */
    static final class GuestKindConverter implements CommandLine.ITypeConverter<GuestKind> {
        @Override
        public GuestKind convert(String value) {
            try {
                return GuestKind.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
