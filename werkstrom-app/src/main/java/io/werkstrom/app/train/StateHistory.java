package io.werkstrom.app.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.werkstrom.jobs.detect.MachineStateStream;
import io.werkstrom.jobs.detect.MultivariateOptions;
import io.werkstrom.protocol.Quality;

/**
 * Machine states per machine, collected from a {@link MachineStateStream}: the history a
 * multivariate fleet model is trained on ({@link MultivariateFleetTrainer}). Each machine's states
 * are kept in the order they arrive, which is time order.
 *
 * <p>Not thread-safe.
 */
public final class StateHistory implements MachineStateStream.Sink {

    /**
     * One state of a machine: {@code values[i]} is sensor {@code sensors.get(i)}'s value, NaN where
     * it had none; {@code sensors} may name more sensors than there are values.
     */
    public record State(long startMicros, List<String> sensors, double[] values) {
    }

    private final Map<String, List<State>> machines = new LinkedHashMap<>();
    /** The latest copy of each machine's sensor list: a machine's states share it until it grows. */
    private final Map<String, List<String>> sensorLists = new HashMap<>();
    private int size;

    @Override
    public void state(String machine, long startMicros, List<String> sensors, double[] values) {
        List<String> names = sensorLists.get(machine);
        if (names == null || names.size() != sensors.size()) {
            // the stream's list is a live view that grows as new sensors appear
            names = List.copyOf(sensors);
            sensorLists.put(machine, names);
        }
        machines.computeIfAbsent(machine, m -> new ArrayList<>()).add(new State(startMicros, names, values.clone()));
        size++;
    }

    /**
     * A sink for samples in time order per machine that assembles them into states as the job's
     * multivariate detector does ({@link MultivariateOptions#defaults()}' bucket and carry-forward)
     * and collects the states here. Only good samples form states.
     */
    TelemetryHistory.Sample assembler() {
        MachineStateStream stream = new MachineStateStream(MultivariateOptions.defaults());
        return (micros, machine, sensor, value, quality) -> stream.accept(machine, micros, sensor, value,
                quality == Quality.GOOD.code() ? Quality.GOOD : Quality.BAD, this);
    }

    /** The states of each machine, machines in the order they first reported. Read-only. */
    public Map<String, List<State>> machines() {
        return Collections.unmodifiableMap(machines);
    }

    /** The number of states of all machines. */
    public int size() {
        return size;
    }
}
