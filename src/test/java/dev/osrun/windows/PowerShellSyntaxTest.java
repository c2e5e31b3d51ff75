package dev.osrun.windows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.osrun.qmp.Prerequisites;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every PowerShell script of {@code win11-init/} parses with tree-sitter-powershell (the only PowerShell parser that
 * runs here: no pwsh, no PSScriptAnalyzer) without ERROR or MISSING nodes. The grammar and its Node binding are
 * installed from npm into {@code build/tree-sitter} once, at pinned versions.
 */
class PowerShellSyntaxTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path MODULES = ROOT.resolve("build/tree-sitter");
    private static final List<String> PACKAGES = List.of("tree-sitter@0.25.1", "tree-sitter-powershell@0.26.4");
    private static Path node;

    @TempDir
    Path temp;

    @BeforeAll
    static void installTheGrammar() throws IOException, InterruptedException {
        node = Prerequisites.requireProgram("node", "nodejs");
        Path npm = Prerequisites.requireProgram("npm", "npm");
        Path stamp = MODULES.resolve("installed.txt");
        String wanted = String.join(" ", PACKAGES);
        if (!Files.exists(stamp) || !Files.readString(stamp).equals(wanted)) {
            Files.createDirectories(MODULES);
            List<String> command = new ArrayList<>(List.of(npm.toString(), "install", "--prefix", MODULES.toString(),
                    "--no-audit", "--no-fund", "--loglevel=error"));
            command.addAll(PACKAGES);
            String output = run(command, 600);
            Files.writeString(stamp, wanted);
            assertThat(output).as("npm install").doesNotContain("ERR!");
        }
        try (InputStream script = PowerShellSyntaxTest.class.getResourceAsStream("parse-powershell.mjs")) {
            Files.write(MODULES.resolve("parse-powershell.mjs"), script.readAllBytes());
        }
    }

    private static String run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(MODULES.toFile()).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s");
        }
        String text = new String(output, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new AssertionError(command + " exited with " + process.exitValue() + ":\n" + text
                    + "\n(npm needs the registry; this machine reaches registry.npmjs.org)");
        }
        return text;
    }

    /** The problems tree-sitter found, one JSON object per file. */
    private static List<JsonNode> parse(List<Path> files) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(node.toString(), "--no-deprecation", "parse-powershell.mjs"));
        files.forEach(file -> command.add(file.toString()));
        List<JsonNode> results = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : run(command, 120).split("\n")) {
            if (line.startsWith("{")) {
                results.add(json.readTree(line));
            }
        }
        assertThat(results).as("one result per file").hasSize(files.size());
        return results;
    }

    @Test
    void everyProvisioningScriptParsesWithoutErrorOrMissingNodes() throws IOException, InterruptedException {
        List<Path> scripts;
        try (Stream<Path> files = Files.list(ROOT.resolve("win11-init"))) {
            scripts = files.filter(file -> file.toString().endsWith(".ps1")).sorted().toList();
        }
        assertThat(scripts).extracting(file -> file.getFileName().toString())
                .contains("common.ps1", "specialize.ps1", "first-logon.ps1");

        for (JsonNode result : parse(scripts)) {
            assertThat(result.get("problems")).as("tree-sitter problems in %s", result.get("file").asText()).isEmpty();
        }
    }

    @Test
    void brokenPowerShellIsReportedSoTheCheckCanFail() throws IOException, InterruptedException {
        Path unclosed = Files.writeString(temp.resolve("unclosed.ps1"), "function f { if ($x -eq 1 { 'x' }\n");
        Path missing = Files.writeString(temp.resolve("missing.ps1"), "$a = (1 + 2\n");

        List<JsonNode> results = parse(List.of(unclosed, missing));

        assertThat(results.get(0).get("problems")).isNotEmpty();
        assertThat(results.get(1).get("problems")).isNotEmpty();
    }
}
