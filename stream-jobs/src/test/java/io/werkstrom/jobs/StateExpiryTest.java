package io.werkstrom.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.api.Test;

class StateExpiryTest {

    @Test
    void stateExpiresInProcessingTimeAfterItsLastWriteAndIsNeverReadExpired() {
        ValueStateDescriptor<Long> descriptor = StateExpiry.defaults().applyTo(
                new ValueStateDescriptor<>("state", Types.LONG));
        StateTtlConfig ttl = descriptor.getTtlConfig();
        assertTrue(ttl.isEnabled());
        assertEquals(Duration.ofDays(30), ttl.getTimeToLive());
        assertEquals(StateTtlConfig.TtlTimeCharacteristic.ProcessingTime, ttl.getTtlTimeCharacteristic());
        assertEquals(StateTtlConfig.UpdateType.OnCreateAndWrite, ttl.getUpdateType());
        assertEquals(StateTtlConfig.StateVisibility.NeverReturnExpired, ttl.getStateVisibility());
        assertTrue(ttl.getCleanupStrategies().isCleanupInBackground());
        assertTrue(ttl.getCleanupStrategies().inFullSnapshot());
    }

    @Test
    void zeroKeepsStateForAsLongAsTheJobRuns() {
        ValueStateDescriptor<Long> descriptor = StateExpiry.NEVER.applyTo(new ValueStateDescriptor<>("state", Types.LONG));
        assertFalse(descriptor.getTtlConfig().isEnabled());
        assertFalse(StateExpiry.NEVER.enabled());
        assertEquals("never", StateExpiry.NEVER.toString());
        assertEquals("30d", StateExpiry.defaults().toString());
    }

    @Test
    void anExpiryShorterThanAnHourOrNegativeIsRefusedNamingTheField() {
        for (Duration refused : new Duration[] {Duration.ofMinutes(59), Duration.ofMillis(1), Duration.ofDays(-1), null}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StateExpiry(refused));
            assertTrue(e.getMessage().startsWith("idleExpiry must be 0 (never) or at least 1h, got "), e.getMessage());
        }
        assertEquals(Duration.ofHours(1), new StateExpiry(Duration.ofHours(1)).idleExpiry());
    }
}
