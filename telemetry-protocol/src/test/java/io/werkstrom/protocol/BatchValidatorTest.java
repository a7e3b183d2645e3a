package io.werkstrom.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
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

    @Test
    void theReasonNamesTheQualityTheSameWayUnderEveryDefaultLocale() {
        java.util.Locale before = java.util.Locale.getDefault();
        // Turkish lower-cases I to a dotless ı: "uncertaın" under a locale-sensitive toLowerCase.
        java.util.Locale.setDefault(java.util.Locale.forLanguageTag("tr-TR"));
        try {
            String reason = validator.violation(one("gw-1", nowMicros, "m-1", "temp", Double.NaN, Quality.UNCERTAIN),
                    sender, now).orElseThrow();
            assertTrue(reason.endsWith("is not finite but quality is uncertain"), reason);
        } finally {
            java.util.Locale.setDefault(before);
        }
    }

    private void assertReason(TelemetryBatch batch, String expected) {
        String reason = validator.violation(batch, sender, now).orElseThrow();
        assertTrue(reason.contains(expected), reason);
    }

    @Test
    void samplesOlderThanTheMaximumAgeAreRefusedNamingTheLimitAndTheSample() {
        long day = 86_400_000_000L;
        assertEquals(Duration.ofDays(365), validator.maxSampleAge(), "the default matches the TimescaleDB retention");
        assertTrue(validator.violation(one("gw-1", nowMicros - 364 * day, "m-1", "temp", 1.0, Quality.GOOD), sender, now)
                .isEmpty(), "364 days old");
        TelemetryBatch old = TelemetryBatch.builder("gw-1", 1)
                .add(nowMicros, "m-1", "temp", 1.0, Quality.GOOD)
                .add(nowMicros - 366 * day, "m-1", "temp", 1.0, Quality.GOOD).build();
        String reason = validator.violation(old, sender, now).orElseThrow();
        assertTrue(reason.startsWith("row 1: timestamp ") && reason.contains("(2024-12-31T00:00:00Z)")
                && reason.contains("older than the maximum sample age of 365 days"), reason);

        BatchValidator month = new BatchValidator(Duration.ofHours(1), Duration.ofDays(30));
        assertTrue(month.violation(one("gw-1", nowMicros - 29 * day, "m-1", "temp", 1.0, Quality.GOOD), sender, now)
                .isEmpty());
        assertTrue(month.violation(one("gw-1", nowMicros - 31 * day, "m-1", "temp", 1.0, Quality.GOOD), sender, now)
                .orElseThrow().contains("maximum sample age of 30 days"));
        // An age reaching back before EARLIEST leaves EARLIEST the bound (and does not overflow).
        BatchValidator forever = new BatchValidator(Duration.ofHours(1), Duration.ofSeconds(Long.MAX_VALUE));
        assertTrue(forever.violation(one("gw-1", BatchValidator.micros(BatchValidator.EARLIEST), "m-1", "temp", 1.0,
                Quality.GOOD), sender, now).isEmpty());
    }

    @Test
    void theClockSkewBoundIsTheReceiptPlusTheSkewToTheMicrosecond() {
        Instant received = Instant.parse("2026-01-01T00:00:00.500000Z");
        long latest = 1_767_225_600_500_000L + 3_600_000_000L; // received + 1 h, in microseconds
        assertTrue(validator.violation(one("gw-1", latest, "m-1", "temp", 1.0, Quality.GOOD), sender, received).isEmpty());
        String reason = validator.violation(one("gw-1", latest + 1, "m-1", "temp", 1.0, Quality.GOOD), sender, received)
                .orElseThrow();
        assertTrue(reason.startsWith("row 0: timestamp " + (latest + 1) + " us lies outside"), reason);
    }

    /** One sample a day since 1990: thousands of days, each a partition on plain PostgreSQL. */
    @Test
    void aBatchReachingBackDecadesIsRefused() {
        TelemetryBatch.Builder decades = TelemetryBatch.builder("gw-1", 1);
        for (Instant day = BatchValidator.EARLIEST; day.isBefore(now); day = day.plus(Duration.ofDays(1))) {
            decades.add(BatchValidator.micros(day), "m-1", "temp", 1.0, Quality.GOOD);
        }
        TelemetryBatch batch = decades.build();
        assertTrue(batch.size() > 13_000, "rows: " + batch.size());
        String reason = validator.violation(batch, sender, now).orElseThrow();
        assertTrue(reason.startsWith("row 0: ") && reason.contains("(1990-01-01T00:00:00Z)")
                && reason.contains("maximum sample age of 365 days"), reason);
    }

    @Test
    void limitsMustBeUsable() {
        IllegalArgumentException age = assertThrows(IllegalArgumentException.class,
                () -> new BatchValidator(Duration.ofHours(1), Duration.ZERO));
        assertTrue(age.getMessage().startsWith("maxSampleAge must be positive"), age.getMessage());
        IllegalArgumentException skew = assertThrows(IllegalArgumentException.class,
                () -> new BatchValidator(Duration.ofHours(-1), Duration.ofDays(1)));
        assertTrue(skew.getMessage().startsWith("maxClockSkew must not be negative"), skew.getMessage());
    }

    @Test
    void aSampleTooOldIsNamedToTheMicrosecondAndAnAgeOfPartDaysAsADuration() {
        BatchValidator hours = new BatchValidator(Duration.ofHours(1), Duration.ofHours(36));
        long tooOld = nowMicros - 37 * 3_600_000_000L + 500_001;
        String reason = hours.violation(one("gw-1", tooOld, "m-1", "temp", 1.0, Quality.GOOD), sender, now).orElseThrow();
        assertTrue(reason.contains("(2025-12-30T11:00:00.500001Z)") && reason.contains("maximum sample age of PT36H"), reason);
    }
}
