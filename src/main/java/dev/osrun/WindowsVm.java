package dev.osrun;

/** A VM that runs Windows. Shell lines run in {@code cmd.exe}; {@link #powershell} runs PowerShell scripts. */
public interface WindowsVm extends Vm {

    /**
     * Runs a PowerShell script. It travels base64-encoded ({@code -EncodedCommand}), so it needs no quoting.
     *
     * @throws ExecTimeoutException when the script outlives {@code options.timeout()}
     */
    ExecResult powershell(String script, ExecOptions options);

    /** Runs a PowerShell script with default options. */
    default ExecResult powershell(String script) {
        return powershell(script, ExecOptions.defaults());
    }
}
