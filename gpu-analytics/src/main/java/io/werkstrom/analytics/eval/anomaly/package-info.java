/**
 * The anomaly-detection evaluation commands ({@code eval anomaly --dataset skab|nab --data DIR},
 * entry point {@link io.werkstrom.analytics.eval.anomaly.AnomalyEvaluation#run}): readers for the
 * SKAB and NAB formats, the SKAB protocol and metrics, a scorer written from NAB's published
 * scoring rules, and a synthetic SKAB-format generator for tests. See
 * {@code docs/anomaly-evaluation.md}.
 */
package io.werkstrom.analytics.eval.anomaly;
