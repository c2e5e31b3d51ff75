package dev.osrun.qga;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A process to start in the guest with {@code guest-exec}. The agent starts {@code path} directly, without a
 * shell; pass a shell as the path to run a command line. The input array is not copied: do not change it after
 * passing it.
 *
 * @param path          the program to run, as the guest resolves it (e.g. {@code /bin/sh} or {@code cmd.exe})
 * @param args          its arguments, without the program itself; never {@code null}
 * @param env           environment entries {@code NAME=value}, or {@code null} to use the agent's environment
 * @param inputData     bytes fed to the process's standard input, or {@code null} for none
 * @param captureOutput whether the agent keeps stdout and stderr for {@code guest-exec-status} (capped at 16 MiB)
 */
public record GuestExecRequest(String path, List<String> args, List<String> env, byte[] inputData,
        boolean captureOutput) {

    /**
     * Creates a request; {@code null} arguments become an empty list.
     *
     * @param path          the program to run
     * @param args          its arguments, or {@code null} for none
     * @param env           environment entries, or {@code null} to use the agent's environment
     * @param inputData     bytes for standard input, or {@code null}
     * @param captureOutput whether to capture stdout and stderr
     * @throws NullPointerException when {@code path} is {@code null}
     */
    public GuestExecRequest {
        Objects.requireNonNull(path, "path");
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? null : List.copyOf(env);
    }

    /**
     * Creates a request that captures the output, with no environment and no input.
     *
     * @param path the program to run
     * @param args its arguments
     * @return the request
     */
    public static GuestExecRequest capturing(String path, String... args) {
        return new GuestExecRequest(path, List.of(args), null, null, true);
    }

    /**
     * Returns a copy of this request that feeds {@code input} to the process's standard input.
     *
     * @param input the bytes to feed
     * @return the new request
     */
    public GuestExecRequest withInput(byte[] input) {
        return new GuestExecRequest(path, args, env, input, captureOutput);
    }

    /**
     * Returns a copy of this request with the given environment.
     *
     * @param environment entries {@code NAME=value}
     * @return the new request
     */
    public GuestExecRequest withEnv(List<String> environment) {
        return new GuestExecRequest(path, args, environment, inputData, captureOutput);
    }

    /** Compares all components, the input by content. */
    @Override
    public boolean equals(Object other) {
        return other instanceof GuestExecRequest that && captureOutput == that.captureOutput
                && path.equals(that.path) && args.equals(that.args) && Objects.equals(env, that.env)
                && Arrays.equals(inputData, that.inputData);
    }

    /** Hashes all components, the input by content. */
    @Override
    public int hashCode() {
        return Objects.hash(path, args, env, Arrays.hashCode(inputData), captureOutput);
    }

    /** Describes the request without the environment's values or the input's content, which may be secret. */
    @Override
    public String toString() {
        return "GuestExecRequest[path=" + path + ", args=" + args
                + ", env=" + (env == null ? "inherited" : env.size() + " entries")
                + ", inputData=" + (inputData == null ? "none" : inputData.length + " bytes")
                + ", captureOutput=" + captureOutput + "]";
    }
}
