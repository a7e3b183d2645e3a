package io.werkstrom.jobs.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How {@link StandaloneCluster} starts a Flink session cluster on loopback.
 *
 * @param classPath           the jars of the cluster's JVMs: Flink (runtime, clients, streaming, runtime-web for jar
 *                            uploads, the RPC loader) and a logging backend. Never the job's own classes: the job
 *                            arrives as a jar through the REST API, as on any cluster.
 * @param workDirectory       where the configuration, logs, checkpoints and uploads go; created when missing
 * @param taskManagers        how many TaskManager processes start
 * @param slotsPerTaskManager task slots per TaskManager
 * @param restartAttempts     fixed-delay restart strategy: attempts before the job fails
 * @param restartDelay        fixed-delay restart strategy: pause between attempts
 * @param heartbeatTimeout    how long the JobManager waits before it declares a silent TaskManager lost
 * @param startTimeout        how long {@link StandaloneCluster#start} waits for the REST API and the TaskManagers
 * @param jvmOptions          extra options for every JVM (e.g. {@code --add-opens} that the job's libraries need)
 */
public record StandaloneClusterOptions(
        List<Path> classPath,
        Path workDirectory,
        int taskManagers,
        int slotsPerTaskManager,
        int restartAttempts,
        Duration restartDelay,
        Duration heartbeatTimeout,
        Duration startTimeout,
        List<String> jvmOptions) {

    public static final int DEFAULT_TASK_MANAGERS = 2;
    public static final int DEFAULT_SLOTS = 2;
    public static final int DEFAULT_RESTART_ATTEMPTS = 20;
    public static final Duration DEFAULT_RESTART_DELAY = Duration.ofSeconds(1);
    public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(6);
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(90);
    /** What Arrow and Flink need on Java 17 (the same opens the tests and the launcher use). */
    public static final List<String> DEFAULT_JVM_OPTIONS = List.of(
            "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");

    public StandaloneClusterOptions {
        Objects.requireNonNull(classPath, "classPath must not be null.");
        if (classPath.isEmpty()) {
            throw new IllegalArgumentException("classPath must name the Flink jars, got none.");
        }
        classPath = List.copyOf(classPath);
        Objects.requireNonNull(workDirectory, "workDirectory must not be null.");
        if (taskManagers < 1) {
            throw new IllegalArgumentException("taskManagers must be at least 1, got " + taskManagers + ".");
        }
        if (slotsPerTaskManager < 1) {
            throw new IllegalArgumentException("slotsPerTaskManager must be at least 1, got " + slotsPerTaskManager + ".");
        }
        if (restartAttempts < 0) {
            throw new IllegalArgumentException("restartAttempts must not be negative, got " + restartAttempts + ".");
        }
        requirePositive(restartDelay, "restartDelay");
        requirePositive(heartbeatTimeout, "heartbeatTimeout");
        requirePositive(startTimeout, "startTimeout");
        jvmOptions = List.copyOf(Objects.requireNonNull(jvmOptions, "jvmOptions must not be null."));
    }

    /** Two TaskManagers with two slots each, fixed-delay restarts, the default JVM options. */
    public static StandaloneClusterOptions defaults(List<Path> classPath, Path workDirectory) {
        return new StandaloneClusterOptions(classPath, workDirectory, DEFAULT_TASK_MANAGERS, DEFAULT_SLOTS,
                DEFAULT_RESTART_ATTEMPTS, DEFAULT_RESTART_DELAY, DEFAULT_HEARTBEAT_TIMEOUT, DEFAULT_START_TIMEOUT,
                DEFAULT_JVM_OPTIONS);
    }

    private static void requirePositive(Duration duration, String name) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + duration + ".");
        }
    }
}
