package dev.osrun.cli;

import dev.osrun.NetworkMode;
import dev.osrun.engine.PortForward;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How picocli reads osrun's network, forward, bind and yes/no flags (in this JVM; nothing is started). */
class CommandLineOptionsTest {

    private static OsrunCommand parse(String... args) {
        CommandLine commandLine = OsrunCommand.commandLine();
        commandLine.parseArgs(args);
        return commandLine.getCommand();
    }

    @Test
    void theNetworkIsNatUnlessIsolatedIsAskedForInRunAndServe() {
        assertThat(parse("true").vm.network).isEqualTo(NetworkMode.NAT);
        assertThat(parse("--network", "isolated", "true").vm.network).isEqualTo(NetworkMode.ISOLATED);
        assertThat(parse("--network=NAT", "true").vm.network).isEqualTo(NetworkMode.NAT);

        CommandLine commandLine = OsrunCommand.commandLine();
        CommandLine.ParseResult serve = commandLine.parseArgs("serve", "--network", "isolated");
        ServeCommand command = serve.subcommand().commandSpec().commandLine().getCommand();
        assertThat(command.vm.network).isEqualTo(NetworkMode.ISOLATED);
    }

    @Test
    void forwardsListenOnLoopbackOrTheBindAddressOrTheirOwnAddress() {
        assertThat(parse("-f", "8080", "true").forwards()).containsExactly(new PortForward("127.0.0.1", 8080, 8080));
        assertThat(parse("--bind-address", "0.0.0.0", "-f", "8080", "-f", "127.0.0.1:9090", "true").forwards())
                .containsExactly(new PortForward("0.0.0.0", 8080, 8080), new PortForward("127.0.0.1", 9090, 9090));
        assertThat(parse("-f8080", "true").forwards()).containsExactly(new PortForward("127.0.0.1", 8080, 8080));
    }

    @Test
    void debugPortsTakeTheYesNoWordsAndLeaveTheCommandAlone() {
        assertThat(parse("--debug-ports", "echo hi").debugPorts).isTrue();
        assertThat(parse("--debug-ports", "echo hi").command).containsExactly("echo hi");
        for (String yes : List.of("1", "true", "yes", "YES", "True")) {
            assertThat(parse("--debug-ports=" + yes, "true").debugPorts).as(yes).isTrue();
        }
        for (String no : List.of("0", "false", "no", "NO", "False")) {
            assertThat(parse("--debug-ports=" + no, "true").debugPorts).as(no).isFalse();
        }
    }

    @Test
    void wrongValuesExitTwoWithTheAcceptedForms() {
        assertThat(run("--debug-ports=maybe", "true")).contains("1/0, true/false or yes/no", "'maybe'");
        assertThat(run("--network", "bridged", "true")).contains("Use nat or isolated");
        assertThat(run("--bind-address", "::1", "--guest", "tiny", "true")).contains("IPv4 address", "'::1'");
        assertThat(run("-f", "0.0.0.0:http", "--guest", "tiny", "true")).contains("PORT or ADDRESS:PORT");
    }

    /** Runs the command line and returns its error output, having checked that it exited with 2. */
    private static String run(String... args) {
        CommandLine commandLine = OsrunCommand.commandLine();
        StringWriter err = new StringWriter();
        commandLine.setErr(new PrintWriter(err));
        assertThat(commandLine.execute(args)).as("exit code of osrun %s", String.join(" ", args)).isEqualTo(2);
        return err.toString();
    }

    @Test
    void aBadBindAddressIsRefusedBeforeAnythingStarts() {
        OsrunCommand command = parse("--bind-address", "localhost", "true");
        assertThatThrownBy(command::bindAddress).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("OSRUN_BIND_ADDRESS").hasMessageContaining("'localhost'");
    }
}
