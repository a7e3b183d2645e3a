package io.werkstrom.app.chaos;

import java.time.Duration;

/**
 * Options of {@link EdgeChaos}, with the drill's schedule derived from them: the broker goes away
 * {@link #OUTAGE_START} after the gateway started, for {@code outage}; the gateway is killed with
 * SIGKILL a while after the broker is back ({@link #killAt()}) and restarted on the same spool
 * {@link #RESTART_PAUSE} later; it stops (and drains) {@code duration} after the first start.
 *
 * @param duration  how long the gateway publishes in all
 * @param outage    how long the broker is down
 * @param machines  simulated machines
 * @param rate      samples per second per sensor, at least {@link #MIN_RATE}
 * @param seed      the simulator's seed
 */
public record ChaosOptions(Duration duration, Duration outage, int machines, double rate, long seed) {

    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(90);
    public static final Duration DEFAULT_OUTAGE = Duration.ofSeconds(30);
    public static final Duration OUTAGE_START = Duration.ofSeconds(8);
    public static final Duration RESTART_PAUSE = Duration.ofSeconds(2);
    /** The restarted gateway publishes at least this long before it stops. */
    static final Duration MIN_AFTER_RESTART = Duration.ofSeconds(8);
    /**
     * The lowest rate: a gateway that ran to the end of the run has its last sample up to one tick
     * (1 / rate) before that end, and the drill allows {@link ChaosResult#SHORTFALL_ALLOWANCE_SECONDS}
     * for that tick, its last batch interval and its stop; a slower simulator would fail the drill
     * as a gateway that stopped early.
     */
    public static final double MIN_RATE = 1;

    public ChaosOptions {
        if (outage == null || outage.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("outage must be at least 1s, got " + outage + ".");
        }
        if (duration == null) {
            throw new IllegalArgumentException("duration must be set.");
        }
        Duration minimum = OUTAGE_START.plus(outage).plusSeconds(5).plus(RESTART_PAUSE).plus(MIN_AFTER_RESTART);
        if (duration.compareTo(minimum) < 0) {
            throw new IllegalArgumentException("duration must be at least " + minimum.toSeconds() + "s with an outage of "
                    + outage.toSeconds() + "s, got " + duration.toSeconds() + "s.");
        }
        if (machines < 1 || machines > 100) {
            throw new IllegalArgumentException("machines must be between 1 and 100, got " + machines + ".");
        }
        if (!(rate >= MIN_RATE) || rate > 100) {
            throw new IllegalArgumentException("rate must be from 1 to 100 samples/s (a slower tick would leave the"
                    + " restarted gateway's last sample more than " + ChaosResult.SHORTFALL_ALLOWANCE_SECONDS
                    + "s before the end of the run), got " + rate + ".");
        }
    }

    /** When the broker comes back, from the gateway's first start. */
    public Duration outageEnd() {
        return OUTAGE_START.plus(outage);
    }

    /** When the gateway is killed: a third of the way through what is left after the outage, at least 5 s after it. */
    public Duration killAt() {
        Duration left = duration.minus(outageEnd()).minus(RESTART_PAUSE).minus(MIN_AFTER_RESTART);
        Duration third = duration.minus(outageEnd()).dividedBy(3);
        Duration after = third.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : third;
        return outageEnd().plus(after.compareTo(left) > 0 ? left : after);
    }
}
