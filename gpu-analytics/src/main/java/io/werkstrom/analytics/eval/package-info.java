/**
 * What the evaluation commands and readers share: {@link io.werkstrom.analytics.eval.Utf8Lines},
 * which names the line where a data file stops being UTF-8, and
 * {@link io.werkstrom.analytics.eval.CommandOptions}, their option syntax. The evaluations themselves are in
 * {@code eval.anomaly} and {@code eval.quality}.
 */
package io.werkstrom.analytics.eval;
