package io.werkstrom.jobs.eventtime;

import java.io.Serializable;
import java.time.Instant;

/**
 * A half-open range of event time [{@code fromMicros}, {@code toMicros}) in epoch microseconds,
 * e.g. the samples of a late batch whose aggregate buckets must be refreshed.
 */
public record EventRange(long fromMicros, long toMicros) implements Serializable {

    private static final long serialVersionUID = 1L;

    public EventRange {
        if (fromMicros >= toMicros) {
            throw new IllegalArgumentException("fromMicros (" + fromMicros + ") must be below toMicros (" + toMicros + ").");
        }
    }

    public Instant from() {
        return instant(fromMicros);
    }

    public Instant to() {
        return instant(toMicros);
    }

    /** True when the two ranges overlap or lie at most {@code gapMicros} apart. */
    public boolean near(EventRange other, long gapMicros) {
        return fromMicros <= Math.addExact(other.toMicros, gapMicros) && other.fromMicros <= Math.addExact(toMicros, gapMicros);
    }

    public EventRange span(EventRange other) {
        return new EventRange(Math.min(fromMicros, other.fromMicros), Math.max(toMicros, other.toMicros));
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }
}
