package dev.osrun.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every variable of the README's "Environment variables" table, set as its example shows, through the real CLI (a
 * separate process, as a user runs it) or the real script helper: accepted, and for yes/no settings every one of
 * the six words in any case, while anything else is refused naming the variable. Nothing here starts a VM:
 * {@code --help} makes picocli read and convert every option's default, which is where a variable is parsed.
 */
class EnvironmentVariablesTest {

    private static final List<String> YES_NO_WORDS = List.of("1", "0", "true", "false", "yes", "no", "TRUE", "False", "YES", "No");

    /** One row of the table. */
    record Documented(String name, String value, String readBy, String meaning) {
        boolean readByTheCli() {
            return readBy.contains("`osrun`") || readBy.contains("`osrun serve`");
        }

        boolean yesNo() {
            return meaning.startsWith("yes/no");
        }
    }

    record Run(int exitCode, String stdout, String stderr) {
    }

    @Test
    void theTableDocumentsTheCliVariables() throws IOException {
        assertThat(documented()).extracting(Documented::name)
                .contains("OSRUN_GUEST", "OSRUN_ACCEL", "OSRUN_NETWORK", "OSRUN_DEBUG_PORTS", "OSRUN_BIND_ADDRESS",
                        "OSRUN_CACHE", "OSRUN_TOKEN", "TZ", "OSRUN_SKIP_DOCKER", "OSRUN_VERBOSE");
    }

    @Test
    void everyCliVariableSetAsTheReadmeShowsItIsAccepted() throws Exception {
        for (Documented variable : documented()) {
            if (!variable.readByTheCli()) {
                continue;
            }
            Run run = osrun(Map.of(variable.name(), variable.value()), variable.readBy().contains("serve") ? "serve" : null);

            assertThat(run.exitCode()).as("%s=%s: %s", variable.name(), variable.value(), run.stderr()).isZero();
            assertThat(run.stdout()).contains("Usage:");
        }
    }

    @Test
    void yesNoVariablesOfTheCliTakeTheSixWordsInAnyCaseAndRefuseOthers() throws Exception {
        for (Documented variable : documented()) {
            if (!variable.readByTheCli() || !variable.yesNo()) {
                continue;
            }
            for (String word : YES_NO_WORDS) {
                Run run = osrun(Map.of(variable.name(), word), null);
                assertThat(run.exitCode()).as("%s=%s: %s", variable.name(), word, run.stderr()).isZero();
            }
            Run wrong = osrun(Map.of(variable.name(), "maybe"), null);
            assertThat(wrong.exitCode()).isEqualTo(2);
            assertThat(wrong.stderr()).contains(variable.name(), "1/0, true/false or yes/no", "'maybe'");
        }
    }

    @Test
    void aBadNetworkModeOrAddressIsRefusedNamingTheVariable() throws Exception {
        Run network = osrun(Map.of("OSRUN_NETWORK", "bridged"), null);
        assertThat(network.exitCode()).isEqualTo(2);
        assertThat(network.stderr()).contains("Unknown network mode 'bridged'. Use nat or isolated.", "OSRUN_NETWORK");

        Run address = osrunArgs(Map.of("OSRUN_BIND_ADDRESS", "localhost"), "--guest", "tiny", "true");
        assertThat(address.exitCode()).isEqualTo(2);
        assertThat(address.stderr()).contains("OSRUN_BIND_ADDRESS", "'localhost'");
    }

    @Test
    void yesNoVariablesOfTheScriptsTakeTheSixWordsInAnyCaseAndRefuseOthers() throws Exception {
        for (Documented variable : documented()) {
            if (variable.readByTheCli() || !variable.yesNo()) {
                continue;
            }
            assertThat(yesNoInShell(variable.name(), variable.value()).stdout()).isEqualTo("1\n");
            for (String word : YES_NO_WORDS) {
                String expected = List.of("1", "true", "yes").contains(word.toLowerCase()) ? "1\n" : "0\n";
                assertThat(yesNoInShell(variable.name(), word).stdout()).as("%s=%s", variable.name(), word).isEqualTo(expected);
            }
            Run wrong = yesNoInShell(variable.name(), "maybe");
            assertThat(wrong.exitCode()).isEqualTo(2);
            assertThat(wrong.stderr()).contains(variable.name(), "1/0, true/false or yes/no", "'maybe'");
        }
    }

    /** The rows of the README's "Environment variables" table. */
    static List<Documented> documented() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        int start = lines.indexOf("## Environment variables");
        assertThat(start).as("README.md has a section '## Environment variables'").isNotNegative();
        List<Documented> rows = new ArrayList<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("## ")) {
                break;
            }
            String[] cells = line.split("\\|");
            if (cells.length < 5 || !cells[2].trim().matches("`[A-Z_]+=[^`]*`")) {
                continue;
            }
            String example = cells[2].trim();
            String assignment = example.substring(1, example.length() - 1);
            int equals = assignment.indexOf('=');
            rows.add(new Documented(assignment.substring(0, equals), assignment.substring(equals + 1),
                    cells[3].trim(), cells[4].trim()));
        }
        return rows;
    }

    private static Run osrun(Map<String, String> environment, String subcommand) throws IOException, InterruptedException {
        return subcommand == null ? osrunArgs(environment, "--help") : osrunArgs(environment, subcommand, "--help");
    }

    private static Run osrunArgs(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OsrunCommand.class.getName()));
        command.addAll(List.of(args));
        return run(command, environment);
    }

    private static Run yesNoInShell(String name, String value) throws IOException, InterruptedException {
        return run(List.of("bash", "-c", "source bin/lib/settings.sh && osrun_yes_no \"$1\" \"$2\"", "test", name, value), Map.of());
    }

    private static Run run(List<String> command, Map<String, String> environment) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command);
        // Only what the test sets: the variables of the machine running the tests must not decide the outcome.
        builder.environment().keySet().removeIf(name -> name.startsWith("OSRUN_"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close();
        CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within 2 minutes");
        }
        return new Run(process.exitValue(), stdout.join(), stderr.join());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
