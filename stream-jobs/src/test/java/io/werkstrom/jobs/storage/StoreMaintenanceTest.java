package io.werkstrom.jobs.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class StoreMaintenanceTest {

    /**
     * A job that fails over more often than the interval starts the schedule afresh each time: the
     * first run comes after the first-run delay, not one interval after the start.
     */
    @Test
    void theFirstRunComesAfterTheFirstRunDelayNotAfterTheInterval() throws Exception {
        // Nothing listens there: the run fails at once, which counts it.
        StoreOptions store = new StoreOptions("jdbc:postgresql://127.0.0.1:9/none", "nobody", "")
                .withConnectTimeout(Duration.ofSeconds(1));
        MaintenanceOptions hourly = new MaintenanceOptions(Duration.ofHours(1), MaintenanceOptions.DEFAULT_BOOKKEEPING_KEEP);
        try (StoreMaintenance maintenance = new StoreMaintenance(store, hourly, StoreMaintenance.DEFAULT_CHUNK_ROWS,
                Duration.ofMillis(100))) {
            maintenance.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (maintenance.failures() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, maintenance.failures(), "one run soon after the start, the next an hour later");
            assertEquals(0, maintenance.runs());
        }
    }
}
