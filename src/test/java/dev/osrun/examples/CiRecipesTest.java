package dev.osrun.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CI recipes in {@code examples/ci/} (and in the README) parse as YAML, have the shape their CI system reads,
 * and name only commands and osrun settings that exist.
 */
class CiRecipesTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path GITHUB = Path.of("examples/ci/github-actions.yml");
    private static final Path GITLAB = Path.of("examples/ci/gitlab-ci.yml");
    /** Shell builtins the recipes may use besides programs on the PATH. */
    private static final Set<String> BUILTINS = Set.of("echo", "test", "cd");
    /** Programs of GitHub's Ubuntu runners that this machine (root, no udev) may lack. */
    private static final Set<String> RUNNER_PROGRAMS = Set.of("sudo", "udevadm");
    /** The environment variables osrun reads that the recipes may set (see the README's configuration table). */
    private static final Set<String> OSRUN_VARIABLES = Set.of("OSRUN_GUEST", "OSRUN_MEMORY", "OSRUN_CACHE_ARCHIVE",
            "OSRUN_ACCEL", "OSRUN_BACKEND", "OSRUN_IMAGE", "OSRUN_CPUS", "OSRUN_NETWORK");
    private static final Pattern OSRUN_VARIABLE = Pattern.compile("\\bOSRUN_[A-Z_]+");

    @Test
    void theGithubWorkflowHasTheShapeActionsReads() throws IOException {
        JsonNode workflow = YAML.readTree(GITHUB.toFile());

        assertThat(workflow.path("on").isMissingNode()).as("'on' triggers").isFalse();
        JsonNode steps = workflow.path("jobs").path("test").path("steps");
        assertThat(workflow.path("jobs").path("test").path("runs-on").asText()).startsWith("ubuntu");
        assertThat(steps.isArray()).as("jobs.test.steps is a list").isTrue();
        for (JsonNode step : steps) {
            assertThat(step.has("uses") ^ step.has("run")).as("a step either uses an action or runs commands: %s", step).isTrue();
            if (step.has("uses")) {
                assertThat(step.get("uses").asText()).matches("actions/(checkout|setup-java|cache|upload-artifact)@v4");
            }
        }
        assertThat(steps.findValuesAsText("run")).anyMatch(run -> run.contains("mvn -B verify"));
        assertThat(steps.findValues("path").stream().map(JsonNode::asText)).contains(".osrun/windows11.tar.zst");
        assertThat(workflow.path("jobs").path("test").path("env").path("OSRUN_CACHE_ARCHIVE").asText())
                .endsWith(".osrun/windows11.tar.zst");
    }

    @Test
    void theGitlabJobHasTheShapeGitlabReads() throws IOException {
        JsonNode job = YAML.readTree(GITLAB.toFile()).path("windows-tests");

        assertThat(job.path("image").asText()).contains("maven");
        assertThat(job.path("services").get(0).path("name").asText()).startsWith("docker:").endsWith("-dind");
        assertThat(job.path("script").isArray()).isTrue();
        assertThat(job.path("script").get(0).asText()).isEqualTo("mvn -B verify");
        assertThat(job.path("variables").path("DOCKER_HOST").asText()).startsWith("tcp://");
        assertThat(job.path("cache").get(0).path("paths").get(0).asText()).isEqualTo(".osrun/");
        assertThat(job.path("variables").path("OSRUN_CACHE_ARCHIVE").asText()).endsWith(".osrun/windows11.tar.zst");
    }

    @Test
    void theRecipesNameOnlyCommandsThatExist() throws IOException {
        List<String> lines = new ArrayList<>();
        YAML.readTree(GITHUB.toFile()).path("jobs").path("test").path("steps")
                .findValuesAsText("run").forEach(run -> lines.addAll(run.lines().toList()));
        YAML.readTree(GITLAB.toFile()).path("windows-tests").path("script").forEach(line -> lines.add(line.asText()));

        assertThat(lines).isNotEmpty();
        for (String line : lines) {
            for (String command : line.split("\\||&&|\\$\\(")) {
                String word = command.strip().split("\\s+")[0];
                if (word.isEmpty() || word.startsWith("\"") || word.contains("=")) {
                    continue;
                }
                assertThat(BUILTINS.contains(word) || onPath(word))
                        .as("'%s' (in: %s) is a shell builtin or a program of a Debian/Ubuntu runner", word, line).isTrue();
            }
        }
    }

    @Test
    void theRecipesSetOnlyVariablesOsrunReads() throws IOException {
        for (Path recipe : List.of(GITHUB, GITLAB)) {
            Matcher matcher = OSRUN_VARIABLE.matcher(Files.readString(recipe));
            while (matcher.find()) {
                assertThat(OSRUN_VARIABLES).as("%s names %s", recipe, matcher.group()).contains(matcher.group());
            }
        }
    }

    private static boolean onPath(String program) {
        if (RUNNER_PROGRAMS.contains(program)) {
            return true;
        }
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }
}
