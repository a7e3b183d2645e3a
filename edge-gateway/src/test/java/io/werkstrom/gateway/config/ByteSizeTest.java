package io.werkstrom.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** One parser for sizes, shared by the configuration file and the command line. */
class ByteSizeTest {

    @Test
    void theSuffixesOfBothFormsAreAccepted() {
        assertEquals(268_435_456L, ByteSize.parse("268435456"));
        assertEquals(256L << 20, ByteSize.parse("256MiB"));
        assertEquals(256L << 20, ByteSize.parse("256m"));
        assertEquals(256L << 20, ByteSize.parse("256M"));
        assertEquals(300_000_000L, ByteSize.parse("300MB"));
        assertEquals(300_000_000L, ByteSize.parse("300 mb"));
        assertEquals(1L << 30, ByteSize.parse("1GiB"));
        assertEquals(1L << 30, ByteSize.parse("1g"));
        assertEquals(64L << 10, ByteSize.parse("64k"));
        assertEquals(2_000L, ByteSize.parse("2KB"));
        assertEquals(512L, ByteSize.parse("512B"));
    }

    @Test
    void anythingElseIsRefusedQuotingTheText() {
        for (String bad : new String[] {"lots", "", "-1m", "1.5GiB", "256 TB", "256mi"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(bad), bad);
            assertTrue(e.getMessage().equals("expected a size such as 268435456, 256MiB, 256MB or 256m, got '" + bad + "'"),
                    e.getMessage());
        }
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class,
                () -> ByteSize.parse("99999999999999999999GiB"));
        assertTrue(huge.getMessage().startsWith("too large"), huge.getMessage());
    }
}
