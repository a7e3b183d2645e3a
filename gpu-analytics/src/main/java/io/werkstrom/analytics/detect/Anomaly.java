package io.werkstrom.analytics.detect;

/**
 * One sample that a detector scored above its threshold.
 *
 * @param timestampMicros the sample's time, microseconds since the epoch (UTC)
 * @param machine         machine id as sent by the gateway
 * @param sensor          sensor id as sent by the gateway
 * @param value           the sample's value
 * @param score           the detector's score for the sample (unitless, larger is more anomalous)
 * @param threshold       the threshold the score exceeded
 * @param detector        the detector's name, e.g. {@code robust-z}
 */
public record Anomaly(long timestampMicros, String machine, String sensor, double value, double score,
                      double threshold, String detector) {
}
