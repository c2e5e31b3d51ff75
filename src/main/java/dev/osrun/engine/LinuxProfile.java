package dev.osrun.engine;

import dev.osrun.GuestOs;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Linux guests (the tiny guest): {@code /bin/sh -c} for shell lines; each command runs in its own process group
 * ({@code setsid}) so that a timeout can kill the whole tree; the share is mounted at {@code /mnt/qemu}.
 */
public final class LinuxProfile implements GuestProfile {

    /** Where the guest mounts the share. */
    public static final String SHARE_MOUNT = "/mnt/qemu";

    /** The environment a command gets when the caller adds variables (guest-exec replaces the whole environment). */
    static final List<String> BASE_ENVIRONMENT =
            List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8");

    /*
     * Runs "$@" after pointing stdin/stdout/stderr at the job's files (when a job directory is given) and changing
     * to the working directory (when given). The arguments travel as positional parameters, never inside the
     * script, so nothing the user wrote is ever parsed by a shell it did not ask for.
     */
    private static final String WRAPPER = String.join("\n",
            "d=$1 w=$2; shift 2",
            // Opened from inside the job directory: one path lookup over SMB instead of three.
            "if [ -n \"$d\" ]; then o=$PWD; cd -- \"$d\" && exec <in >out 2>err && cd -- \"$o\" || exit 125; fi",
            "if [ -n \"$w\" ]; then cd -- \"$w\" || exit 126; fi",
            "exec setsid \"$@\"");

    @Override
    public GuestOs os() {
        return GuestOs.LINUX;
    }

    @Override
    public AgentExec build(Command command, Map<String, String> environment, Optional<String> workingDirectory,
                           Optional<String> jobDir) {
        List<String> argv;
        if (command instanceof Command.Argv a) {
            argv = a.argv();
        } else if (command instanceof Command.Shell s) {
            argv = List.of("/bin/sh", "-c", s.line());
        } else {
            throw new IllegalArgumentException("PowerShell is not supported on Linux guests. Use shell() or exec() instead.");
        }
        List<String> args = new ArrayList<>(List.of("-c", WRAPPER, "osrun-exec", jobDir.orElse(""), workingDirectory.orElse("")));
        args.addAll(argv);
        return new AgentExec("/bin/sh", args, environment(environment));
    }

    private static List<String> environment(Map<String, String> extra) {
        if (extra.isEmpty()) {
            return null;
        }
        List<String> env = new ArrayList<>(BASE_ENVIRONMENT);
        extra.forEach((name, value) -> {
            env.removeIf(entry -> entry.startsWith(name + "="));
            env.add(name + "=" + value);
        });
        return env;
    }

    @Override
    public String sharePath(String relative) {
        return SHARE_MOUNT + "/" + relative;
    }

    @Override
    public AgentExec killTree(long pid) {
        return new AgentExec("/bin/sh", List.of("-c",
                "kill -KILL -- -\"$1\" 2>/dev/null; kill -KILL \"$1\" 2>/dev/null; true", "osrun-kill", Long.toString(pid)), null);
    }

    @Override
    public AgentExec copy(String from, String to) {
        return new AgentExec("/bin/sh", List.of("-c",
                "mkdir -p -- \"$(dirname -- \"$2\")\" && cp -R -- \"$1\" \"$2\"", "osrun-copy", from, to), null);
    }

    @Override
    public Optional<AgentExec> mountShare() {
        return Optional.of(new AgentExec("/sbin/osrun-mount-share", List.of(), null));
    }

    @Override
    public Optional<AgentExec> unmountShare() {
        return Optional.of(new AgentExec("/sbin/osrun-umount-share", List.of(), null));
    }

    @Override
    public Optional<AgentExec> remountShare() {
        return Optional.of(new AgentExec("/bin/sh",
                List.of("-c", "/sbin/osrun-umount-share; exec /sbin/osrun-mount-share"), null));
    }

    @Override
    public Charset charset() {
        return StandardCharsets.UTF_8;
    }
}
