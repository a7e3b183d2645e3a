package io.werkstrom.jobs.eventtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

class GatewayWatermarksTest {

    private static final EventTimeOptions OPTIONS =
            new EventTimeOptions(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofMinutes(1));

    @Test
    void noGatewayMeansIdle() {
        assertTrue(new GatewayWatermarks(OPTIONS).watermark(0).isEmpty());
    }

    @Test
    void theSlowestActiveGatewayHoldsTheWatermarkBack() {
        GatewayWatermarks watermarks = new GatewayWatermarks(OPTIONS);
        watermarks.observe("t/fast", 100_000, 0);
        watermarks.observe("t/slow", 40_000, 0);
        assertEquals(OptionalLong.of(40_000 - 5_000 - 1), watermarks.watermark(1_000));
        watermarks.observe("t/slow", 90_000, 2_000);
        assertEquals(OptionalLong.of(90_000 - 5_000 - 1), watermarks.watermark(2_000));
    }

    @Test
    void anIdleGatewayStopsHoldingTheWatermarkBack() {
        GatewayWatermarks watermarks = new GatewayWatermarks(OPTIONS);
        watermarks.observe("t/quiet", 10_000, 0);
        watermarks.observe("t/busy", 500_000, 50_000);
        assertEquals(OptionalLong.of(10_000 - 5_001), watermarks.watermark(59_999));
        assertEquals(OptionalLong.of(500_000 - 5_001), watermarks.watermark(60_000), "quiet for the idleness timeout");
        assertEquals(1, watermarks.trackedGateways(), "an idle gateway is forgotten");
        assertTrue(watermarks.watermark(110_000).isEmpty(), "every gateway idle: the stream is idle");
    }

    @Test
    void theWatermarkNeverGoesBack() {
        GatewayWatermarks watermarks = new GatewayWatermarks(OPTIONS);
        watermarks.observe("t/a", 100_000, 0);
        assertEquals(OptionalLong.of(94_999), watermarks.watermark(0));
        // A gateway that returns after an outage with old data does not move the watermark back.
        watermarks.observe("t/b", 1_000, 1);
        assertEquals(OptionalLong.of(94_999), watermarks.watermark(2));
    }

    @Test
    void optionsNameTheBadKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EventTimeOptions(Duration.ofSeconds(-1), Duration.ofSeconds(1), Duration.ZERO));
        assertTrue(e.getMessage().startsWith("outOfOrderness "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new EventTimeOptions(Duration.ZERO, Duration.ZERO, Duration.ZERO));
        assertTrue(e.getMessage().startsWith("idleness "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new EventTimeOptions(Duration.ZERO, Duration.ofSeconds(1), null));
        assertTrue(e.getMessage().startsWith("allowedLateness "), e.getMessage());
        // PostgreSQL refuses a statement_timeout above 2^31 - 1 ms, about 24.8 days.
        e = assertThrows(IllegalArgumentException.class, () -> new EventTimeOptions(Duration.ZERO, Duration.ofSeconds(1),
                Duration.ZERO, Duration.ofMinutes(1), Duration.ofDays(25)));
        assertTrue(e.getMessage().startsWith("refreshTimeout "), e.getMessage());
    }
}
