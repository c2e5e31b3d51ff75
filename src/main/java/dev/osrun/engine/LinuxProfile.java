package dev.osrun.engine;

import dev.osrun.GuestOs;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Linux guests (the tiny guest): {@code /bin/sh} runs every command, with its stdout and stderr on files in the
 * tmpfs {@link #EXEC_DIR}; shell lines are evaluated by that same shell (one process start fewer than
 * {@code sh -c}), programs replace it ({@code exec}). Every process of a command carries {@code OSRUN_EXEC_ID} in
 * its environment, by which a timeout finds and kills the whole tree, orphans included. The share is mounted at
 * {@code /mnt/qemu}.
 */
public final class LinuxProfile implements GuestProfile {

    /** Where the guest mounts the share. */
    public static final String SHARE_MOUNT = "/mnt/qemu";

    /** The tmpfs directory of the commands' output files (created by the first command that needs it). */
    public static final String EXEC_DIR = "/run/osrun";

    /** The environment variable that marks every process of one command. */
    public static final String EXEC_ID_VARIABLE = "OSRUN_EXEC_ID";

    /** The environment a command gets (guest-exec replaces the whole environment), before the caller's variables. */
    static final List<String> BASE_ENVIRONMENT =
            List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8");

    /*
     * The command runs inside this shell: a shell line is evaluated by it, a program is its child (busybox applets
     * such as true or echo run inside it). Afterwards, a command that succeeded without a word on stderr ends the
     * shell by a signal that says whether stdout is empty, so that the engine need not open files it would find
     * empty (each agent file call costs about as much as a guest-exec-status); any other ending (a failure, a
     * line that calls exit or exec, a trap of its own) leaves the engine to read both files. Nothing holds the
     * agent's pipes: stdout and stderr are redirected for good before the command starts.
     *
     * $1 the output file prefix, $2 the stdin file (or empty), $3 the working directory (or empty), $4 files to
     * delete (space-separated paths the engine made, free of blanks and glob characters; or empty), $5 "s" for a
     * shell line in $6, else the program and its arguments follow. The user's words travel as positional
     * parameters, never inside the script, so nothing is parsed by a shell that the user did not ask for. Deleting
     * costs a process, so it runs in the background and only when there is something to delete.
     */
    private static final String WRAPPER = String.join("\n",
            "osrun_p=$1 osrun_i=$2 osrun_w=$3 osrun_r=$4 osrun_m=$5; shift 5",
            "[ -d \"${osrun_p%/*}\" ] || mkdir -p -- \"${osrun_p%/*}\" || exit 125",
            // Not "[ -z ] || rm &": the & would fork the whole list, test included, for every command.
            "if [ -n \"$osrun_r\" ]; then rm -f -- $osrun_r </dev/null >/dev/null 2>&1 & fi",
            "exec >\"$osrun_p.out\" 2>\"$osrun_p.err\" || exit 125",
            "if [ -n \"$osrun_i\" ]; then exec <\"$osrun_i\" || exit 125; fi",
            "if [ -n \"$osrun_w\" ]; then cd -- \"$osrun_w\" || exit 126; fi",
            "if [ \"$osrun_m\" = s ]; then osrun_l=$1; shift; unset osrun_i osrun_w osrun_r osrun_m; eval \"$osrun_l\"",
            "else unset osrun_i osrun_w osrun_r osrun_m; \"$@\"; fi",
            "osrun_r=$?",
            "if [ $osrun_r -eq 0 ] && [ ! -s \"$osrun_p.err\" ]; then",
            "  if [ -s \"$osrun_p.out\" ]; then kill -s USR1 $$; else kill -s USR2 $$; fi",
            "fi; exit $osrun_r");

    /** How the wrapper says "exit code 0, nothing on stderr, something on stdout": it ends by SIGUSR1. */
    static final int SIGNAL_STDOUT_ONLY = 10;
    /** How the wrapper says "exit code 0, no output at all": it ends by SIGUSR2. */
    static final int SIGNAL_NO_OUTPUT = 12;

    /*
     * Kills the launcher, then, until none is left (at most 20 rounds, for processes forked meanwhile), every
     * process whose environment holds the command's id: children, grandchildren and orphans alike.
     */
    private static final String KILL = String.join("\n",
            "kill -KILL \"$1\" 2>/dev/null; n=0",
            // -z: an environ file is NUL-separated (-F alone would stop at its first NUL). grep's status is 2 when a
            // process vanished between the glob and the read: only its output counts.
            "while [ $n -lt 20 ]; do p=$(grep -l -z -x -F \"$2=$3\" /proc/[0-9]*/environ 2>/dev/null); [ -n \"$p\" ] || break",
            "  for f in $p; do f=${f#/proc/}; kill -KILL \"${f%/environ}\" 2>/dev/null; done; n=$((n + 1))",
            "done; true");

    @Override
    public GuestOs os() {
        return GuestOs.LINUX;
    }

    @Override
    public AgentExec build(Command command, Map<String, String> environment, Optional<String> workingDirectory,
                           ExecFiles files) {
        String prefix = files.stdout().substring(0, files.stdout().length() - ".out".length());
        if (!files.stderr().equals(prefix + ".err")) {
            throw new IllegalArgumentException("stdout and stderr must share a prefix: " + files);
        }
        List<String> args = new ArrayList<>(List.of("-c", WRAPPER, "osrun-exec", prefix, files.stdin().orElse(""),
                workingDirectory.orElse(""), String.join(" ", files.remove())));
        if (command instanceof Command.Argv a) {
            args.add("a");
            args.addAll(a.argv());
        } else if (command instanceof Command.Shell s) {
            args.add("s");
            args.add(s.line());
        } else {
            throw new IllegalArgumentException("PowerShell is not supported on Linux guests. Use shell() or exec() instead.");
        }
        return new AgentExec("/bin/sh", args, environment(environment, files.id()));
    }

    private static List<String> environment(Map<String, String> extra, String execId) {
        List<String> env = new ArrayList<>(BASE_ENVIRONMENT);
        extra.forEach((name, value) -> {
            env.removeIf(entry -> entry.startsWith(name + "="));
            env.add(name + "=" + value);
        });
        env.removeIf(entry -> entry.startsWith(EXEC_ID_VARIABLE + "="));
        env.add(EXEC_ID_VARIABLE + "=" + execId);
        return env;
    }

    @Override
    public OutputHint outputHint(Integer exitCode, Integer signal) {
        if (exitCode == null && signal != null && signal == SIGNAL_NO_OUTPUT) {
            return OutputHint.NONE;
        }
        if (exitCode == null && signal != null && signal == SIGNAL_STDOUT_ONLY) {
            return OutputHint.STDOUT_ONLY;
        }
        return OutputHint.UNKNOWN;
    }

    @Override
    public String execFilePrefix(String id) {
        return EXEC_DIR + "/" + id;
    }

    /** Sixteen: deleting costs the guest a process start, so one in sixteen commands pays for it, in the background. */
    @Override
    public int removalBatch() {
        return 16;
    }

    @Override
    public AgentExec makeDirectory(String path) {
        return new AgentExec("/bin/mkdir", List.of("-p", "--", path), null);
    }

    @Override
    public String sharePath(String relative) {
        return SHARE_MOUNT + "/" + relative;
    }

    @Override
    public AgentExec killTree(long pid, String execId) {
        return new AgentExec("/bin/sh", List.of("-c", KILL, "osrun-kill", Long.toString(pid), EXEC_ID_VARIABLE, execId), null);
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
