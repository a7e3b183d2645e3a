package io.werkstrom.app.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Consumer;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import io.werkstrom.jobs.detect.MachineStateStream;
import io.werkstrom.jobs.detect.MultivariateOptions;
import io.werkstrom.protocol.Quality;

/**
 * Machine states per machine, collected from a {@link MachineStateStream}: the history a
 * multivariate fleet model is trained on ({@link MultivariateFleetTrainer}). Each machine's states
 * are kept in the order they arrive, which is time order.
 *
 * <p>The history is bounded: a week of a large fleet is hundreds of millions of states, more than
 * a model needs (it holds {@link io.werkstrom.jobs.detect.MultivariateFleetModel#MAX_STATES}) and
 * more than memory holds. States are kept in blocks of {@value #BLOCK} consecutive ones per machine
 * (5 minutes at the default bucket), so that the runs of states an alarm needs survive; when more
 * than {@code maxStates} are kept, every other block of every machine is dropped, and from then on
 * only every second (fourth, ...) block is kept. The history thus stays spread over the whole
 * period and over every machine.
 *
 * <p>Not thread-safe.
 */
public final class StateHistory implements MachineStateStream.Sink {

    /** The most states kept by default: about 100 MB of six-sensor states. */
    public static final int DEFAULT_MAX_STATES = 1_000_000;
    /** Consecutive states of a machine kept or dropped together. */
    static final int BLOCK = 300;
    /** How many states given between two progress lines. */
    static final long PROGRESS_EVERY = 1_000_000;

    /**
     * One state of a machine: {@code values[i]} is sensor {@code sensors.get(i)}'s value, NaN where
     * it had none; {@code sensors} may name more sensors than there are values.
     */
    public record State(long startMicros, List<String> sensors, double[] values) {
    }

    /** One machine's kept blocks, by block index, and how many states it has given in all. */
    private static final class Machine {
        final TreeMap<Long, List<State>> blocks = new TreeMap<>();
        long seen;
        /** The latest copy of the machine's sensor list: its states share it until it grows. */
        List<String> sensors;
    }

    private final int maxStates;
    private final Consumer<String> progress;
    private final Map<String, Machine> machines = new LinkedHashMap<>();
    private long stride = 1;
    private long seen;
    private int size;

    /** A history of at most {@link #DEFAULT_MAX_STATES} states, without progress lines. */
    public StateHistory() {
        this(DEFAULT_MAX_STATES, line -> { });
    }

    /**
     * @param maxStates the most states kept, at least {@value #BLOCK}
     * @param progress  receives a line every {@value #PROGRESS_EVERY} states given
     */
    public StateHistory(int maxStates, Consumer<String> progress) {
        if (maxStates < BLOCK) {
            throw new IllegalArgumentException("maxStates must be at least " + BLOCK + ", got " + maxStates + ".");
        }
        this.maxStates = maxStates;
        this.progress = Objects.requireNonNull(progress, "progress must not be null.");
    }

    @Override
    public void state(String machine, long startMicros, List<String> sensors, double[] values) {
        if (++seen % PROGRESS_EVERY == 0) {
            progress.accept(String.format(Locale.ROOT, "%,d states of %d machines read, %,d kept", seen,
                    machines.size(), size));
        }
        Machine m = machines.computeIfAbsent(machine, k -> new Machine());
        long block = m.seen++ / BLOCK;
        if (block % stride != 0) {
            return;
        }
        if (m.sensors == null || m.sensors.size() != sensors.size()) {
            // the stream's list is a live view that grows as new sensors appear
            m.sensors = List.copyOf(sensors);
        }
        m.blocks.computeIfAbsent(block, b -> new ArrayList<>()).add(new State(startMicros, m.sensors, values.clone()));
        size++;
        while (size > maxStates) {
            thin();
        }
    }

    /** Keeps every other block of those kept so far. */
    private void thin() {
        stride *= 2;
        size = 0;
        for (Machine m : machines.values()) {
            m.blocks.keySet().removeIf(block -> block % stride != 0);
            m.blocks.values().forEach(states -> size += states.size());
        }
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

    /** The kept states of each machine in time order, machines in the order they first reported. */
    public Map<String, List<State>> machines() {
        Map<String, List<State>> kept = new LinkedHashMap<>();
        machines.forEach((name, m) -> {
            List<State> states = new ArrayList<>();
            m.blocks.values().forEach(states::addAll);
            if (!states.isEmpty()) {
                kept.put(name, Collections.unmodifiableList(states));
            }
        });
        return Collections.unmodifiableMap(kept);
    }

    /** The number of states kept, of all machines. */
    public int size() {
        return size;
    }

    /** The number of states given, kept or not. */
    public long seen() {
        return seen;
    }

    /** One in how many blocks of {@value #BLOCK} states is kept: 1 while nothing was dropped. */
    public long stride() {
        return stride;
    }
}
