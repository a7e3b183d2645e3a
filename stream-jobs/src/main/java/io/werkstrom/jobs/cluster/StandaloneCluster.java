package io.werkstrom.jobs.cluster;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

import io.werkstrom.protocol.net.FreePorts;

/**
 * A Flink standalone session cluster on loopback, as separate JVM processes: one JobManager
 * ({@value #JOB_MANAGER_MAIN}) and {@link StandaloneClusterOptions#taskManagers()} TaskManagers
 * ({@value #TASK_MANAGER_MAIN}), configured through a generated {@code config.yaml} in the work
 * directory. This is what {@code bin/start-cluster.sh} of a Flink distribution starts, without
 * the distribution: the JVM memory flags are derived from the configuration the same way Flink's
 * scripts derive them.
 *
 * <p>Jobs are submitted as jars through the REST API ({@link #rest()}). A TaskManager can be
 * killed with SIGKILL ({@link #killTaskManager}) and new ones started ({@link #startTaskManager}).
 *
 * <p>Threads: the methods may be called from any thread but not concurrently. Owns the processes:
 * {@link #close()} kills every one of them; the work directory is left for inspection. A JVM that
 * dies without closing the cluster (killed with SIGKILL) takes them along within about a second
 * ({@link ClusterReaper}, on Linux).
 */
public final class StandaloneCluster implements AutoCloseable {

    public static final String JOB_MANAGER_MAIN = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    public static final String TASK_MANAGER_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    /** How many pairs of ports a start tries when another process takes one first. */
    static final int PORT_ATTEMPTS = 3;
    /** The jar names of this project's modules: a cluster class path never carries the job's classes. */
    private static final List<String> OWN_JARS = List.of("telemetry-protocol", "edge-gateway", "gpu-analytics",
            "stream-jobs", "werkstrom-app");

    private final StandaloneClusterOptions options;
    private final Configuration configuration;
    private final Path configDirectory;
    private final Path logDirectory;
    private final String restAddress;
    private final ClusterRestClient rest;
    private final List<Process> processes = new ArrayList<>();
    private final List<TaskManager> taskManagers = new ArrayList<>();
    private Process jobManager;
    private ClusterReaper reaper;

    /** One TaskManager process; {@code index} counts from 0 in start order. */
    public record TaskManager(int index, Process process, Path log) {
        public long pid() {
            return process.pid();
        }

        public boolean isAlive() {
            return process.isAlive();
        }
    }

    private StandaloneCluster(StandaloneClusterOptions options, Map<String, String> settings, Path configDirectory,
                              Path logDirectory, String restAddress) {
        this.options = options;
        this.configuration = Configuration.fromMap(settings);
        this.configDirectory = configDirectory;
        this.logDirectory = logDirectory;
        this.restAddress = restAddress;
        this.rest = new ClusterRestClient(URI.create(restAddress));
    }

    /**
     * Writes the configuration, starts the JobManager and the TaskManagers, and returns once the
     * REST API answers and every TaskManager has registered. The JobManager's ports are free loopback
     * ports; when another process takes one before the JobManager binds it, the cluster starts again
     * on new ones.
     *
     * @throws IOException when a process cannot start or the cluster is not ready within
     *                     {@link StandaloneClusterOptions#startTimeout()}; the message names the log to read
     */
    public static StandaloneCluster start(StandaloneClusterOptions options) throws IOException {
        return start(options, FreePorts::freePort);
    }

    /**
     * {@link #start(StandaloneClusterOptions)} with the JobManager's RPC and REST ports from
     * {@code ports}. The ports are free when chosen, but another process can take one before the
     * JobManager binds it: when the start fails and a port is then in use, the cluster starts again
     * on new ports, up to {@value #PORT_ATTEMPTS} times.
     */
    static StandaloneCluster start(StandaloneClusterOptions options, IntSupplier ports) throws IOException {
        Objects.requireNonNull(options, "options must not be null.");
        for (int attempt = 1; ; attempt++) {
            int rpcPort = ports.getAsInt();
            int restPort = ports.getAsInt();
            try {
                return start(options, rpcPort, restPort);
            } catch (IOException | RuntimeException e) {
                if (attempt == PORT_ATTEMPTS || !(FreePorts.inUse(rpcPort) || FreePorts.inUse(restPort))) {
                    throw e;
                }
            }
        }
    }

    private static StandaloneCluster start(StandaloneClusterOptions options, int rpcPort, int restPort)
            throws IOException {
        Path work = options.workDirectory().toAbsolutePath();
        Path conf = Files.createDirectories(work.resolve("conf"));
        Path logs = Files.createDirectories(work.resolve("log"));
        Path checkpoints = Files.createDirectories(work.resolve("checkpoints"));
        Path uploads = Files.createDirectories(work.resolve("uploads"));
        Path tmp = Files.createDirectories(work.resolve("tmp"));
        Map<String, String> settings = settings(options, rpcPort, restPort, checkpoints, uploads, tmp);
        writeConfig(conf, settings);
        writeLoggingConfig(conf);

        StandaloneCluster cluster = new StandaloneCluster(options, settings, conf, logs,
                "http://127.0.0.1:" + restPort);
        try {
            // Every process of the cluster has the configuration directory as an argument of its own.
            cluster.reaper = ClusterReaper.watch(ProcessHandle.current().pid(), conf.toString());
            cluster.startJobManager();
            for (int i = 0; i < options.taskManagers(); i++) {
                cluster.startTaskManager();
            }
            cluster.awaitTaskManagers(options.taskManagers(), options.startTimeout());
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        } catch (InterruptedException e) {
            cluster.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the Flink cluster started", e);
        }
    }

