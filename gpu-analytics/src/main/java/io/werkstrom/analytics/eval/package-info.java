/**
 * What the evaluation readers share: {@link io.werkstrom.analytics.eval.Utf8Lines}, which names
 * the line where a data file stops being UTF-8. The evaluations themselves are in
 * {@code eval.anomaly} and {@code eval.quality}.
 */
package io.werkstrom.analytics.eval;
