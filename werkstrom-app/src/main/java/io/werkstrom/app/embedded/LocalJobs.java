package io.werkstrom.app.embedded;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;

/**
 * What the commands that run the telemetry job in this process (demo, benchmarks, drills) need
 * around it: noticing that the job stopped, cancelling it, and counting what it stored.
 */
public final class LocalJobs {

    private LocalJobs() {
    }

    /** Throws, with the job's failure as the cause, when the job is no longer running. */
    public static void failIfStopped(JobClient job) throws Exception {
        JobStatus status = job.getJobStatus().get(10, TimeUnit.SECONDS);
        if (status.isGloballyTerminalState()) {
            try {
                job.getJobExecutionResult().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("the telemetry job stopped (" + status + ")", e);
            }
            throw new IllegalStateException("the telemetry job stopped (" + status + ")");
        }
    }

    /** Cancels the job; a job that already ended is fine, nothing depends on the outcome. */
    public static void cancelQuietly(JobClient job) {
        try {
            job.cancel().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the job may already have ended
        }
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
