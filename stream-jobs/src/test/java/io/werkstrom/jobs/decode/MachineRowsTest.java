package io.werkstrom.jobs.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

import org.junit.jupiter.api.Test;

class MachineRowsTest {

    /** Rows grouped by series, as a decoded batch holds them: press-2 first, then press-1, times out of order. */
    private static TelemetryBatch batch() {
        return TelemetryBatch.builder("gw-7", 1)
                .add(3_000, "press-2", "temperature_c", 60.0, Quality.GOOD)
                .add(1_000, "press-2", "temperature_c", 61.0, Quality.GOOD)
                .add(2_000, "press-1", "temperature_c", 58.0, Quality.GOOD)
                .add(1_000, "press-2", "pressure_bar", 5.1, Quality.GOOD)
                .add(1_000, "press-1", "pressure_bar", 4.9, Quality.GOOD)
                .build();
    }

    @Test
    void theRowsOfEachMachineComeInBatchOrderMachinesInTheOrderTheyFirstAppear() {
        Map<String, List<Integer>> rows = MachineRows.of(batch());
        assertEquals(List.of("press-2", "press-1"), List.copyOf(rows.keySet()));
        assertEquals(List.of(0, 1, 3), rows.get("press-2"));
        assertEquals(List.of(2, 4), rows.get("press-1"));
    }

    @Test
    void sortedRowsKeepTheBatchOrderOfRowsOfEqualTime() {
        TelemetryBatch batch = batch();
        long[] times = batch.timestampsMicros();
        Map<String, List<Integer>> rows = MachineRows.sorted(batch, Comparator.comparingLong(row -> times[row]));
        assertEquals(List.of("press-2", "press-1"), List.copyOf(rows.keySet()));
        assertEquals(List.of(1, 3, 0), rows.get("press-2"));
        assertEquals(List.of(4, 2), rows.get("press-1"));
    }
}
