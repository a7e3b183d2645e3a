package io.werkstrom.app.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

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
 * (5 minutes at the default bucket), so that the runs of states an alarm needs survive. Each
 * machine has a fixed phase {@code p} (a hash of its name): while one in {@code stride} blocks is
 * kept ({@code stride} 1, 2, 4, ...), a machine keeps its block {@code b} iff {@code b + p} is a
 * multiple of {@code stride}. When more than {@code maxStates} are kept, {@code stride} doubles,
 * which drops every other kept block of every machine (the blocks kept at a stride are a subset of
 * those kept at half of it, so a kept block is always whole). The history thus stays spread over
 * the whole period, and machines keep different windows of it: with more machines than the bound
 * holds blocks, some machines keep no block at all, but the bound holds.
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
    /** The largest stride: doubling it once more would overflow. */
    static final long MAX_STRIDE = 1L << 62;

    /**
     * One state of a machine: {@code values[i]} is sensor {@code sensors.get(i)}'s value, NaN where
     * it had none; {@code sensors} may name more sensors than there are values.
     */
    public record State(long startMicros, List<String> sensors, double[] values) {
    }

    /** One machine's kept blocks, by block index, and how many states it has given in all. */
    private static final class Machine {
        final TreeMap<Long, List<State>> blocks = new TreeMap<>();
        /** Offsets the machine's blocks, so that machines keep different windows. */
        final long phase;
        long seen;
        /** The latest copy of the machine's sensor list: its states share it until it grows. */
        List<String> sensors;

        Machine(long phase) {
            this.phase = phase;
        }
    }

    private final int maxStates;
    private final Consumer<String> progress;
    private final ToLongFunction<String> phases;
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
        this(maxStates, progress, StateHistory::phase);
    }

    /** As above, with each machine's phase given by {@code phases} (tests pin it). */
    StateHistory(int maxStates, Consumer<String> progress, ToLongFunction<String> phases) {
        if (maxStates < BLOCK) {
            throw new IllegalArgumentException("maxStates must be at least " + BLOCK + ", got " + maxStates + ".");
        }
        this.maxStates = maxStates;
        this.progress = Objects.requireNonNull(progress, "progress must not be null.");
        this.phases = Objects.requireNonNull(phases, "phases must not be null.");
    }

    @Override
    public void state(String machine, long startMicros, List<String> sensors, double[] values) {
        if (++seen % PROGRESS_EVERY == 0) {
            progress.accept(String.format(Locale.ROOT, "%,d states of %d machines read, %,d kept", seen,
                    machines.size(), size));
        }
        Machine m = machines.computeIfAbsent(machine, k -> new Machine(phases.applyAsLong(k)));
        long block = m.seen++ / BLOCK;
        if (!kept(block, m.phase)) {
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
        if (stride >= MAX_STRIDE) {
            // at this stride at most one kept block is left unless two share b + phase in their low
            // 62 bits: only a pinned phase (or an astronomically unlikely hash collision) gets here
            throw new IllegalStateException("cannot thin the history of " + machines.size() + " machines below "
                    + maxStates + " states: " + size + " states are still kept at 1 in " + stride + " blocks.");
        }
        stride *= 2;
        size = 0;
        for (Machine m : machines.values()) {
            m.blocks.keySet().removeIf(block -> !kept(block, m.phase));
            m.blocks.values().forEach(states -> size += states.size());
        }
    }

    /**
     * Whether block {@code block} of a machine of phase {@code phase} is kept at the current stride:
     * {@code block + phase} is a multiple of it. The stride is a power of two, so the mask gives the
     * remainder even where the sum wraps around.
     */
    private boolean kept(long block, long phase) {
        return ((block + phase) & (stride - 1)) == 0;
    }

    /** The phase of {@code machine}: a 64-bit hash of its name, the same in every run. */
    static long phase(String machine) {
        long h = 0xcbf29ce484222325L; // FNV-1a over the chars, then a 64-bit finalizer to spread the low bits
        for (int i = 0; i < machine.length(); i++) {
            h = (h ^ machine.charAt(i)) * 0x100000001b3L;
        }
        h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
        h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    /**
     * A sink for samples in time order per machine that assembles them into states as the job's
     * multivariate detector does with {@code options}' bucket and carry-forward, and collects the
     * states here. Only good samples form states.
     */
    TelemetryHistory.Sample assembler(MultivariateOptions options) {
        MachineStateStream stream = new MachineStateStream(options);
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
