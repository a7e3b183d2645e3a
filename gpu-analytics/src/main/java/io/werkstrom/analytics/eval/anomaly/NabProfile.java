package io.werkstrom.analytics.eval.anomaly;

/**
 * The weights of one NAB application profile ({@code config/profiles.json}): {@code tpWeight}
 * scales the reward of a detected window, {@code fpWeight} the cost of a false positive and
 * {@code fnWeight} the cost of a missed window.
 *
 * @param name the profile's key in {@code profiles.json}, e.g. {@code standard}
 */
public record NabProfile(String name, double tpWeight, double fpWeight, double fnWeight) {

    public NabProfile {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name must not be empty.");
        }
        check("tpWeight", tpWeight);
        check("fpWeight", fpWeight);
        check("fnWeight", fnWeight);
    }

    private static void check(String key, double weight) {
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException(key + " must be a finite number >= 0, got " + weight + ".");
        }
    }
}
