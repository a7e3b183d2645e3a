package io.werkstrom.jobs.cluster;

import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * Ends a cluster's processes when the JVM that owns them dies without closing them (killed with
 * SIGKILL, or out of memory): a {@code /bin/sh} loop, started by the owner, looks once a second
 * whether the owner still runs (on Linux, a zombie counts as gone) and then kills with SIGKILL every
 * process whose command line has an argument equal to the cluster's mark, its configuration
 * directory, which only that cluster's JobManager and TaskManagers are given. Processes are found by
 * their command line, not by remembered process ids, so a process id reused after its process ended
 * is never hit. Needs Linux's {@code /proc} to find them; elsewhere the loop still ends with its
 * owner but kills nothing.
 *
 * <p>Owned by the cluster, which ends it on {@link #close()} after ending its processes itself.
 */
final class ClusterReaper implements AutoCloseable {

    /** How long the loop sleeps between its looks at the owner, in seconds. */
    static final int POLL_SECONDS = 1;

    private static final String SCRIPT = """
            owner=$1; mark=$2; poll=$3
            alive() {
              if [ -r "/proc/$owner/stat" ]; then
                state=$(sed 's/^.*) //' "/proc/$owner/stat" 2>/dev/null) || return 1
                [ -n "$state" ] && [ "${state%% *}" != Z ]
              else
                kill -0 "$owner" 2>/dev/null
              fi
            }
            while alive; do sleep "$poll"; done
            for p in /proc/[0-9]*; do
              pid=${p#/proc/}
              [ "$pid" = "$$" ] && continue
              tr '\\0' '\\n' < "$p/cmdline" 2>/dev/null | grep -qxF -- "$mark" && kill -9 "$pid" 2>/dev/null
            done
            exit 0
            """;

    private final Process loop;

    private ClusterReaper(Process loop) {
        this.loop = loop;
    }

    /**
     * Starts the loop for the processes marked with {@code mark}, to run while {@code ownerPid}
     * runs.
     *
     * @throws IOException when {@code /bin/sh} cannot be started
     */
    static ClusterReaper watch(long ownerPid, String mark) throws IOException {
        Objects.requireNonNull(mark, "mark must not be null.");
        if (mark.isEmpty() || mark.contains("\n") || mark.contains("\0")) {
            throw new IllegalArgumentException("mark must be one non-empty line, got '" + mark + "'.");
        }
        Process loop = new ProcessBuilder(List.of("/bin/sh", "-c", SCRIPT, "werkstrom-cluster-reaper",
                Long.toString(ownerPid), mark, Integer.toString(POLL_SECONDS)))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        return new ClusterReaper(loop);
    }

    /** Whether the loop still runs (it ends once it has reaped, or when closed). */
    boolean isAlive() {
        return loop.isAlive();
    }

    /** Ends the loop without killing anything. */
    @Override
    public void close() {
        loop.destroyForcibly();
    }
}
