package dev.osrun;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * How to run a guest command: its stdin, extra environment, working directory, timeout and where to stream its
 * output while it runs. Immutable; each {@code withXxx} returns a changed copy.
 *
 * <pre>{@code
 * vm.exec(List.of("sort"), ExecOptions.defaults().withStdin("b\na\n").withTimeout(Duration.ofSeconds(10)));
 * }</pre>
 */
public final class ExecOptions {

    /** The timeout used when none is given: ten minutes. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

    /** How many characters of each stream an {@link ExecResult} keeps when no limit is given: 16 Mi. */
    public static final int DEFAULT_OUTPUT_LIMIT = 16 * 1024 * 1024;

    private static final Consumer<String> IGNORE = s -> { };
    private static final BooleanSupplier NEVER = () -> false;
    private static final ExecOptions DEFAULTS =
            new ExecOptions(new byte[0], Map.of(), null, DEFAULT_TIMEOUT, IGNORE, IGNORE, DEFAULT_OUTPUT_LIMIT, NEVER);

    private final byte[] stdin;
    private final Map<String, String> environment;
    private final String workingDirectory;
    private final Duration timeout;
    private final Consumer<String> stdoutConsumer;
    private final Consumer<String> stderrConsumer;
    private final int outputLimit;
    private final BooleanSupplier cancellation;

    private ExecOptions(byte[] stdin, Map<String, String> environment, String workingDirectory, Duration timeout,
                        Consumer<String> stdoutConsumer, Consumer<String> stderrConsumer, int outputLimit,
                        BooleanSupplier cancellation) {
        this.stdin = stdin;
        this.environment = environment;
        this.workingDirectory = workingDirectory;
        this.timeout = timeout;
        this.stdoutConsumer = stdoutConsumer;
        this.stderrConsumer = stderrConsumer;
        this.outputLimit = outputLimit;
        this.cancellation = cancellation;
    }

    /** Options with empty stdin, no extra environment, the guest's default directory and a ten-minute timeout. */
    public static ExecOptions defaults() {
        return DEFAULTS;
    }

    /** Returns a copy whose command reads these bytes on stdin. */
    public ExecOptions withStdin(byte[] bytes) {
        return new ExecOptions(bytes.clone(), environment, workingDirectory, timeout, stdoutConsumer, stderrConsumer, outputLimit, cancellation);
    }

    /** Returns a copy whose command reads this text, encoded as UTF-8, on stdin. */
    public ExecOptions withStdin(String text) {
        return withStdin(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Returns a copy that adds {@code name=value} to the command's environment. */
    public ExecOptions withEnv(String name, String value) {
        if (name.isEmpty() || name.indexOf('=') >= 0) {
            throw new IllegalArgumentException("An environment variable's name must be non-empty and hold no '=': '" + name + "'");
        }
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put(name, Objects.requireNonNull(value, "value"));
        return new ExecOptions(stdin, Map.copyOf(env), workingDirectory, timeout, stdoutConsumer, stderrConsumer, outputLimit, cancellation);
    }

    /** Returns a copy whose command starts in this guest directory. */
    public ExecOptions withWorkingDirectory(String guestDirectory) {
        return new ExecOptions(stdin, environment, Objects.requireNonNull(guestDirectory), timeout, stdoutConsumer,
                stderrConsumer, outputLimit, cancellation);
    }

    /** Returns a copy with this timeout; when it expires the command's process tree is killed in the guest. */
    public ExecOptions withTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("The timeout must be positive, was " + timeout);
        }
        return new ExecOptions(stdin, environment, workingDirectory, timeout, stdoutConsumer, stderrConsumer, outputLimit, cancellation);
    }

    /** Returns a copy that hands stdout to {@code consumer} in pieces as the command writes it. */
    public ExecOptions withStdoutConsumer(Consumer<String> consumer) {
        return new ExecOptions(stdin, environment, workingDirectory, timeout, Objects.requireNonNull(consumer),
                stderrConsumer, outputLimit, cancellation);
    }

    /** Returns a copy that hands stderr to {@code consumer} in pieces as the command writes it. */
    public ExecOptions withStderrConsumer(Consumer<String> consumer) {
        return new ExecOptions(stdin, environment, workingDirectory, timeout, stdoutConsumer,
                Objects.requireNonNull(consumer), outputLimit, cancellation);
    }

    /**
     * Returns a copy whose {@link ExecResult} keeps at most the last {@code characters} of each stream (default
     * {@link #DEFAULT_OUTPUT_LIMIT}); the consumers still see all of it.
     */
    public ExecOptions withOutputLimit(int characters) {
        if (characters < 0) {
            throw new IllegalArgumentException("The output limit must not be negative, was " + characters);
        }
        return new ExecOptions(stdin, environment, workingDirectory, timeout, stdoutConsumer, stderrConsumer, characters, cancellation);
    }

    /**
     * Returns a copy whose command is asked, while it runs, whether to stop: once {@code cancelled} answers true
     * (it is polled every few milliseconds, so it must be cheap) the command's process tree is killed in the
     * guest and the call throws {@link ExecCancelledException}. For a server whose client went away, say.
     */
    public ExecOptions withCancellation(BooleanSupplier cancelled) {
        return new ExecOptions(stdin, environment, workingDirectory, timeout, stdoutConsumer, stderrConsumer, outputLimit,
                Objects.requireNonNull(cancelled, "cancelled"));
    }

    /** Whether the command was asked to stop (see {@link #withCancellation}). */
    public boolean cancelled() {
        return cancellation.getAsBoolean();
    }

    /** The bytes the command reads on stdin (a copy). */
    public byte[] stdin() {
        return stdin.clone();
    }

    /** The variables added to the command's environment. */
    public Map<String, String> environment() {
        return environment;
    }

    /** The guest directory the command starts in, if one was set. */
    public Optional<String> workingDirectory() {
        return Optional.ofNullable(workingDirectory);
    }

    /** How long the command may run. */
    public Duration timeout() {
        return timeout;
    }

    /** Where stdout goes while the command runs. */
    public Consumer<String> stdoutConsumer() {
        return stdoutConsumer;
    }

    /** Where stderr goes while the command runs. */
    public Consumer<String> stderrConsumer() {
        return stderrConsumer;
    }

    /** How many characters of each stream the result keeps at most. */
    public int outputLimit() {
        return outputLimit;
    }
}
