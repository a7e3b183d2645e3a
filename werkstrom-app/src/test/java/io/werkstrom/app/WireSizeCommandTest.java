package io.werkstrom.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The bounds of {@code protocol wire-size}: a fleet or a batch too large is refused before anything is encoded. */
class WireSizeCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... argv) {
        return Werkstrom.run(List.of(argv), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void refusesMoreMachinesThanAGatewayServes() {
        assertEquals(2, run("protocol", "wire-size", "--machines", "1001"));
        String errors = err.toString(StandardCharsets.UTF_8);
        assertTrue(errors.contains("--machines must be a whole number from 1 to 1000, got '1001'"), errors);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void refusesABatchWhoseJsonWouldNotFitAHeap() {
        // 1,000 machines x 6 signals x 100 Hz x 2 s: 1.2 million samples in one batch.
        assertEquals(2, run("protocol", "wire-size", "--machines", "1000", "--rate", "100", "--batch-interval", "2s"));
        String errors = err.toString(StandardCharsets.UTF_8);
        assertTrue(errors.contains("1,200,000 samples per batch, more than 1,000,000"), errors);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
