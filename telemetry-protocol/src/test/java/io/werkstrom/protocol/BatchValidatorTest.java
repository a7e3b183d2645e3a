package io.werkstrom.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class BatchValidatorTest {

    private final BatchValidator validator = new BatchValidator();
    private final GatewayAddress sender = new GatewayAddress("acme", "plant-1", "gw-1");
    private final Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final long nowMicros = BatchValidator.micros(now);

    private TelemetryBatch one(String gateway, long ts, String machine, String sensor, double value, Quality q) {
        return TelemetryBatch.builder(gateway, 1).add(ts, machine, sensor, value, q).build();
    }

    @Test
    void acceptsAPlausibleBatch() {
        assertTrue(validator.violation(one("gw-1", nowMicros, "m-1", "temp", 1.0, Quality.GOOD), sender, now).isEmpty());
        assertTrue(validator.violation(one("gw-1", nowMicros, "m-1", "temp", Double.NaN, Quality.BAD), sender, now).isEmpty());
    }

    @Test
    void rejectsEachViolationWithItsReason() {
        assertReason(one("gw-2", nowMicros, "m-1", "temp", 1.0, Quality.GOOD), "claims gateway");
        assertReason(one("gw-1", nowMicros, "m 1", "temp", 1.0, Quality.GOOD), "machine");
        assertReason(one("gw-1", nowMicros, "m-1", "", 1.0, Quality.GOOD), "sensor");
        assertReason(one("gw-1", nowMicros, "m-1", "temp", Double.POSITIVE_INFINITY, Quality.GOOD), "not finite");
        assertReason(one("gw-1", 0, "m-1", "temp", 1.0, Quality.GOOD), "timestamp");
        assertReason(one("gw-1", nowMicros + 2 * 3_600_000_000L, "m-1", "temp", 1.0, Quality.GOOD), "timestamp");
        TelemetryBatch badQuality = new TelemetryBatch("gw-1", 1, new long[] {nowMicros}, new String[] {"m"},
                new String[] {"s"}, new double[] {1}, new byte[] {9});
        assertReason(badQuality, "quality");
    }

    private void assertReason(TelemetryBatch batch, String expected) {
        String reason = validator.violation(batch, sender, now).orElseThrow();
        assertTrue(reason.contains(expected), reason);
    }
}
