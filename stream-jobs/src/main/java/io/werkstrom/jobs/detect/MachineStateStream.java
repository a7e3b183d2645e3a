package io.werkstrom.jobs.detect;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.werkstrom.protocol.Quality;

/**
 * Machine states assembled from samples exactly as the job's multivariate detector assembles them
 * ({@link MultivariateScorer}: one state per time bucket in which a machine reported, each sensor's
 * last good value carried forward for a while), for training a fleet model offline from stored or
 * simulated history. Samples are taken in time order per machine; an older one is late and left
 * out, as in the job.
 *
 * <p>Not thread-safe.
 */
public final class MachineStateStream {

    /** Where the states go. */
    @FunctionalInterface
    public interface Sink {
        /**
         * A complete bucket of {@code machine}: {@code values[i]} is sensor {@code sensors.get(i)}'s,
         * NaN where it had no fresh value; {@code sensors} (a read-only view, valid during the call)
         * may name more sensors than there are values, those first seen later.
         */
        void state(String machine, long startMicros, List<String> sensors, double[] values);
    }

    private final long bucketMicros;
    private final long carryForwardMicros;
    private final Map<String, MachineStates.Machine> machines = new HashMap<>();

    /** With the bucket and carry-forward of {@code options}. */
    public MachineStateStream(MultivariateOptions options) {
        Objects.requireNonNull(options, "options must not be null.");
        this.bucketMicros = options.bucketMicros();
        this.carryForwardMicros = options.carryForwardMicros();
    }

    /**
     * Takes one sample of {@code machine}; the state of the bucket it closes, if any, goes to
     * {@code sink}. A sample that is not good or not finite is ignored.
     *
     * @return false when the sample was late (older than the machine's open bucket) and left out
     */
    public boolean accept(String machine, long micros, String sensor, double value, Quality quality, Sink sink) {
        if (quality != Quality.GOOD || !Double.isFinite(value)) {
            return true;
        }
        MachineStates.Machine state = machines.computeIfAbsent(machine, m -> new MachineStates.Machine());
        MachineStates.Closed closed = state.offer(micros, sensor, value, bucketMicros, carryForwardMicros);
        if (closed == MachineStates.LATE) {
            return false;
        }
        if (closed != null) {
            sink.state(machine, closed.micros(), Collections.unmodifiableList(state.sensors), closed.values());
        }
        return true;
    }
}
