package io.werkstrom.gateway.collect.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

import org.junit.jupiter.api.Test;

/** A server keeps sending while the gateway does not collect (its spool refuses batches): the backlog is bounded. */
class OpcUaCollectorBacklogTest {

    @Test
    void samplesBeyondTheBoundDropTheOldestCountedAndTheRestAreCollected() throws Exception {
        MonitoredVariable variable = new MonitoredVariable("ns=2;s=a", "m-1", "temperature");
        OpcUaOptions options = OpcUaOptions.builder().endpoint("opc.tcp://127.0.0.1:1").variables(List.of(variable))
                .build();
        try (OpcUaCollector collector = new OpcUaCollector(options)) {
            int extra = 1_000;
            for (int i = 0; i < OpcUaCollector.MAX_UNCOLLECTED + extra; i++) {
                collector.offer(1_000_000L + i, variable, i, Quality.GOOD);
            }
            assertEquals(extra, collector.droppedUncollected());

            TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", 1);
            assertEquals(OpcUaCollector.MAX_UNCOLLECTED, collector.collect(Long.MAX_VALUE, batch));
            TelemetryBatch collected = batch.build();
            assertEquals(extra, collected.values()[0], 0.0, "the oldest went");
            assertEquals(OpcUaCollector.MAX_UNCOLLECTED + extra - 1, collected.values()[collected.size() - 1], 0.0);
        }
    }
}
