package io.werkstrom.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The help text lists every option of the evaluation commands. */
class EvalHelpTest {

    @Test
    void helpListsTheDetectorAndSeedOptionsOfTheEvalCommands() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, Werkstrom.run(List.of("help"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        String usage = out.toString(StandardCharsets.UTF_8);
        assertTrue(usage.contains("eval anomaly --dataset nab|skab --data DIR [--detector NAME]"), usage);
        assertTrue(usage.contains("eval quality --dataset cmapss|ai4i --data DIR [--seed N]"), usage);
    }
}
