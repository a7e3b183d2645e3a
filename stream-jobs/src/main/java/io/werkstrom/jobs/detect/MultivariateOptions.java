package io.werkstrom.jobs.detect;

import java.io.Serializable;
import java.time.Duration;
import java.util.Locale;

/**
 * Settings of the multivariate detector per machine ({@link MultivariateScorer}).
 *
 * @param method         {@link Method#MSET} (default), {@link Method#PCA} or {@link Method#OFF}
 * @param trainingStates how many machine states (one per bucket in which the machine reported)
 *                       form its window of normal operation before its model is fitted; 16 to
 *                       {@value #MAX_TRAINING_STATES}, default {@value #DEFAULT_TRAINING_STATES}
 * @param bucket         the time step of a machine state: each sensor's last good value in the
 *                       bucket; 10 ms to 1 h, default 1 s
 * @param carryForward   how long a sensor's last value stands in for a sensor that did not report
 *                       in a bucket (sensors report at different rates); at least 0, default 10 s
 * @param repeatAfter    after an anomaly of a machine, further anomalous states of it within this
 *                       event time are not reported again; at least 0, default 60 s
 * @param confirmStates  how many scored states in a row must be beyond the limit before an anomaly
 *                       is reported: the limit is a quantile of the training scores, so about 1 in
 *                       100 normal states exceeds it alone; 1 to 100, default 3
 * @param maxMachines    how many machines one gateway's detector keeps: the samples of a further
 *                       machine are not assembled (a misconfigured gateway sending thousands of
 *                       machine ids must not grow the state without end); 1 to
 *                       {@value #MAX_MAX_MACHINES}, default {@value #DEFAULT_MAX_MACHINES}
 * @param maxSensors     how many sensors one machine's states hold: the samples of a further sensor
 *                       are not assembled; 2 to {@value #MAX_MAX_SENSORS}, default
 *                       {@value #DEFAULT_MAX_SENSORS}
 * @param maxPendingStates how many complete states of a machine wait for scoring when the kernel
 *                       call fails (e.g. the analytics service is unreachable); the oldest beyond
 *                       it are dropped. 0 to {@value #MAX_MAX_PENDING_STATES}, default
 *                       {@value #DEFAULT_MAX_PENDING_STATES}: as many states as the default
 *                       training window, which the state holds anyway, and five minutes of the
 *                       default bucket, longer than a restart of the analytics service
 */
