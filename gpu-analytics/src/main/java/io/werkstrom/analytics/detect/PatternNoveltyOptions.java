package io.werkstrom.analytics.detect;

import java.util.Arrays;

/**
 * Settings of a {@link PatternNoveltyDetector}. Immutable; start from {@link #defaults()} or
 * {@link #builder()}; {@link Builder#build()} checks every option and names it in the message.
 *
 * <ul>
 *   <li>{@code patternLengths} (4, 16): the lengths, in samples, of the patterns compared; each
 *       gives a novelty and the detector takes the largest.</li>
 *   <li>{@code normalisationWindow} (1500): how many recent novelties of a length its
 *       distribution is taken over.</li>
 *   <li>{@code normalisationQuantile} (0.98): a novelty equal to this quantile of the recent
 *       ones scores 0.5, the median scores 0.</li>
 *   <li>{@code minHistory} (10): recent novelties a length needs before it scores.</li>
 *   <li>{@code suppressionRows} (0) and {@code suppressionRatio} (1.05): a score is reported
 *       only when it exceeds {@code suppressionRatio} times every score of the last
 *       {@code suppressionRows} samples, else 0; one anomaly then raises one alarm instead of a
 *       run of them. 0 rows switches suppression off.</li>
 *   <li>{@code maxHistory} (65,536): samples kept to compare against; beyond, the oldest half is
 *       forgotten. Time per sample grows with the history kept.</li>
 * </ul>
 */
public final class PatternNoveltyOptions {

    private static final PatternNoveltyOptions DEFAULTS = builder().build();

    private final int[] patternLengths;
    private final int normalisationWindow;
    private final double normalisationQuantile;
    private final int minHistory;
    private final int suppressionRows;
    private final double suppressionRatio;
    private final int maxHistory;

    private PatternNoveltyOptions(Builder b) {
        patternLengths = b.patternLengths.clone();
        normalisationWindow = b.normalisationWindow;
        normalisationQuantile = b.normalisationQuantile;
        minHistory = b.minHistory;
        suppressionRows = b.suppressionRows;
        suppressionRatio = b.suppressionRatio;
        maxHistory = b.maxHistory;
    }

    public static PatternNoveltyOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().patternLengths(patternLengths).normalisationWindow(normalisationWindow)
                .normalisationQuantile(normalisationQuantile).minHistory(minHistory)
                .suppressionRows(suppressionRows).suppressionRatio(suppressionRatio).maxHistory(maxHistory);
    }

    public int[] patternLengths() {
        return patternLengths.clone();
    }

    public int normalisationWindow() {
        return normalisationWindow;
    }

    public double normalisationQuantile() {
        return normalisationQuantile;
    }

    public int minHistory() {
        return minHistory;
    }

    public int suppressionRows() {
        return suppressionRows;
    }

    public double suppressionRatio() {
        return suppressionRatio;
    }

    public int maxHistory() {
        return maxHistory;
    }

    @Override
    public String toString() {
        return "PatternNoveltyOptions{patternLengths=" + Arrays.toString(patternLengths)
                + ", normalisationWindow=" + normalisationWindow + ", normalisationQuantile=" + normalisationQuantile
                + ", minHistory=" + minHistory + ", suppressionRows=" + suppressionRows
                + ", suppressionRatio=" + suppressionRatio + ", maxHistory=" + maxHistory + "}";
    }

    /** Collects options; {@link #build()} validates them. */
    public static final class Builder {
        private int[] patternLengths = {4, 16};
        private int normalisationWindow = 1500;
        private double normalisationQuantile = 0.98;
        private int minHistory = 10;
        private int suppressionRows = 0;
        private double suppressionRatio = 1.05;
        private int maxHistory = 1 << 16;

        private Builder() {
        }

        public Builder patternLengths(int... lengths) {
            this.patternLengths = lengths == null ? null : lengths.clone();
            return this;
        }

        public Builder normalisationWindow(int rows) {
            this.normalisationWindow = rows;
            return this;
        }

        public Builder normalisationQuantile(double q) {
            this.normalisationQuantile = q;
            return this;
        }

        public Builder minHistory(int rows) {
            this.minHistory = rows;
            return this;
        }

        public Builder suppressionRows(int rows) {
            this.suppressionRows = rows;
            return this;
        }

        public Builder suppressionRatio(double ratio) {
            this.suppressionRatio = ratio;
            return this;
        }

        public Builder maxHistory(int rows) {
            this.maxHistory = rows;
            return this;
        }

        public PatternNoveltyOptions build() {
            if (patternLengths == null || patternLengths.length == 0) {
                throw new IllegalArgumentException("patternLengths must name at least one length.");
            }
            int longest = 0;
            for (int m : patternLengths) {
                if (m < 1) {
                    throw new IllegalArgumentException("patternLengths must all be >= 1, got "
                            + Arrays.toString(patternLengths) + ".");
                }
                longest = Math.max(longest, m);
            }
            if (normalisationWindow < 2) {
                throw new IllegalArgumentException("normalisationWindow must be >= 2, got " + normalisationWindow + ".");
            }
            if (!(normalisationQuantile > 0.5 && normalisationQuantile < 1)) {
                throw new IllegalArgumentException("normalisationQuantile must be in (0.5, 1), got "
                        + normalisationQuantile + ".");
            }
            if (minHistory < 1 || minHistory > normalisationWindow) {
                throw new IllegalArgumentException("minHistory must be in [1, normalisationWindow], got "
                        + minHistory + ".");
            }
            if (suppressionRows < 0) {
                throw new IllegalArgumentException("suppressionRows must be >= 0, got " + suppressionRows + ".");
            }
            if (!(suppressionRatio >= 1) || Double.isInfinite(suppressionRatio)) {
                throw new IllegalArgumentException("suppressionRatio must be a finite number >= 1, got "
                        + suppressionRatio + ".");
            }
            if (maxHistory < 8 * longest) {
                throw new IllegalArgumentException("maxHistory must be >= 8 times the longest pattern length ("
                        + 8 * longest + "), got " + maxHistory + ".");
            }
            return new PatternNoveltyOptions(this);
        }
    }
}
