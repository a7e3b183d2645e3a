package io.werkstrom.jobs.storage;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SqlStatementsTest {

    @Test
    void buildsMultiRowInserts() {
        assertEquals("INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?) ON CONFLICT DO NOTHING",
                SqlStatements.multiRowInsert("INSERT INTO t (a, b)", 2, 3, "ON CONFLICT DO NOTHING"));
        assertEquals("INSERT INTO t (a) VALUES (?)", SqlStatements.multiRowInsert("INSERT INTO t (a)", 1, 1, ""));
    }

    @Test
    void keepsStatementsWithinTheBindParameterLimit() {
        assertEquals(8_191, SqlStatements.chunkRows(100_000, 8));
        assertEquals(2_000, SqlStatements.chunkRows(2_000, 8));
        assertEquals(6_553, SqlStatements.chunkRows(8_191, 10));
        SqlStatements.multiRowInsert("INSERT INTO t", 8, 8_191, "");
        assertThrows(IllegalArgumentException.class, () -> SqlStatements.multiRowInsert("INSERT INTO t", 8, 8_192, ""));
        assertThrows(IllegalArgumentException.class, () -> SqlStatements.multiRowInsert("INSERT INTO t", 8, 0, ""));
    }

    @Test
    void convertsMicrosecondsExactlyIncludingBeforeTheEpoch() {
        assertEquals(OffsetDateTime.of(2025, 2, 3, 4, 5, 6, 123_456_000, ZoneOffset.UTC),
                SqlStatements.timestamp(1_738_555_506_123_456L));
        assertEquals(OffsetDateTime.of(1969, 12, 31, 23, 59, 59, 999_999_000, ZoneOffset.UTC),
                SqlStatements.timestamp(-1));
        assertEquals(LocalDate.of(1969, 12, 31), SqlStatements.utcDay(-1));
        assertEquals(LocalDate.of(2025, 2, 3), SqlStatements.utcDay(1_738_555_506_123_456L));
        assertEquals(LocalDate.of(2025, 2, 4), SqlStatements.utcDay(1_738_627_200_000_000L));
    }

    @Test
    void widensARefreshWindowToWholeBuckets() {
        Instant from = Instant.parse("2025-01-15T10:00:30Z");
        Instant to = Instant.parse("2025-01-15T11:59:30Z");
        assertEquals(Instant.parse("2025-01-15T10:00:00Z"), SqlStatements.floorToBucket(from, 60));
        assertEquals(Instant.parse("2025-01-15T12:00:00Z"), SqlStatements.ceilToBucket(to, 3_600));
        assertEquals(Instant.parse("2025-01-15T11:00:00Z"),
                SqlStatements.ceilToBucket(Instant.parse("2025-01-15T11:00:00Z"), 3_600));
        assertEquals(Instant.parse("2025-01-15T11:01:00Z"),
                SqlStatements.ceilToBucket(Instant.parse("2025-01-15T11:00:00.000001Z"), 60));
    }
}
