package io.werkstrom.jobs;

import java.time.Duration;

/** Writes durations as the job's options are written: {@code 400d}, {@code 1h}, {@code 90s}, {@code 250ms}. */
public final class Durations {

    private Durations() {
    }

    /** The largest whole unit (days, hours, minutes, seconds, else milliseconds) of a non-negative duration. */
    public static String format(Duration duration) {
        long ms = duration.toMillis();
        if (ms % 86_400_000 == 0 && ms >= 86_400_000) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        return ms % 1_000 == 0 ? ms / 1_000 + "s" : ms + "ms";
    }
}
