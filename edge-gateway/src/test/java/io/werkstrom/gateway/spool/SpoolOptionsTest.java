package io.werkstrom.gateway.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import io.werkstrom.gateway.spool.SpoolOptions.FsyncPolicy;

class SpoolOptionsTest {

    private static SpoolOptions.Builder valid() {
        return SpoolOptions.builder().directory(Path.of("spool"));
    }

    @Test
    void defaults() {
        SpoolOptions options = valid().build();
        assertEquals(Path.of("spool"), options.directory());
        assertEquals(256L << 20, options.maxBytes());
        assertEquals(16 << 20, options.segmentBytes());
        assertEquals(FsyncPolicy.INTERVAL, options.fsyncPolicy());
        assertEquals(100, options.fsyncIntervalRecords());
        assertEquals(Duration.ofSeconds(1), options.fsyncInterval());
    }

    @Test
    void validationMessagesNameTheKey() {
        assertMessageNames("directory", () -> SpoolOptions.builder().build());
        assertMessageNames("segmentBytes", () -> valid().segmentBytes(SpoolOptions.MIN_SEGMENT_BYTES - 1).build());
        assertMessageNames("segmentBytes", () -> valid().segmentBytes(SpoolOptions.MAX_SEGMENT_BYTES + 1).build());
        assertMessageNames("maxBytes", () -> valid().segmentBytes(1024).maxBytes(2047).build());
        assertMessageNames("fsyncPolicy", () -> valid().fsyncPolicy(null).build());
        assertMessageNames("fsyncIntervalRecords", () -> valid().fsyncIntervalRecords(0).build());
        assertMessageNames("fsyncInterval", () -> valid().fsyncInterval(Duration.ZERO).build());
        assertMessageNames("fsyncInterval", () -> valid().fsyncInterval(null).build());
        assertMessageNames("owner", () -> valid().owner("").build());
        // Read back stripped from spool.owner, it would no longer match: the next start would refuse the spool.
        assertMessageNames("owner", () -> valid().owner("acme/plant-1/gw-1\n").build());
    }

    @Test
    void smallestValidSpoolIsTwoSegments() {
        SpoolOptions options = valid().segmentBytes(1024).maxBytes(2048).build();
        assertEquals(2048, options.maxBytes());
    }

    @Test
    void theLimitsThemselvesAreAccepted() {
        SpoolOptions largest = valid().segmentBytes(SpoolOptions.MAX_SEGMENT_BYTES)
                .maxBytes(2L * SpoolOptions.MAX_SEGMENT_BYTES).build();
        assertEquals(SpoolOptions.MAX_SEGMENT_BYTES, largest.segmentBytes());
        SpoolOptions shortest = valid().fsyncIntervalRecords(1).fsyncInterval(Duration.ofMillis(1)).build();
        assertEquals(Duration.ofMillis(1), shortest.fsyncInterval());
    }

    @Test
    void aMaxBytesBelowTwoSegmentsIsRefusedNamingTheLeastAccepted() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> valid().segmentBytes(1024).maxBytes(2047).build());
        assertEquals("maxBytes must be at least twice segmentBytes (2048), got 2047.", e.getMessage());
    }

    @Test
    void toStringNamesEveryOptionAndTheOwnerOnlyWhenThereIsOne() {
        assertEquals("SpoolOptions[directory=spool, maxBytes=268435456, segmentBytes=16777216, fsyncPolicy=INTERVAL, "
                + "fsyncIntervalRecords=100, fsyncInterval=PT1S]", valid().build().toString());
        String owned = valid().owner("acme/plant-1/gw-1").build().toString();
        assertTrue(owned.endsWith(", fsyncInterval=PT1S, owner=acme/plant-1/gw-1]"), owned);
    }

    private static void assertMessageNames(String key, Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().startsWith(key + " "), e.getMessage());
    }
}
