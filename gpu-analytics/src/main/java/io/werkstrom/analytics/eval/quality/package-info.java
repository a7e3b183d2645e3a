/**
 * The {@code eval quality} command ({@link io.werkstrom.analytics.eval.quality.QualityEvaluation}):
 * trains the prediction models of {@code io.werkstrom.analytics.predict} on public data sets
 * (NASA C-MAPSS, AI4I 2020), scores their test parts and prints the figures as one JSON line;
 * the readers of those file formats; and {@link io.werkstrom.analytics.eval.quality.DevelopmentSplit},
 * which carves development splits out of training-only data.
 */
package io.werkstrom.analytics.eval.quality;
