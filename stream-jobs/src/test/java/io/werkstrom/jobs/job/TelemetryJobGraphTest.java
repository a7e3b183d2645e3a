package io.werkstrom.jobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

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
}
