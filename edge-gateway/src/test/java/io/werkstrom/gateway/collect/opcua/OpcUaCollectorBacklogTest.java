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

    @Test
    void callsForOneUntilTakeOnlyTheValuesArrivedByTheFirstAndSoComeToAnEnd() throws Exception {
        MonitoredVariable variable = new MonitoredVariable("ns=2;s=a", "m-1", "temperature");
        OpcUaOptions options = OpcUaOptions.builder().endpoint("opc.tcp://127.0.0.1:1").variables(List.of(variable))
                .build();
        long until = 2_000_000L;
        try (OpcUaCollector collector = new OpcUaCollector(options)) {
            for (int i = 0; i < 5; i++) {
                collector.offer(1_000_000L + i, variable, i, Quality.GOOD);
            }
            assertEquals(3, collector.collect(until, 3, TelemetryBatch.builder("gw-1", 1)));
            // A server whose clock lags ours: values stamped before until keep arriving.
            collector.offer(1_000_010L, variable, 10, Quality.GOOD);
            TelemetryBatch.Builder rest = TelemetryBatch.builder("gw-1", 1);
            assertEquals(2, collector.collect(until, 3, rest));
            assertEquals(4, rest.build().values()[1], 0.0);
            collector.offer(1_000_011L, variable, 11, Quality.GOOD);
            assertEquals(0, collector.collect(until, 3, TelemetryBatch.builder("gw-1", 1)));

            TelemetryBatch.Builder next = TelemetryBatch.builder("gw-1", 1);
            assertEquals(2, collector.collect(until + 100_000L, 3, next));
            assertEquals(10, next.build().values()[0], 0.0);
        }
    }
}
