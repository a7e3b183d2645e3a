package io.werkstrom.jobs.storage;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Small pure helpers for the store's SQL: multi-row statements, times and bucket windows. */
final class SqlStatements {

    /** The PostgreSQL wire protocol counts bind parameters in 16 bits. */
    static final int MAX_PARAMETERS = 65_535;

    private SqlStatements() {
    }

    /**
     * {@code head VALUES (?, ?), (?, ?) tail} for {@code rows} rows of {@code columns} parameters.
     */
    static String multiRowInsert(String head, int columns, int rows, String tail) {
        if (columns < 1 || rows < 1) {
            throw new IllegalArgumentException("columns and rows must be positive, got " + columns + " and " + rows);
        }
        if ((long) columns * rows > MAX_PARAMETERS) {
            throw new IllegalArgumentException(rows + " rows of " + columns + " columns exceed "
                    + MAX_PARAMETERS + " bind parameters");
        }
        StringBuilder tuple = new StringBuilder(columns * 3).append('(');
        for (int c = 0; c < columns; c++) {
            tuple.append(c == 0 ? "?" : ", ?");
        }
        tuple.append(')');
        StringBuilder sql = new StringBuilder(head.length() + tail.length() + rows * (tuple.length() + 2) + 8);
        sql.append(head).append(" VALUES ");
        for (int r = 0; r < rows; r++) {
            if (r > 0) {
                sql.append(", ");
            }
            sql.append(tuple);
        }
        if (!tail.isEmpty()) {
            sql.append(' ').append(tail);
        }
        return sql.toString();
    }

    /** Rows per statement: the configured chunk, or fewer when the columns would exceed the parameter limit. */
    static int chunkRows(int configured, int columns) {
        return Math.max(1, Math.min(configured, MAX_PARAMETERS / columns));
    }

    /** Microseconds since the epoch (UTC) as a timestamptz value, exact to the microsecond. */
    static OffsetDateTime timestamp(long micros) {
        long seconds = Math.floorDiv(micros, 1_000_000L);
        long nanos = Math.floorMod(micros, 1_000_000L) * 1_000L;
        return OffsetDateTime.ofInstant(Instant.ofEpochSecond(seconds, nanos), ZoneOffset.UTC);
    }

    /** The UTC day a timestamp falls on; the unit of the daily partitions. */
    static LocalDate utcDay(long micros) {
        return LocalDate.ofEpochDay(Math.floorDiv(micros, 86_400_000_000L));
    }

    /** The start of the bucket of {@code bucketSeconds} that holds {@code instant} (buckets aligned to the epoch). */
    static Instant floorToBucket(Instant instant, long bucketSeconds) {
        long start = Math.floorDiv(instant.getEpochSecond(), bucketSeconds) * bucketSeconds;
        return Instant.ofEpochSecond(start);
    }

    /** The end of the bucket that holds the last instant before {@code instant}, i.e. ceil for a half-open range. */
    static Instant ceilToBucket(Instant instant, long bucketSeconds) {
        Instant floor = floorToBucket(instant, bucketSeconds);
        return floor.equals(instant) ? instant : floor.plusSeconds(bucketSeconds);
    }
}
