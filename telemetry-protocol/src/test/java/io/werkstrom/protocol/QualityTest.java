package io.werkstrom.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class QualityTest {

    @Test
    void everyDefinedCodeNamesItsQualityAndTheNextOneIsRefused() {
        for (Quality quality : Quality.values()) {
            assertEquals(quality, Quality.ofCode(quality.code()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quality.ofCode(3));
        assertEquals("quality code 3 is not one of 0 (good), 1 (uncertain), 2 (bad).", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Quality.ofCode(-1));
    }
}
