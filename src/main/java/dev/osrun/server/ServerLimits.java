package dev.osrun.server;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What one client may hold or send to the control API. Every limit has a default that fits test workloads and an
 * environment variable that changes it (read by {@link #fromEnvironment()}, which serve mode uses); a request
 * beyond a size limit is answered 413 naming the limit and its variable.
 *
 * @param maxConnections   connections served at once (beyond it: 503, but {@code /v1/health} is still answered)
 * @param headerTimeout    how long a client may take to send its request line and headers
 * @param bodyIdleTimeout  how long a request body may stall (no byte arriving) before the request fails (408)
 * @param writeTimeout     how long the server waits for a client that does not read its response; then the
 *                         connection is closed and a running exec is killed
 * @param vmWait           how long a request waits for the VM while another request uses it (then 409)
 * @param maxJsonBytes     the largest JSON request body (an exec with base64 {@code stdin} included)
 * @param maxStdinBytes    the most stdin bytes one exec may send in the streamed form
 * @param maxUploadBytes   the largest {@code PUT /v1/files} body (a file, or a zip archive)
 * @param maxUnzippedBytes the most bytes a zip upload may extract to
 * @param maxZipEntries    the most entries a zip upload may hold
 * @param maxExecTimeout   the largest {@code timeoutMs} an exec may ask for
 */
public record ServerLimits(int maxConnections, Duration headerTimeout, Duration bodyIdleTimeout, Duration writeTimeout,
                           Duration vmWait, long maxJsonBytes, long maxStdinBytes, long maxUploadBytes,
                           long maxUnzippedBytes, int maxZipEntries, Duration maxExecTimeout) {

    /** Environment variable of {@link #maxConnections}. */
    public static final String MAX_CONNECTIONS_ENV = "OSRUN_MAX_CONNECTIONS";
    /** Environment variable of {@link #headerTimeout}, in milliseconds. */
    public static final String HEADER_TIMEOUT_ENV = "OSRUN_HEADER_TIMEOUT_MS";
    /** Environment variable of {@link #bodyIdleTimeout}, in milliseconds. */
    public static final String BODY_TIMEOUT_ENV = "OSRUN_BODY_TIMEOUT_MS";
    /** Environment variable of {@link #writeTimeout}, in milliseconds. */
    public static final String WRITE_TIMEOUT_ENV = "OSRUN_WRITE_TIMEOUT_MS";
    /** Environment variable of {@link #vmWait}, in milliseconds. */
    public static final String VM_WAIT_ENV = "OSRUN_VM_WAIT_MS";
    /** Environment variable of {@link #maxJsonBytes}. */
    public static final String MAX_JSON_ENV = "OSRUN_MAX_JSON_BYTES";
    /** Environment variable of {@link #maxStdinBytes}. */
    public static final String MAX_STDIN_ENV = "OSRUN_MAX_STDIN_BYTES";
    /** Environment variable of {@link #maxUploadBytes}. */
    public static final String MAX_UPLOAD_ENV = "OSRUN_MAX_UPLOAD_BYTES";
    /** Environment variable of {@link #maxUnzippedBytes}. */
    public static final String MAX_UNZIPPED_ENV = "OSRUN_MAX_UNZIPPED_BYTES";
    /** Environment variable of {@link #maxZipEntries}. */
    public static final String MAX_ZIP_ENTRIES_ENV = "OSRUN_MAX_ZIP_ENTRIES";
    /** Environment variable of {@link #maxExecTimeout}, in milliseconds. */
    public static final String MAX_EXEC_TIMEOUT_ENV = "OSRUN_MAX_EXEC_TIMEOUT_MS";

    private static final long MIB = 1024 * 1024;
    private static final long GIB = 1024 * MIB;
    private static final ServerLimits DEFAULTS = new ServerLimits(64, Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofSeconds(30), Duration.ofSeconds(60), 16 * MIB, 64 * MIB, 4 * GIB, 4 * GIB, 100_000,
            Duration.ofHours(6));

    /** Checks that every limit is positive. */
    public ServerLimits {
        require(maxConnections > 0, "maxConnections", maxConnections);
        for (Duration d : new Duration[] {headerTimeout, bodyIdleTimeout, writeTimeout, vmWait, maxExecTimeout}) {
            Objects.requireNonNull(d, "timeouts");
            require(!d.isNegative() && !d.isZero(), "timeouts", d);
        }
        require(maxJsonBytes > 0, "maxJsonBytes", maxJsonBytes);
        require(maxStdinBytes > 0 && maxStdinBytes < Integer.MAX_VALUE - 8, "maxStdinBytes (below 2 GiB)", maxStdinBytes);
        require(maxUploadBytes > 0, "maxUploadBytes", maxUploadBytes);
        require(maxUnzippedBytes > 0, "maxUnzippedBytes", maxUnzippedBytes);
        require(maxZipEntries > 0, "maxZipEntries", maxZipEntries);
    }

    private static void require(boolean ok, String what, Object value) {
        if (!ok) {
            throw new IllegalArgumentException("The control API's " + what + " must be positive; it is " + value);
        }
    }

    /** The defaults: 64 connections, 10 s for headers, 30 s body and write stalls, 60 s for the VM, 16 MiB JSON,
     *  64 MiB stdin, 4 GiB uploads and unzipped trees, 100 000 zip entries, 6 h exec timeouts. */
    public static ServerLimits defaults() {
        return DEFAULTS;
    }

    /** The defaults, changed by the {@code OSRUN_MAX_*} and {@code OSRUN_*_MS} variables that are set. */
    public static ServerLimits fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * The defaults, changed by those of the variables in {@code env} that are set.
     *
     * @throws IllegalArgumentException naming the variable when a value is not a positive whole number
     */
    public static ServerLimits fromEnvironment(Map<String, String> env) {
        ServerLimits d = DEFAULTS;
        return new ServerLimits(
                (int) number(env, MAX_CONNECTIONS_ENV, d.maxConnections, Integer.MAX_VALUE),
                millis(env, HEADER_TIMEOUT_ENV, d.headerTimeout),
                millis(env, BODY_TIMEOUT_ENV, d.bodyIdleTimeout),
                millis(env, WRITE_TIMEOUT_ENV, d.writeTimeout),
                millis(env, VM_WAIT_ENV, d.vmWait),
                number(env, MAX_JSON_ENV, d.maxJsonBytes, Long.MAX_VALUE),
                number(env, MAX_STDIN_ENV, d.maxStdinBytes, Integer.MAX_VALUE - 9),
                number(env, MAX_UPLOAD_ENV, d.maxUploadBytes, Long.MAX_VALUE),
                number(env, MAX_UNZIPPED_ENV, d.maxUnzippedBytes, Long.MAX_VALUE),
                (int) number(env, MAX_ZIP_ENTRIES_ENV, d.maxZipEntries, Integer.MAX_VALUE),
                millis(env, MAX_EXEC_TIMEOUT_ENV, d.maxExecTimeout));
    }

    private static Duration millis(Map<String, String> env, String name, Duration fallback) {
        return Duration.ofMillis(number(env, name, fallback.toMillis(), Long.MAX_VALUE));
    }

    private static long number(Map<String, String> env, String name, long fallback, long max) {
        String text = env.get(name);
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            long value = Long.parseLong(text.strip().replace("_", ""));
            if (value > 0 && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a positive whole number (at most " + max + "); it is '" + text
                + "'. Unset it to use the default, " + fallback + ".");
    }

    /** A copy with this connection limit. */
    public ServerLimits withMaxConnections(int value) {
        return new ServerLimits(value, headerTimeout, bodyIdleTimeout, writeTimeout, vmWait, maxJsonBytes, maxStdinBytes,
                maxUploadBytes, maxUnzippedBytes, maxZipEntries, maxExecTimeout);
    }

    /** A copy with these header, body-stall and write timeouts. */
    public ServerLimits withTimeouts(Duration header, Duration bodyIdle, Duration write) {
        return new ServerLimits(maxConnections, header, bodyIdle, write, vmWait, maxJsonBytes, maxStdinBytes,
                maxUploadBytes, maxUnzippedBytes, maxZipEntries, maxExecTimeout);
    }

    /** A copy with this wait for a busy VM. */
    public ServerLimits withVmWait(Duration value) {
        return new ServerLimits(maxConnections, headerTimeout, bodyIdleTimeout, writeTimeout, value, maxJsonBytes,
                maxStdinBytes, maxUploadBytes, maxUnzippedBytes, maxZipEntries, maxExecTimeout);
    }

    /** A copy with these JSON, stdin, upload, unzipped and zip-entry limits. */
    public ServerLimits withSizes(long json, long stdin, long upload, long unzipped, int zipEntries) {
        return new ServerLimits(maxConnections, headerTimeout, bodyIdleTimeout, writeTimeout, vmWait, json, stdin,
                upload, unzipped, zipEntries, maxExecTimeout);
    }

    /** A copy with this largest exec timeout. */
    public ServerLimits withMaxExecTimeout(Duration value) {
        return new ServerLimits(maxConnections, headerTimeout, bodyIdleTimeout, writeTimeout, vmWait, maxJsonBytes,
                maxStdinBytes, maxUploadBytes, maxUnzippedBytes, maxZipEntries, value);
    }
}
