package io.werkstrom.jobs.job;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Flink configuration of every MiniCluster this project starts inside its own process (the
 * demo, the benchmarks, the drills, a local run of {@link TelemetryJob}). Flink's defaults listen
 * on every interface, and its REST endpoint accepts jar uploads and runs them: anyone who can
 * reach the machine could run code in the process. Here every server (REST, blob server, RPC,
 * data exchange) binds to loopback only, the REST endpoint on a free port, and the endpoint
 * neither accepts jars nor cancels jobs.
 *
 * <p>Stateless; each call returns a new configuration or environment owned by the caller.
 */
public final class LocalCluster {

    /** The only address the local cluster listens on. */
    public static final String LOOPBACK = "127.0.0.1";

    private LocalCluster() {
    }

    /** A new configuration with the loopback-only settings; the caller may add its own. */
    public static Configuration configuration() {
        Configuration config = new Configuration();
        config.set(RestOptions.ADDRESS, LOOPBACK);
        config.set(RestOptions.BIND_ADDRESS, LOOPBACK);
        // a free port: 8081 may be taken, and a fixed port is easier to find for a stranger
        config.set(RestOptions.BIND_PORT, "0");
        config.set(WebOptions.SUBMIT_ENABLE, false);
        config.set(WebOptions.CANCEL_ENABLE, false);
        config.set(JobManagerOptions.ADDRESS, LOOPBACK);
        // the blob server binds to the JobManager's bind host
        config.set(JobManagerOptions.BIND_HOST, LOOPBACK);
        config.set(TaskManagerOptions.HOST, LOOPBACK);
        config.set(TaskManagerOptions.BIND_HOST, LOOPBACK);
        return config;
    }

    /** A local environment (a MiniCluster started when the job is executed) with {@link #configuration()}. */
    public static StreamExecutionEnvironment environment(int parallelism) {
        return StreamExecutionEnvironment.createLocalEnvironment(parallelism, configuration());
    }
}
