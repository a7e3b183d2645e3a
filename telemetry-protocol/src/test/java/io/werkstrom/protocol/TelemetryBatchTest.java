package io.werkstrom.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TelemetryBatchTest {

    private static TelemetryBatch batch(String gateway, long sequence, long ts, String machine, String sensor, double value,
                                        Quality quality) {
        return TelemetryBatch.builder(gateway, sequence).add(1_000L, "m-1", "temp", 1.0, Quality.GOOD)
                .add(ts, machine, sensor, value, quality).build();
    }

    @Test
    void batchesDifferingInAnyOneColumnOrTheirIdentityAreNotEqual() {
        TelemetryBatch batch = batch("gw-1", 7, 2_000L, "m-1", "temp", 2.0, Quality.GOOD);
        assertEquals(batch, batch("gw-1", 7, 2_000L, "m-1", "temp", 2.0, Quality.GOOD));
        assertEquals(batch.hashCode(), batch("gw-1", 7, 2_000L, "m-1", "temp", 2.0, Quality.GOOD).hashCode());
        assertNotEquals(batch, batch("gw-2", 7, 2_000L, "m-1", "temp", 2.0, Quality.GOOD), "gateway");
        assertNotEquals(batch, batch("gw-1", 8, 2_000L, "m-1", "temp", 2.0, Quality.GOOD), "sequence");
        assertNotEquals(batch, batch("gw-1", 7, 2_001L, "m-1", "temp", 2.0, Quality.GOOD), "timestamp");
        assertNotEquals(batch, batch("gw-1", 7, 2_000L, "m-2", "temp", 2.0, Quality.GOOD), "machine");
        assertNotEquals(batch, batch("gw-1", 7, 2_000L, "m-1", "rpm", 2.0, Quality.GOOD), "sensor");
        assertNotEquals(batch, batch("gw-1", 7, 2_000L, "m-1", "temp", 2.5, Quality.GOOD), "value");
        assertNotEquals(batch, batch("gw-1", 7, 2_000L, "m-1", "temp", 2.0, Quality.BAD), "quality");
        assertNotEquals(batch, "gw-1", "another type");
    }

    @Test
    void aBatchWhoseRowsAreGroupedAlreadyIsItsOwnGrouping() {
        TelemetryBatch grouped = batch("gw-1", 7, 2_000L, "m-1", "temp", 2.0, Quality.GOOD);
        assertSame(grouped, grouped.groupedBySeries());
        TelemetryBatch interleaved = TelemetryBatch.builder("gw-1", 7).add(1L, "m-1", "temp", 1.0, Quality.GOOD)
                .add(1L, "m-2", "temp", 2.0, Quality.GOOD).add(2L, "m-1", "temp", 3.0, Quality.GOOD).build();
        TelemetryBatch regrouped = interleaved.groupedBySeries();
        assertEquals(TelemetryBatch.builder("gw-1", 7).add(1L, "m-1", "temp", 1.0, Quality.GOOD)
                .add(2L, "m-1", "temp", 3.0, Quality.GOOD).add(1L, "m-2", "temp", 2.0, Quality.GOOD).build(), regrouped);
        assertSame(regrouped, regrouped.groupedBySeries());
    }

    @Test
    void aBuilderCountsItsRowsAndABatchNamesItsIdentityAndSizeButNotItsSamples() {
        TelemetryBatch.Builder builder = TelemetryBatch.builder("gw-1", 7);
        for (int i = 0; i < 100; i++) {
            builder.add(i, "m-1", "temp", i, Quality.GOOD);
        }
        assertEquals(100, builder.size());
        assertEquals("TelemetryBatch[gateway=gw-1, sequence=7, rows=100]", builder.build().toString());
    }

    @Test
    void columnsOfDifferentLengthsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TelemetryBatch("gw-1", 1,
                new long[2], new String[] {"m", "m"}, new String[] {"s", "s"}, new double[2], new byte[1]));
        assertEquals("all columns must have 2 rows.", e.getMessage());
    }
}
