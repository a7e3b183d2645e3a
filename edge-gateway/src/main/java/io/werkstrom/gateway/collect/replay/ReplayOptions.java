package io.werkstrom.gateway.collect.replay;

import java.time.Instant;
import java.util.Optional;

import io.werkstrom.gateway.collect.Collector;

/**
 * Options of a {@link ReplayCollector}. Immutable; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code speedUp} (default 1, above 0 and at most 1e9): a sample recorded {@code d} after the
 *       start of its series is collected at {@code start + d / speedUp};</li>
 *   <li>{@code start} (default: the moment of the first start): the replay's start on the real-time
 *       axis. Set it for a replay that resumes across restarts: the axis then stays the same and a
 *       restarted collector continues after the last spooled sample (samples whose time passed
 *       while the gateway was down are collected at once). Without it, a restarted collector has no
 *       axis to continue on and replays the data from its beginning, after the last spooled sample.
 *       A start whose samples the cloud would refuse as too old is refused by
 *       {@link ReplayCollector#start(long)}, and one after the year 9999 here;</li>
 *   <li>{@code badRows} (default {@link BadRowPolicy#MARK_BAD}): what a malformed row becomes.</li>
 * </ul>
 */
public final class ReplayOptions {

    private final double speedUp;
    private final Instant start;
    private final BadRowPolicy badRows;

    private ReplayOptions(Builder b) {
        this.speedUp = b.speedUp;
        this.start = b.start;
        this.badRows = b.badRows;
    }

    public static Builder builder() {
        return new Builder();
    }

    public double speedUp() {
        return speedUp;
    }

    public Optional<Instant> start() {
        return Optional.ofNullable(start);
    }

    public BadRowPolicy badRows() {
        return badRows;
    }

    @Override
    public String toString() {
        return "ReplayOptions[speedUp=" + speedUp + ", start=" + start + ", badRows=" + badRows + "]";
    }

    /** Collects options; {@link #build()} validates them and names the offending key. */
    public static final class Builder {
        private double speedUp = 1;
        private Instant start;
        private BadRowPolicy badRows = BadRowPolicy.MARK_BAD;

        private Builder() {
        }

        public Builder speedUp(double speedUp) {
            this.speedUp = speedUp;
            return this;
        }

        public Builder start(Instant start) {
            this.start = start;
            return this;
        }

        public Builder badRows(BadRowPolicy badRows) {
            this.badRows = badRows;
            return this;
        }

        public ReplayOptions build() {
            if (!(speedUp > 0) || speedUp > 1e9) {
                throw new IllegalArgumentException("speedUp must be above 0 and at most 1e9, got " + speedUp + ".");
            }
            if (start != null && start.isAfter(Collector.LATEST)) {
                throw new IllegalArgumentException("start must not lie after " + Collector.LATEST + ", got " + start + ".");
            }
            if (badRows == null) {
                throw new IllegalArgumentException("badRows must be one of MARK_BAD, FAIL, got null.");
            }
            return new ReplayOptions(this);
        }
    }
}
