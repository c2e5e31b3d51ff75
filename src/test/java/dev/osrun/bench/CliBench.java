package dev.osrun.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code bin/bench cli}: the whole command as a user runs it: {@code docker run --rm -v VOL:/cache IMAGE --guest tiny
 * true} (warm cache; the seed's "2-3 seconds for dir" measures this), against {@code POST /v1/exec} of {@code true}
 * to a running {@code serve} container, and the local {@code java -jar osrun-cli.jar --guest tiny true}. Writes
 * {@code target/bench/results-cli.json}, {@code results-cli.md} and {@code machine.json}.
 *
 * <p>Arguments: IMAGE VOLUME JAR [OUTDIR]. The local jar run uses the environment's {@code OSRUN_CACHE},
 * {@code OSRUN_TINY_DIR} and {@code OSRUN_ACCEL}; the containers get {@code OSRUN_ACCEL} (default tcg).
 */
public final class CliBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);

    private final Results results = new Results();
    private final String image;
    private final String volume;
    private final Path jar;
    private final String accel = System.getenv().getOrDefault("OSRUN_ACCEL", "tcg");

    private CliBench(String image, String volume, Path jar) {
        this.image = image;
        this.volume = volume;
        this.jar = jar;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: CliBench IMAGE VOLUME JAR [OUTDIR]");
            System.exit(2);
        }
        Path out = Path.of(args.length > 3 ? args[3] : "target/bench");
        CliBench bench = new CliBench(args[0], args[1], Path.of(args[2]));
        bench.run();
        PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        stdout.println();
        stdout.println("osrun CLI benchmark (" + bench.image + ", volume " + bench.volume + ", accel " + bench.accel + ")");
        bench.results.printTable(stdout);
        bench.results.writeJson(out.resolve("results-cli.json"));
        try (PrintStream md = new PrintStream(Files.newOutputStream(out.resolve("results-cli.md")), true, StandardCharsets.UTF_8)) {
            bench.results.printMarkdown(md);
        }
        Bench.writeMachine(Bench.machine(bench.accel), out.resolve("machine.json"));
        stdout.println("\nwrote " + out.resolve("results-cli.json") + ", results-cli.md, machine.json");
        System.exit(0);
    }

    private void run() {
        List<String> dockerRun = List.of("docker", "run", "--rm", "-v", volume + ":/cache", "-e", "OSRUN_ACCEL=" + accel,
                image, "--guest", "tiny", "true");
        long t0 = System.nanoTime();
        runOk(dockerRun, Map.of());
        Bench.progress("warm-up run (provisions the volume if it is new): " + (System.nanoTime() - t0) / 1_000_000 + " ms");

        int n = Bench.n("cli", 5);
        results.time(results.metric("cli_docker_run_true",
                "docker run --rm -v VOL:/cache IMAGE --guest tiny true (warm cache), end to end"), 0, n,
                () -> runOk(dockerRun, Map.of()));
        results.time(results.metric("docker_run_floor",
                "docker run --rm --entrypoint /bin/true IMAGE (container start and removal only)"), 1, n,
                () -> runOk(List.of("docker", "run", "--rm", "--entrypoint", "/bin/true", image), Map.of()));
        results.time(results.metric("docker_run_jvm_help",
                "docker run --rm IMAGE --help (container + JVM start, no VM)"), 0, Bench.n("help", 3),
                () -> runOk(List.of("docker", "run", "--rm", image, "--help"), Map.of()));

        serve();

        if (Files.isRegularFile(jar)) {
            List<String> local = List.of("java", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(), "--guest", "tiny", "true");
            results.time(results.metric("cli_local_jar_true",
                    "java -jar osrun-cli.jar --guest tiny true on the host (warm cache), end to end"), 1, n,
                    () -> runOk(local, Map.of()));
            results.time(results.metric("local_jvm_help", "java -jar osrun-cli.jar --help (JVM start, no VM)"), 1,
                    Bench.n("help", 3), () -> runOk(List.of("java", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(), "--help"), Map.of()));
        } else {
            Bench.progress("no jar at " + jar + ": skipping the local CLI runs");
        }
    }

    /** Starts a serve container on the same volume, waits for health, then times exec requests. */
    private void serve() {
        String name = "osrun-bench-serve-" + UUID.randomUUID().toString().substring(0, 8);
        String token = UUID.randomUUID().toString();
        long t0 = System.nanoTime();
        runOk(List.of("docker", "run", "-d", "--name", name, "-e", "OSRUN_TOKEN=" + token, "-e", "OSRUN_ACCEL=" + accel,
                "-p", "127.0.0.1::5460", "-v", volume + ":/cache", image, "serve", "--guest", "tiny"), Map.of());
        try {
            String mapped = runOk(List.of("docker", "port", name, "5460/tcp"), Map.of()).lines().findFirst().orElseThrow();
            URI base = URI.create("http://" + mapped.strip());
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            awaitHealth(http, base, token, Duration.ofMinutes(5), name);
            Samples ready = results.metric("serve_container_ready",
                    "docker run -d IMAGE serve --guest tiny until GET /v1/health answers 200");
            ready.add(System.nanoTime() - t0);
            Bench.progress("serve container ready in " + Results.format(ready.percentile(50)) + " ms");

            int n = Bench.n("exec", 50);
            results.time(results.metric("serve_exec_true", "POST /v1/exec {\"argv\":[\"true\"]} to the running serve "
                    + "container, until the exit frame (keep-alive HTTP/1.1)"), 5, n,
                    () -> exec(http, base, token, "{\"argv\":[\"true\"]}"));
            results.time(results.metric("serve_exec_shell_true", "POST /v1/exec {\"shell\":\"true\"} to the serve container"),
                    2, n, () -> exec(http, base, token, "{\"shell\":\"true\"}"));
            results.time(results.metric("serve_health", "GET /v1/health (HTTP + auth + shell(\"exit 0\") in the guest)"), 5, n,
                    () -> health(http, base, token));
        } finally {
            run(List.of("docker", "rm", "-f", name), Map.of());
        }
    }

    private static void exec(HttpClient http, URI base, String token, String body) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/exec")).timeout(Duration.ofMinutes(1))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response = send(http, request);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("exec answered " + response.statusCode() + ": " + response.body());
        }
        List<String> lines = response.body().lines().toList();
        JsonNode last;
        try {
            last = JSON.readTree(lines.get(lines.size() - 1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (last.path("exit").asInt(-1) != 0) {
            throw new IllegalStateException("Expected an exit frame with 0 but got " + response.body());
        }
    }

    private static int health(HttpClient http, URI base, String token) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/health")).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).GET().build();
        return send(http, request).statusCode();
    }

    private void awaitHealth(HttpClient http, URI base, String token, Duration timeout, String container) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last = -1;
        String error = "";
        while (System.nanoTime() < deadline) {
            try {
                last = health(http, base, token);
                if (last == 200) {
                    return;
                }
            } catch (RuntimeException e) {
                error = e.toString();
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        throw new IllegalStateException("The serve container did not answer GET /v1/health with 200 within " + timeout
                + " (last status " + last + ", " + error + "). Its log:\n" + run(List.of("docker", "logs", "--tail", "40", container), Map.of()).output);
    }

    private static HttpResponse<String> send(HttpClient http, HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private record Outcome(int exitCode, String output) {
    }

    private static String runOk(List<String> argv, Map<String, String> env) {
        Outcome outcome = run(argv, env);
        if (outcome.exitCode != 0) {
            throw new IllegalStateException(String.join(" ", argv) + " exited with " + outcome.exitCode + ":\n" + outcome.output);
        }
        return outcome.output;
    }

    private static Outcome run(List<String> argv, Map<String, String> env) {
        try {
            ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(argv)).redirectErrorStream(true);
            builder.environment().putAll(new HashMap<>(env));
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", argv) + " did not finish within " + RUN_TIMEOUT);
            }
            return new Outcome(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + argv.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