public record MultivariateOptions(Method method, int trainingStates, Duration bucket, Duration carryForward,
                                  Duration repeatAfter, int confirmStates, int maxMachines, int maxSensors,
                                  int maxPendingStates) implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_TRAINING_STATES = 300;
    public static final int MIN_TRAINING_STATES = 16;
    public static final int MAX_TRAINING_STATES = 10_000;
    public static final Duration DEFAULT_BUCKET = Duration.ofSeconds(1);
    public static final Duration DEFAULT_CARRY_FORWARD = Duration.ofSeconds(10);
    public static final Duration DEFAULT_REPEAT_AFTER = Duration.ofSeconds(60);
    public static final int DEFAULT_CONFIRM_STATES = 3;
    public static final int DEFAULT_MAX_MACHINES = 1_000;
    public static final int MAX_MAX_MACHINES = 1_000_000;
    public static final int DEFAULT_MAX_SENSORS = 64;
    public static final int MAX_MAX_SENSORS = 10_000;
    public static final int DEFAULT_MAX_PENDING_STATES = 300;
    public static final int MAX_MAX_PENDING_STATES = 100_000;

    /** The model fitted per machine. */
    public enum Method {
        MSET, PCA, OFF;

        /** The name on the command line and in the anomalies table's {@code detector} column. */
        public String optionValue() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @throws IllegalArgumentException when {@code text} is none of mset, pca, off */
        public static Method parse(String text) {
            for (Method method : values()) {
                if (method.optionValue().equals(text.trim().toLowerCase(Locale.ROOT))) {
                    return method;
                }
            }
            throw new IllegalArgumentException("multivariate must be mset, pca or off, got '" + text + "'.");
        }
    }

    public MultivariateOptions {
        if (method == null) {
            throw new IllegalArgumentException("multivariate must be mset, pca or off, got null.");
        }
        if (trainingStates < MIN_TRAINING_STATES || trainingStates > MAX_TRAINING_STATES) {
            throw new IllegalArgumentException("trainingStates must be between " + MIN_TRAINING_STATES + " and "
                    + MAX_TRAINING_STATES + ", got " + trainingStates + ".");
        }
        if (bucket == null || bucket.compareTo(Duration.ofMillis(10)) < 0 || bucket.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("bucket must be between 10ms and 1h, got " + bucket + ".");
        }
        if (carryForward == null || carryForward.isNegative()) {
            throw new IllegalArgumentException("carryForward must not be negative, got " + carryForward + ".");
        }
        if (repeatAfter == null || repeatAfter.isNegative()) {
            throw new IllegalArgumentException("repeatAfter must not be negative, got " + repeatAfter + ".");
        }
        if (confirmStates < 1 || confirmStates > 100) {
            throw new IllegalArgumentException("confirmStates must be between 1 and 100, got " + confirmStates + ".");
        }
        if (maxMachines < 1 || maxMachines > MAX_MAX_MACHINES) {
            throw new IllegalArgumentException("maxMachines must be between 1 and " + MAX_MAX_MACHINES + ", got "
                    + maxMachines + ".");
        }
        if (maxSensors < 2 || maxSensors > MAX_MAX_SENSORS) {
            throw new IllegalArgumentException("maxSensors must be between 2 and " + MAX_MAX_SENSORS + ", got "
                    + maxSensors + ".");
        }
        if (maxPendingStates < 0 || maxPendingStates > MAX_MAX_PENDING_STATES) {
            throw new IllegalArgumentException("maxPendingStates must be between 0 and " + MAX_MAX_PENDING_STATES
                    + ", got " + maxPendingStates + ".");
        }
    }

    public static MultivariateOptions defaults() {
        return new MultivariateOptions(Method.MSET, DEFAULT_TRAINING_STATES, DEFAULT_BUCKET, DEFAULT_CARRY_FORWARD,
                DEFAULT_REPEAT_AFTER, DEFAULT_CONFIRM_STATES, DEFAULT_MAX_MACHINES, DEFAULT_MAX_SENSORS,
                DEFAULT_MAX_PENDING_STATES);
    }

    public boolean enabled() {
        return method != Method.OFF;
    }

    public MultivariateOptions withMethod(Method m) {
        return new MultivariateOptions(m, trainingStates, bucket, carryForward, repeatAfter, confirmStates,
                maxMachines, maxSensors, maxPendingStates);
    }

    public MultivariateOptions withTrainingStates(int states) {
        return new MultivariateOptions(method, states, bucket, carryForward, repeatAfter, confirmStates,
                maxMachines, maxSensors, maxPendingStates);
    }

    public MultivariateOptions withBucket(Duration b) {
        return new MultivariateOptions(method, trainingStates, b, carryForward, repeatAfter, confirmStates,
                maxMachines, maxSensors, maxPendingStates);
    }

    public MultivariateOptions withCarryForward(Duration carry) {
        return new MultivariateOptions(method, trainingStates, bucket, carry, repeatAfter, confirmStates, maxMachines,
                maxSensors, maxPendingStates);
    }

    public MultivariateOptions withMaxMachines(int machines) {
        return new MultivariateOptions(method, trainingStates, bucket, carryForward, repeatAfter, confirmStates,
                machines, maxSensors, maxPendingStates);
    }

    public MultivariateOptions withMaxSensors(int sensors) {
        return new MultivariateOptions(method, trainingStates, bucket, carryForward, repeatAfter, confirmStates,
                maxMachines, sensors, maxPendingStates);
    }

    public MultivariateOptions withMaxPendingStates(int states) {
        return new MultivariateOptions(method, trainingStates, bucket, carryForward, repeatAfter, confirmStates,
                maxMachines, maxSensors, states);
    }

    long bucketMicros() {
        return bucket.toNanos() / 1_000;
    }

    long carryForwardMicros() {
        return carryForward.toNanos() / 1_000;
    }

    long repeatAfterMicros() {
        return repeatAfter.toNanos() / 1_000;
    }
}
