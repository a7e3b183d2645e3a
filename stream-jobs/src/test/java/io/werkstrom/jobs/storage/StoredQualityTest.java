package io.werkstrom.jobs.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.werkstrom.protocol.Quality;

class StoredQualityTest {

    private static final byte GOOD = Quality.GOOD.code();
    private static final byte UNCERTAIN = Quality.UNCERTAIN.code();
    private static final byte BAD = Quality.BAD.code();

    @Test
    void aGoodOrUncertainValueBeyondTheBoundIsStoredAsBadAndEverythingElseAsItCame() {
        assertEquals(GOOD, StoredQuality.of(1e100, GOOD), "the bound itself");
        assertEquals(UNCERTAIN, StoredQuality.of(-1e100, UNCERTAIN));
        assertEquals(BAD, StoredQuality.of(Math.nextUp(1e100), GOOD));
        assertEquals(BAD, StoredQuality.of(-Double.MAX_VALUE, UNCERTAIN));
        assertEquals(BAD, StoredQuality.of(1e200, BAD));
        assertEquals(BAD, StoredQuality.of(Double.NaN, BAD));
        assertEquals(GOOD, StoredQuality.of(0.0, GOOD));

        assertTrue(StoredQuality.demoted(1e154, GOOD));
        assertFalse(StoredQuality.demoted(1e154, BAD), "already bad");
        assertFalse(StoredQuality.demoted(25.0, GOOD));
    }
}
