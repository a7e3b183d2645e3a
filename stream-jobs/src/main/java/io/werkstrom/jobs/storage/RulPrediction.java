package io.werkstrom.jobs.storage;

import io.werkstrom.protocol.GatewayAddress;

/**
 * The predicted remaining useful life of a machine at one cycle of a run toward failure; or, with
 * {@link #hasPrediction()} false, the failure that ends a run, from which the store fills in the
 * actual remaining life of every cycle of that run predicted before.
 *
 * @param source            the gateway, as the topic named it
 * @param machine           the machine
 * @param runStartMicros    the time of the run's first cycle (µs since the epoch, UTC); names the run
 * @param cycle             the cycle's number within the run, from 1; for a failure, the run's last cycle
 * @param cycleMicros       the cycle's time; for a failure, the failure's
 * @param model             the model's name; empty for a failure
 * @param modelVersion      the model's version; 0 for a failure
 * @param predictedRul      cycles predicted to remain after this one, >= 0; NaN for a failure
 * @param actualRul         cycles that did remain, or null while unknown
 * @param predictedAtMicros when the prediction (or the failure) reached the job
 */
public record RulPrediction(GatewayAddress source, String machine, long runStartMicros, int cycle, long cycleMicros,
                            String model, int modelVersion, double predictedRul, Integer actualRul,
                            long predictedAtMicros) {

    /** The failure of {@code machine} at {@code atMicros}, ending the run that started at {@code runStartMicros}. */
    public static RulPrediction failure(GatewayAddress source, String machine, long runStartMicros, int lastCycle,
                                        long atMicros, long receivedAtMicros) {
        return new RulPrediction(source, machine, runStartMicros, lastCycle, atMicros, "", 0, Double.NaN, null,
                receivedAtMicros);
    }

    public boolean hasPrediction() {
        return !Double.isNaN(predictedRul);
    }
}
