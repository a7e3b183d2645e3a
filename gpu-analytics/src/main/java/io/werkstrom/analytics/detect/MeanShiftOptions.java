package io.werkstrom.analytics.detect;

/**
 * Settings of a {@link MeanShiftDetector}. Immutable; start from {@link #defaults()} or
 * {@link #builder()}; {@link Builder#build()} names the offending option in its message.
 *
 * <ul>
 *   <li>{@code window} (20): rows in the moving mean of each sensor; the mean of row {@code i}
 *       covers rows {@code i - window + 1 … i}, never a later one. A longer window sees smaller
 *       sustained shifts and raises its alarm later.</li>
 *   <li>{@code margin} (2.75): a sensor is beyond normal when its moving mean lies this many times
 *       further from its training mean than it ever did on the training rows.</li>
 *   <li>{@code driftWindow} (30) and {@code driftShare} (0.5): a sensor whose training moving
 *       mean over {@code driftWindow} rows keeps at least {@code driftShare} of the variance of
 *       its training values is drifting (a temperature still settling): its variation is slow,
 *       so a few hundred training rows cannot show how far it may go.</li>
 *   <li>{@code driftMargin} (10): a drifting sensor is judged with {@code margin} times this,
 *       so that only a move an order of magnitude beyond its training range counts (a leak that
 *       heats the water, a rotor that shakes the rig), not the drift itself.</li>
 *   <li>{@code minScale} (1e-9): the smallest standard deviation a sensor is standardised
 *       with.</li>
 * </ul>
 */
public final class MeanShiftOptions {

    private static final MeanShiftOptions DEFAULTS = builder().build();

    private final int window;
    private final double margin;
    private final int driftWindow;
    private final double driftShare;
    private final double driftMargin;
    private final double minScale;

    private MeanShiftOptions(Builder b) {
        window = b.window;
        margin = b.margin;
        driftWindow = b.driftWindow;
        driftShare = b.driftShare;
        driftMargin = b.driftMargin;
        minScale = b.minScale;
    }

    public static MeanShiftOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().window(window).margin(margin).driftWindow(driftWindow).driftShare(driftShare)
                .driftMargin(driftMargin).minScale(minScale);
    }

    public int window() {
        return window;
    }

    public double margin() {
        return margin;
    }

    public int driftWindow() {
        return driftWindow;
    }

    public double driftShare() {
        return driftShare;
    }

    public double driftMargin() {
        return driftMargin;
    }

    public double minScale() {
        return minScale;
    }

    /** Collects options; {@link #build()} validates them. */
    public static final class Builder {
        private int window = 20;
        private double margin = 2.75;
        private int driftWindow = 30;
        private double driftShare = 0.5;
        private double driftMargin = 10;
        private double minScale = 1e-9;

        private Builder() {
        }

        public Builder window(int rows) {
            this.window = rows;
            return this;
        }

        public Builder margin(double factor) {
            this.margin = factor;
            return this;
        }

        public Builder driftWindow(int rows) {
            this.driftWindow = rows;
            return this;
        }

        public Builder driftShare(double share) {
            this.driftShare = share;
            return this;
        }

        public Builder driftMargin(double factor) {
            this.driftMargin = factor;
            return this;
        }

        public Builder minScale(double scale) {
            this.minScale = scale;
            return this;
        }

        public MeanShiftOptions build() {
            if (window < 1) {
                throw new IllegalArgumentException("window must be at least 1 row, got " + window + ".");
            }
            if (!(margin > 0) || Double.isInfinite(margin)) {
                throw new IllegalArgumentException("margin must be a finite number > 0, got " + margin + ".");
            }
            if (driftWindow < 2) {
                throw new IllegalArgumentException("driftWindow must be at least 2 rows, got " + driftWindow + ".");
            }
            if (!(driftShare > 0) || Double.isInfinite(driftShare)) {
                throw new IllegalArgumentException("driftShare must be a finite number > 0, got " + driftShare + ".");
            }
            if (!(driftMargin >= 1) || Double.isInfinite(driftMargin)) {
                throw new IllegalArgumentException("driftMargin must be a finite number >= 1, got " + driftMargin
                        + ".");
            }
            if (!(minScale > 0) || Double.isInfinite(minScale)) {
                throw new IllegalArgumentException("minScale must be a finite number > 0, got " + minScale + ".");
            }
            return new MeanShiftOptions(this);
        }
    }
}
