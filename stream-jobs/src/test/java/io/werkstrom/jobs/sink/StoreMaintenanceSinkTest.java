package io.werkstrom.jobs.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import io.werkstrom.jobs.storage.MaintenanceOptions;
import io.werkstrom.jobs.storage.ReleaseHooks;
import io.werkstrom.jobs.storage.StoreMaintenance;
import io.werkstrom.jobs.storage.StoreOptions;

import org.apache.flink.api.connector.sink2.SinkWriter;
import org.junit.jupiter.api.Test;

class StoreMaintenanceSinkTest {

    /** The writer owns the maintenance: it starts the schedule, ignores records, and its close stops the thread. */
    @Test
    void theWriterStartsTheScheduleAndItsCloseStopsTheThread() throws Exception {
        // Nothing listens there: a run would fail, but none is due within the hour.
        StoreOptions store = new StoreOptions("jdbc:postgresql://127.0.0.1:9/none", "nobody", "");
        StoreMaintenanceSink<String> sink = new StoreMaintenanceSink<>(store, MaintenanceOptions.defaults());
        SinkWriter<String> writer = sink.createWriter(new ReleaseHooks().writerContext());
        StoreMaintenance maintenance = ((StoreMaintenanceSink.MaintenanceWriter<String>) writer).maintenance();
        try {
            assertTrue(maintenanceThreadAlive(), "the maintenance thread runs");
            writer.write("ignored", null);
            writer.flush(true);
            assertEquals(0, maintenance.runs() + maintenance.failures(), "the first run comes a minute after the start");
        } finally {
            writer.close();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (maintenanceThreadAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(!maintenanceThreadAlive(), "the maintenance thread stopped with the writer");
    }

    private static boolean maintenanceThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("store-maintenance") && t.isAlive());
    }
}
