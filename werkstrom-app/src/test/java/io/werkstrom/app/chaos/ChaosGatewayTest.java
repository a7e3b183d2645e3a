package io.werkstrom.app.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The cloud drill's simulated gateway paces its batches within the run. */
class ChaosGatewayTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void aBatchDueAfterTheEndOfTheRunIsNotWaitedFor() {
        // --rate 0.01: the next batch is due 100 s on, but the run ends in 2 s
        assertEquals(2 * SECOND, ChaosGateway.pause(100 * SECOND, 0, 2 * SECOND),
                "the gateway waits for the end of the run, not for a batch it will not send");
        assertEquals(SECOND / 5, ChaosGateway.pause(SECOND, 4 * SECOND / 5, 10 * SECOND), "on schedule");
        assertEquals(0, ChaosGateway.pause(SECOND, 2 * SECOND, 10 * SECOND), "behind schedule: at once");
        assertEquals(0, ChaosGateway.pause(5 * SECOND, 3 * SECOND, 2 * SECOND), "the run is over");
    }
}