    /** The REST API, e.g. {@code http://127.0.0.1:40123}. */
    public String restAddress() {
        return restAddress;
    }

    /** A client for the REST API; owned by the cluster. */
    public ClusterRestClient rest() {
        return rest;
    }

    /** The generated configuration directory (holds {@code config.yaml}). */
    public Path configDirectory() {
        return configDirectory;
    }

    /** Where the process logs go ({@code jobmanager.log}, {@code taskmanager-N.log}). */
    public Path logDirectory() {
        return logDirectory;
    }

    /** Every TaskManager started so far, killed ones included, in start order. */
    public List<TaskManager> taskManagers() {
        return List.copyOf(taskManagers);
    }

    /** Starts one more TaskManager; it registers with the JobManager on its own. */
    public TaskManager startTaskManager() throws IOException {
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(configuration);
        int index = taskManagers.size();
        Path log = logDirectory.resolve("taskmanager-" + index + ".log");
        List<String> command = javaCommand(split(ProcessMemoryUtils.generateJvmParametersStr(spec)), log,
                TASK_MANAGER_MAIN);
        command.addAll(split(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
        // Distinct resource ids keep the TaskManagers apart in logs and in the REST API.
        command.add("-D");
        command.add("taskmanager.resource-id=" + resourceId(index));
        TaskManager taskManager = new TaskManager(index, launch(command, log), log);
        taskManagers.add(taskManager);
        return taskManager;
    }

    /** The resource id TaskManager {@code index} registers with (as the REST API shows it). */
    public static String resourceId(int index) {
        return "taskmanager-" + index;
    }

    /**
     * The index of the first live TaskManager that runs a subtask of the job, so that killing it
     * hits the job; -1 when none does.
     */
    public int taskManagerRunning(String jobId) throws IOException {
        Set<String> hosts = rest.taskManagersOf(jobId);
        for (TaskManager taskManager : taskManagers) {
            if (taskManager.isAlive() && hosts.contains(resourceId(taskManager.index()))) {
                return taskManager.index();
            }
        }
        return -1;
    }

    /**
     * Kills TaskManager {@code index} with SIGKILL (what {@code kill -9} sends; no shutdown hook
     * runs, no connection is closed cleanly) and waits until the process is gone.
     *
     * @return the process's exit status, 137 (128 + SIGKILL) on Linux
     */
    public int killTaskManager(int index) throws InterruptedException {
        TaskManager taskManager = taskManagers.get(index);
        taskManager.process().destroyForcibly();
        return taskManager.process().waitFor();
    }

    /** Waits until {@code count} TaskManagers are registered with the JobManager. */
    public void awaitTaskManagers(int count, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (jobManager != null && !jobManager.isAlive()) {
                throw new IOException("the Flink JobManager exited with status " + jobManager.exitValue()
                        + "; see " + logDirectory.resolve("jobmanager.log"));
            }
            try {
                if (rest.taskManagerCount() == count) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(250);
        }
        IOException timedOut = new IOException("the Flink cluster did not have " + count + " TaskManagers within "
                + timeout + "; see the logs in " + logDirectory);
        if (last != null) {
            timedOut.addSuppressed(last);
        }
        throw timedOut;
    }

    /** Kills every process of the cluster (SIGKILL) and waits for them to end. */
    @Override
    public void close() {
        for (Process process : processes) {
            process.destroyForcibly();
        }
        try {
            for (Process process : processes) {
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (reaper != null) {
                reaper.close();
            }
        }
    }

    /**
     * The entries of a JVM class path (as in {@code java.class.path}) that a cluster can use: jar
     * files, without this project's own modules (the job brings those in its jar).
     */
    public static List<Path> flinkClassPath(String javaClassPath) {
        List<Path> jars = new ArrayList<>();
        for (String entry : javaClassPath.split(File.pathSeparator)) {
            if (entry.isBlank() || !entry.endsWith(".jar")) {
                continue;
            }
            Path jar = Path.of(entry);
            String name = jar.getFileName().toString();
            if (OWN_JARS.stream().noneMatch(name::startsWith) && Files.isRegularFile(jar)) {
                jars.add(jar);
            }
        }
        return jars;
    }

    private void startJobManager() throws IOException {
        JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(configuration);
        Path log = logDirectory.resolve("jobmanager.log");
        List<String> command = javaCommand(split(JobManagerProcessUtils.generateJvmParametersStr(spec, configuration)),
                log, JOB_MANAGER_MAIN);
        command.addAll(split(JobManagerProcessUtils.generateDynamicConfigsStr(spec)));
        jobManager = launch(command, log);
    }

    private List<String> javaCommand(List<String> memoryFlags, Path log, String mainClass) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(memoryFlags);
        command.addAll(options.jvmOptions());
        command.add("-Dlog.file=" + log);
        command.add("-Dlog4j.configurationFile=" + configDirectory.resolve("log4j.properties").toUri());
        command.add("-Dlogback.configurationFile=" + configDirectory.resolve("logback.xml"));
        command.add("-cp");
        command.add(String.join(File.pathSeparator, options.classPath().stream().map(Path::toString).toList()));
        command.add(mainClass);
        command.add("--configDir");
        command.add(configDirectory.toString());
        return command;
    }

    private Process launch(List<String> command, Path log) throws IOException {
        Path out = Path.of(log.toString().replaceFirst("\\.log$", ".out"));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                .start();
        processes.add(process);
        return process;
    }

    static Map<String, String> settings(StandaloneClusterOptions options, int rpcPort, int restPort,
                                        Path checkpoints, Path uploads, Path tmp) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("jobmanager.rpc.address", "127.0.0.1");
        s.put("jobmanager.rpc.port", Integer.toString(rpcPort));
        s.put("jobmanager.bind-host", "127.0.0.1");
        s.put("jobmanager.memory.process.size", "1024m");
        s.put("taskmanager.host", "127.0.0.1");
        s.put("taskmanager.bind-host", "127.0.0.1");
        s.put("taskmanager.rpc.port", "0");
        s.put("taskmanager.data.port", "0");
        s.put("taskmanager.numberOfTaskSlots", Integer.toString(options.slotsPerTaskManager()));
        s.put("taskmanager.memory.process.size", "1280m");
        s.put("taskmanager.memory.managed.size", "64m");
        s.put("taskmanager.memory.network.min", "64m");
        s.put("taskmanager.memory.network.max", "64m");
        s.put("rest.address", "127.0.0.1");
        s.put("rest.bind-address", "127.0.0.1");
        s.put("rest.port", Integer.toString(restPort));
        s.put("blob.server.port", "0");
        s.put("parallelism.default", "1");
        // Spread a job's subtasks over the TaskManagers, so that losing any one of them hits the job.
        s.put("taskmanager.load-balance.mode", "SLOTS");
        // Not Path.toUri(): Flink's Path keeps a URI's escapes as they are, and would checkpoint a
        // work directory with a space or a non-ASCII character (%20, %C3%BC) into another one.
        s.put("execution.checkpointing.dir", "file://" + checkpoints.toAbsolutePath());
        s.put("restart-strategy.type", "fixed-delay");
        s.put("restart-strategy.fixed-delay.attempts", Integer.toString(options.restartAttempts()));
        s.put("restart-strategy.fixed-delay.delay", options.restartDelay().toMillis() + " ms");
        s.put("heartbeat.interval", Long.toString(Math.max(200, options.heartbeatTimeout().toMillis() / 5)));
        s.put("heartbeat.timeout", Long.toString(options.heartbeatTimeout().toMillis()));
        s.put("web.upload.dir", uploads.toString());
        s.put("web.tmpdir", tmp.toString());
        s.put("io.tmp.dirs", tmp.toString());
        // Job metrics (numRestarts) reach the REST API within half a second.
        s.put("metrics.fetcher.update-interval", "500");
        return s;
    }

    private static void writeConfig(Path conf, Map<String, String> settings) throws IOException {
        StringBuilder yaml = new StringBuilder("# Generated by StandaloneCluster.\n");
        settings.forEach((key, value) -> yaml.append(key).append(": ").append(quote(value)).append('\n'));
        Files.writeString(conf.resolve("config.yaml"), yaml.toString(), StandardCharsets.UTF_8);
    }

    /** YAML double-quoted scalars: paths and URIs may hold characters YAML would otherwise read. */
    private static String quote(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** Logging for whichever backend the class path carries (Log4j 2 or Logback): INFO into the process's log file. */
    private static void writeLoggingConfig(Path conf) throws IOException {
        Files.writeString(conf.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = file",
                "appender.file.type = File",
                "appender.file.name = file",
                "appender.file.fileName = ${sys:log.file}",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-40c{1.} [%t] %m%n",
                ""), StandardCharsets.UTF_8);
        Files.writeString(conf.resolve("logback.xml"), String.join("\n",
                "<configuration>",
                "  <appender name=\"file\" class=\"ch.qos.logback.core.FileAppender\">",
                "    <file>${log.file}</file>",
                "    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{40} [%thread] %msg%n</pattern></encoder>",
                "  </appender>",
                "  <root level=\"INFO\"><appender-ref ref=\"file\"/></root>",
                "</configuration>",
                ""), StandardCharsets.UTF_8);
    }

    private static List<String> split(String flags) {
        return Arrays.stream(flags.trim().split("\\s+")).filter(part -> !part.isEmpty()).toList();
    }
}
