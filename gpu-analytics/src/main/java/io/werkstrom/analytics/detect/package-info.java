/**
 * Detectors that score telemetry batches and report {@link io.werkstrom.analytics.detect.Anomaly}
 * records. Detectors are plain classes (no Flink types) with options classes, and checkpoint
 * their state as versioned byte arrays.
 */
package io.werkstrom.analytics.detect;
