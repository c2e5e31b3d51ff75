package dev.osrun.engine;

import java.util.List;

/**
 * One {@code guest-exec} call as the agent receives it.
 *
 * @param path the program the agent starts
 * @param args its arguments
 * @param env  the complete environment, or null to inherit the agent's (guest-exec replaces, never adds)
 */
public record AgentExec(String path, List<String> args, List<String> env) {

    /** Copies the lists. */
    public AgentExec {
        args = List.copyOf(args);
        env = env == null ? null : List.copyOf(env);
    }
}
