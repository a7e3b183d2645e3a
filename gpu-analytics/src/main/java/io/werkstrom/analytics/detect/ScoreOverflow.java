package io.werkstrom.analytics.detect;

/**
 * The rule for extreme but finite sensor values: they never silence a detector.
 *
 * <p>A value near the ends of the double range (1e307, {@link Double#MAX_VALUE}) overflows a
 * detector's arithmetic ({@code x - mean}, squares, sums), and a score computed from it can come
 * out as infinity or NaN. NaN compares false with every threshold, so unchecked it would read as
 * "no alarm". Therefore:
 * <ul>
 *   <li>a score that is NaN or {@code +Infinity} for finite inputs is the largest finite score,
 *       {@link Double#MAX_VALUE}: an alarm above every threshold (the detectors scoring in
 *       {@code [0, 1)} use their largest score below 1 instead);</li>
 *   <li>a training window whose statistics overflow (a sensor's mean or standard deviation not
 *       finite) gives no model: the fit throws {@link IllegalArgumentException}, as for any other
 *       unusable window, and the caller keeps the model it had, or none, and counts it.</li>
 * </ul>
 * A finite score is returned unchanged, so scores on ordinary data stay bit for bit what they
 * were. The rule is applied to the result array after a kernel has run, never inside one, so that
 * every {@link io.werkstrom.analytics.kernel.KernelBackend} gets the same semantics.
 *
 * <p>Stateless; thread-safe.
 */
public final class ScoreOverflow {

    private ScoreOverflow() {
    }

    /** {@code score} when it is below {@code +Infinity}; {@link Double#MAX_VALUE} for NaN and {@code +Infinity}. */
    public static double saturate(double score) {
        // NaN fails the comparison too.
        return score < Double.POSITIVE_INFINITY ? score : Double.MAX_VALUE;
    }
}
