package io.werkstrom.jobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

class TelemetryJobGraphTest {

    /** One maintenance task for the whole job, whatever the job's parallelism. */
    @Test
    void theStoreMaintenanceRunsOnceForTheWholeJob() {
        TelemetryJobOptions options = TelemetryJobOptions.fromArgs(new String[] {"--mqtt.uri=tcp://broker:1883",
                "--store.jdbc-url=jdbc:postgresql://db:5432/werkstrom", "--store.user=werkstrom", "--parallelism=3"});
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        TelemetryJob.define(env, options);
        List<StreamNode> maintenance = env.getStreamGraph().getStreamNodes().stream()
                .filter(node -> node.getOperatorName().contains("store-maintenance"))
                .toList();
        assertEquals(1, maintenance.size(), "store-maintenance nodes");
        assertEquals(1, maintenance.get(0).getParallelism());
    }

    /**
     * Flink fails a job at its first expired checkpoint unless told otherwise. A refresh of late
     * data runs in the task thread for up to --event-time.refresh-timeout (30 min by default) and
     * holds the checkpoints meanwhile: with Flink's default timeout of 10 min it would fail the job,
     * and after the restart the same refresh would be committed again, and fail it again.
     */
    @Test
    void checkpointsMayExpireForAsLongAsTheLongestWaitTheJobBoundsItself() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        TelemetryJob.define(env, options());
        assertEquals(Duration.ofMinutes(10).toMillis(), env.getCheckpointConfig().getCheckpointTimeout(),
                "Flink's default checkpoint timeout");
        assertEquals(3, env.getCheckpointConfig().getTolerableCheckpointFailureNumber(),
                "30 min of refresh timeout in checkpoints of 10 min");

        Configuration shortCheckpoints = new Configuration();
        shortCheckpoints.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofMinutes(4));
        env = StreamExecutionEnvironment.getExecutionEnvironment(shortCheckpoints);
        TelemetryJob.define(env, options("--sink.max-outage=20m"));
        assertEquals(10, env.getCheckpointConfig().getTolerableCheckpointFailureNumber(),
                "a write may end 40 min into an outage of 20 min, in checkpoints of 4 min");
    }

    @Test
    void aToleranceConfiguredHigherIsKept() {
        Configuration configured = new Configuration();
        configured.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 50);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configured);
        TelemetryJob.define(env, options());
        assertEquals(50, env.getCheckpointConfig().getTolerableCheckpointFailureNumber());
    }

    @Test
    void theToleranceCountsWholeCheckpointTimeoutsRoundedUp() {
        TelemetryJobOptions options = options("--event-time.refresh-timeout=61s", "--sink.max-outage=10s",
                "--analytics.timeout=2s");
        assertEquals(Duration.ofSeconds(61), options.longestBoundedWait());
        assertEquals(2, options.tolerableCheckpointExpirations(Duration.ofMinutes(1)));
        assertEquals(1, options.tolerableCheckpointExpirations(Duration.ofSeconds(61)));
        assertEquals(Duration.ofMinutes(2), options("--analytics.timeout=2m", "--sink.max-outage=10s",
                "--event-time.refresh-timeout=1m").longestBoundedWait());
        assertThrows(IllegalArgumentException.class, () -> options.tolerableCheckpointExpirations(Duration.ZERO));
    }

    private static TelemetryJobOptions options(String... more) {
        List<String> args = new ArrayList<>(List.of("--mqtt.uri=tcp://broker:1883",
                "--store.jdbc-url=jdbc:postgresql://db:5432/werkstrom", "--store.user=werkstrom"));
        args.addAll(List.of(more));
        return TelemetryJobOptions.fromArgs(args.toArray(String[]::new));
    }
}
