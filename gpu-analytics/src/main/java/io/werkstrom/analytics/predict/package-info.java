/**
 * Prediction models for machine health, trained and evaluated offline and stored as versioned
 * bytes: {@link io.werkstrom.analytics.predict.GradientBoostedTrees} (histogram-based boosted
 * regression trees with squared or logistic loss), the remaining-useful-life model
 * {@link io.werkstrom.analytics.predict.RulModel} over
 * {@link io.werkstrom.analytics.predict.RulFeatures}, and the machine-failure model
 * {@link io.werkstrom.analytics.predict.QualityModel} over
 * {@link io.werkstrom.analytics.predict.ProcessFeatures}.
 * {@link io.werkstrom.analytics.predict.PredictKernels} holds the numeric hot loops as static
 * methods over primitive arrays, the reference a device backend mirrors. Everything is
 * deterministic given the seeds in the options.
 */
package io.werkstrom.analytics.predict;
