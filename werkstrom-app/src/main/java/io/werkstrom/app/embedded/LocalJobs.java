package io.werkstrom.app.embedded;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;

import io.werkstrom.jobs.job.LocalCluster;

/**
 * What the commands that run the telemetry job in this process (demo, benchmarks, drills) need
 * around it: noticing that the job stopped, cancelling it, and counting what it stored.
 */
public final class LocalJobs {

    /** Flink's network memory of a local MiniCluster when none is configured. */
    static final MemorySize DEFAULT_NETWORK_MEMORY = MemorySize.ofMebiBytes(64);
    /** Flink's default network buffer (memory segment) size. */
    static final MemorySize BUFFER_SIZE = MemorySize.parse("32kb");
    /**
     * All-to-all exchanges the network memory is sized for: the telemetry job has fewer; the rest
     * is margin for its growth, cheap since the buffers are only a fraction of the heap.
     */
    static final int SIZED_EXCHANGES = 8;
    /** Restarts within {@link #FAILURE_INTERVAL} after which a failing job fails for good. */
    static final int MAX_FAILURES_PER_INTERVAL = 5;
    static final Duration FAILURE_INTERVAL = Duration.ofMinutes(1);
    static final Duration RESTART_DELAY = Duration.ofSeconds(1);

    private LocalJobs() {
    }

    /**
     * The settings of the MiniCluster that runs the telemetry job in this process at {@code parallelism}:
     * network memory for its exchanges ({@link #networkMemory}), and a failure-rate restart strategy, so
     * that a job that fails again on every restart ends with its error instead of restarting for good
     * (a passing failure still restarts), on {@link LocalCluster#configuration()} (loopback only, no jar
     * uploads). Callers add their own settings to the returned copy.
     */
    public static Configuration clusterConfiguration(int parallelism) {
        Configuration configuration = LocalCluster.configuration();
        MemorySize network = networkMemory(parallelism);
        configuration.set(TaskManagerOptions.NETWORK_MEMORY_MIN, network);
        configuration.set(TaskManagerOptions.NETWORK_MEMORY_MAX, network);
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "failure-rate");
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL,
                MAX_FAILURES_PER_INTERVAL);
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL, FAILURE_INTERVAL);
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_DELAY, RESTART_DELAY);
        return configuration;
    }

    /**
     * Network memory for a job of {@code parallelism} in one task manager. Each all-to-all exchange
     * needs, per subtask, {@code parallelism + 1} buffers to write (one per subpartition and one more)
     * and {@code 2 * parallelism + 8} to read (two per channel and eight floating): the need grows with
     * the square of the parallelism, and Flink's local default of 64 MiB runs out at 16 ("Insufficient
     * number of network buffers"). Never less than that default.
     */
    public static MemorySize networkMemory(int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
        }
        long buffers = (long) SIZED_EXCHANGES * parallelism * ((parallelism + 1) + (2L * parallelism + 8));
        MemorySize needed = BUFFER_SIZE.multiply(buffers);
        return needed.compareTo(DEFAULT_NETWORK_MEMORY) > 0 ? needed : DEFAULT_NETWORK_MEMORY;
    }

    /**
     * Throws, with the job's failure as the cause, when the job is no longer running; the message
     * ends with the innermost cause's message, the job's own error rather than Flink's wrapping.
     */
    public static void failIfStopped(JobClient job) throws Exception {
        CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
        if (!result.isDone()) {
            JobStatus status;
            try {
                status = job.getJobStatus().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                // The job's own MiniCluster shuts down once the job has ended: its result tells why.
                status = null;
            }
            if (status != null && !status.isGloballyTerminalState()) {
                return;
            }
        }
        try {
            result.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the telemetry job failed: " + rootMessage(e), e);
        }
        throw new IllegalStateException("the telemetry job stopped");
    }

    /** The innermost cause's class and message: what went wrong, under the layers that carried it. */
    static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    /**
     * Cancels the job and waits, up to 30 s, until it has ended, so that its tasks have closed their
     * connections before the caller stops the broker and the database under them; a job that already
     * ended is fine, nothing depends on the outcome.
     */
    public static void cancelQuietly(JobClient job) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        // Also on a thread a stop signal interrupted: the job's end is awaited before what it uses stops.
        Uninterruptibly.await(() -> {
            try {
                job.cancel().get(remaining(deadline), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                // the job may already have ended
            }
        });
        Uninterruptibly.await(() -> {
            try {
                job.getJobExecutionResult().get(remaining(deadline), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                // a cancelled job ends with an error: the wait is all that matters
            }
        });
    }

    private static long remaining(long deadline) {
        return Math.max(1, deadline - System.nanoTime());
    }

    /** The single number {@code sql} selects. */
    public static long count(Connection db, String sql) throws SQLException {
        try (Statement statement = db.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** Sleeps until {@code nanoTime} ({@link System#nanoTime()}); returns at once when it has passed. */
    public static void sleepUntil(long nanoTime) throws InterruptedException {
        long nanos = nanoTime - System.nanoTime();
        if (nanos > 0) {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }
    }
}
