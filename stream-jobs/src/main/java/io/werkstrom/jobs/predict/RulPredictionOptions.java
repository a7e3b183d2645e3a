package io.werkstrom.jobs.predict;

import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of the job's remaining-useful-life prediction ({@link RulPredictionFunction}).
 *
 * @param enabled      whether machines' cycles get a predicted remaining useful life (needs a model
 *                     named {@value ModelRegistry#RUL} in {@code models}); default true
 * @param maxHistory   cycles kept per machine's run, {@value #MIN_MAX_HISTORY}..{@value #MAX_MAX_HISTORY};
 *                     default {@value #DEFAULT_MAX_HISTORY}, above the longest C-MAPSS training run (see
 *                     {@link MachineRun} for what a longer run loses)
 * @param reorderDelay how long (processing time) a cycle's timestamp waits for the rest of its samples and for
 *                     earlier cycles that readers deliver out of order; default 5 s (see {@link RulPredictor})
 * @param maxReorderDelay how far a machine's reorder delay may grow: each batch that brings samples for a
 *                     timestamp already taken doubles that machine's delay up to this; default 60 s, at least
 *                     {@code reorderDelay} (equal: the delay never grows)
 */
public record RulPredictionOptions(boolean enabled, int maxHistory, Duration reorderDelay, Duration maxReorderDelay)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_MAX_HISTORY = 1_000;
    /** Room for the features' longest window (twice the default 30 cycles) beside the run's first cycles. */
    public static final int MIN_MAX_HISTORY = 100;
    public static final int MAX_MAX_HISTORY = 100_000;
    public static final Duration DEFAULT_REORDER_DELAY = Duration.ofSeconds(5);
    public static final Duration DEFAULT_MAX_REORDER_DELAY = Duration.ofSeconds(60);

    public RulPredictionOptions {
        if (maxHistory < MIN_MAX_HISTORY || maxHistory > MAX_MAX_HISTORY) {
            throw new IllegalArgumentException("maxHistory must be between " + MIN_MAX_HISTORY + " and "
                    + MAX_MAX_HISTORY + ", got " + maxHistory + ".");
        }
        if (reorderDelay == null || reorderDelay.isNegative()) {
            throw new IllegalArgumentException("reorderDelay must not be negative, got " + reorderDelay + ".");
        }
        if (maxReorderDelay == null || maxReorderDelay.compareTo(reorderDelay) < 0) {
            throw new IllegalArgumentException("maxReorderDelay must be at least reorderDelay (" + reorderDelay
                    + "), got " + maxReorderDelay + ".");
        }
    }

    /** These settings with a reorder delay that never grows. */
    public static RulPredictionOptions fixedDelay(boolean enabled, int maxHistory, Duration reorderDelay) {
        return new RulPredictionOptions(enabled, maxHistory, reorderDelay, reorderDelay);
    }

    public static RulPredictionOptions defaults() {
        return new RulPredictionOptions(true, DEFAULT_MAX_HISTORY, DEFAULT_REORDER_DELAY, DEFAULT_MAX_REORDER_DELAY);
    }
}
