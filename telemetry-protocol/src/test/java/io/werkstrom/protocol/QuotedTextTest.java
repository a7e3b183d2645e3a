package io.werkstrom.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class QuotedTextTest {

    @Test
    void aValueOfUpTo80CharactersIsKeptAndALongerOneIsCutTo77AndAnEllipsis() {
        String eighty = "m".repeat(80);
        assertEquals(eighty, QuotedText.abbreviate(eighty));
        assertEquals("m".repeat(77) + "...", QuotedText.abbreviate(eighty + "x"));
    }

    @Test
    void aCutNeverSplitsACharacterOutsideTheBasicPlane() {
        String value = "m".repeat(76) + "😀" + "m".repeat(10); // the emoji's halves at 76 and 77
        String cut = QuotedText.abbreviate(value);
        assertEquals("m".repeat(76) + "...", cut);
        assertEquals(cut, new String(cut.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8),
                "well-formed: survives UTF-8");
        String whole = "m".repeat(75) + "😀" + "m".repeat(10); // the emoji ends at the cut
        assertEquals("m".repeat(75) + "😀...", QuotedText.abbreviate(whole));
    }

    @Test
    void aLongerQuoteIsCutTheSameWay() {
        String value = "m".repeat(196) + "😀" + "m".repeat(10); // the emoji's halves at 196 and 197
        assertEquals("m".repeat(196) + "...", QuotedText.abbreviate(value, 200));
        assertEquals(value, QuotedText.abbreviate(value, value.length()));
    }

    @Test
    void aRefusedMachineNameIsQuotedWellFormed() {
        GatewayAddress sender = new GatewayAddress("acme", "plant-1", "gw-1");
        String machine = "m".repeat(76) + "😀" + "m".repeat(10);
        java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");
        TelemetryBatch batch = TelemetryBatch.builder("gw-1", 1)
                .add(BatchValidator.micros(now), machine, "temp", 1.0, Quality.GOOD).build();
        String violation = new BatchValidator().violation(batch, sender, now).orElseThrow();
        assertEquals("row 0: machine '" + "m".repeat(76) + "...' must match " + BatchValidator.IDENTIFIER.pattern(),
                violation);
    }

    @Test
    void aQuoteOfFiveCharactersIsTheShortestAllowed() {
        assertEquals("mm...", QuotedText.abbreviate("mmmmmm", 5));
        assertThrows(IllegalArgumentException.class, () -> QuotedText.abbreviate("mmmmmm", 4));
    }
}
