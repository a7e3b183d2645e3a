package io.werkstrom.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class WerkstromTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... argv) {
        return Werkstrom.run(List.of(argv), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String errors() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsTheCommands() {
        assertEquals(0, run("help"));
        String usage = out.toString(StandardCharsets.UTF_8);
        for (String command : List.of("demo", "job", "gateway", "migrate", "protocol wire-size")) {
            assertTrue(usage.contains(command), usage);
        }
    }

    @Test
    void badOptionsAreUsageErrorsThatNameTheOption() {
        assertEquals(2, run("demo", "--machines", "0"));
        assertTrue(errors().contains("--machines must be a positive whole number"), errors());
        assertEquals(2, run("demo", "--duration", "soon"));
        assertTrue(errors().contains("--duration must be a duration like"), errors());
        assertEquals(2, run("demo", "--colour", "red"));
        assertTrue(errors().contains("unknown option --colour"), errors());
        assertEquals(2, run("frobnicate"));
        assertTrue(errors().contains("unknown command 'frobnicate'"), errors());
        assertEquals(2, run("migrate"));
        assertTrue(errors().contains("--jdbc-url is required"), errors());
    }

    @Test
    void wireSizePrintsArrowAgainstJsonAsTheLastLine() {
        assertEquals(0, run("protocol", "wire-size", "--batch-interval", "1s"));
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        String json = lines[lines.length - 1];
        assertTrue(json.startsWith("{\"samples\":") && json.contains("\"arrow_bytes_per_sample\""), json);
    }
}
