package io.werkstrom.app.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.werkstrom.app.cli.UsageException;

import org.junit.jupiter.api.Test;

class CloudChaosTest {

    private static SampleTally.SampleKey key(String machine, long micros) {
        return new SampleTally.SampleKey(machine, "temperature_c", micros);
    }

    @Test
    void theTallyCountsLostAndDuplicatedSamples() {
        SampleTally tally = new SampleTally();
        tally.acknowledged(key("m1", 1));
        tally.acknowledged(key("m1", 2));
        tally.acknowledged(key("m2", 1));
        tally.stored(key("m1", 1), 1);
        tally.stored(key("m2", 1), 3);
        assertEquals(3, tally.generated());
        assertEquals(4, tally.storedRows());
        assertEquals(1, tally.lost(), "m1@2 never arrived");
        assertEquals(2, tally.duplicated(), "m2@1 is stored three times");
    }

    @Test
    void theRunPassesOnlyWithoutLossOrDuplicatesAndAfterARecovery() {
        assertTrue(new CloudChaosResult(10, 10, 0, 0, 1).passed());
        assertEquals(0, new CloudChaosResult(10, 10, 0, 0, 2).exitCode());
        assertEquals(1, new CloudChaosResult(10, 9, 1, 0, 1).exitCode(), "a lost sample");
        assertEquals(1, new CloudChaosResult(10, 11, 0, 1, 1).exitCode(), "a duplicate");
        assertEquals(1, new CloudChaosResult(10, 10, 0, 0, 0).exitCode(), "the failure never hit the job");
        assertEquals(1, new CloudChaosResult(0, 0, 0, 0, 1).exitCode(), "no gateway got a sample through");
    }

    @Test
    void theResultLineHasTheContractKeys() {
        assertEquals("{\"generated\":5, \"stored\":6, \"lost\":0, \"duplicated\":1, \"recoveries\":2}",
                new CloudChaosResult(5, 6, 0, 1, 2).toJson());
    }

    @Test
    void optionsNameWhatIsWrong() {
        CloudChaosOptions defaults = CloudChaosOptions.defaults();
        assertEquals(Duration.ofSeconds(20), defaults.killAfter());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CloudChaosOptions(4, 5, 20,
                Duration.ofSeconds(30), Duration.ofSeconds(30), 2, Duration.ofSeconds(10), null));
        assertTrue(e.getMessage().startsWith("kill-after "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CloudChaosOptions(4, 5, 20,
                Duration.ofSeconds(30), Duration.ofSeconds(10), 3, Duration.ofSeconds(10), null));
        assertTrue(e.getMessage().startsWith("parallelism "), e.getMessage());
    }

    @Test
    void moreRowsPerBatchThanTheJobDecodesAreRefusedNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CloudChaosOptions(4, 5,
                CloudChaosOptions.MAX_ROWS_PER_BATCH + 1, Duration.ofSeconds(30), Duration.ofSeconds(10), 2,
                Duration.ofSeconds(10), null));
        assertTrue(e.getMessage().startsWith("rows must be from 1 to 100000 "), e.getMessage());
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        UsageException usage = assertThrows(UsageException.class,
                () -> CloudChaos.command(List.of("cloud", "--rows", "100001"), sink, sink));
        assertTrue(usage.getMessage().contains("rows must be from 1 to 100000"), usage.getMessage());
    }

    @Test
    void theCommandRejectsAnUnknownScenarioAndBadOptions() {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        UsageException e = assertThrows(UsageException.class, () -> CloudChaos.command(List.of("moon"), sink, sink));
        assertTrue(e.getMessage().contains("cloud"), e.getMessage());
        e = assertThrows(UsageException.class,
                () -> CloudChaos.command(List.of("cloud", "--duration", "10s", "--kill-after", "20s"), sink, sink));
        assertTrue(e.getMessage().contains("kill-after"), e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }
}
