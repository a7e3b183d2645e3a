package io.werkstrom.gateway.sim;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import io.werkstrom.gateway.collect.Collector;
import io.werkstrom.protocol.BatchValidator;

/**
 * Options of a {@link FactorySimulator}. Immutable; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code machines} (default 4): how many machines, 1 to 9999;</li>
 *   <li>{@code machineIdPrefix} (default {@code m-}): machine {@code i} is called
 *       {@code prefix + %03d}, e.g. {@code m-001};</li>
 *   <li>{@code samplesPerSecondPerSensor} (default 10): the tick rate, from one sample a day
 *       ({@link #MIN_RATE}) to 1000 a second;</li>
 *   <li>{@code seed} (default 42): everything the simulator emits is a function of the seed, the
 *       options and the tick timestamps;</li>
 *   <li>{@code faultPlan} (default {@link FaultPlan#demo(List)} of the machines);</li>
 *   <li>{@code start} (default: unset, the simulator's owner picks the current time): the
 *       timestamp of tick 0, from {@link BatchValidator#EARLIEST} to the end of the year 9999
 *       ({@link Collector#LATEST}).</li>
 * </ul>
 */
public final class SimulatorOptions {

    public static final int MAX_MACHINES = 9_999;
    public static final double MAX_RATE = 1_000.0;
    /**
     * One sample a day. Ticks further apart stamp the second tick beyond what a timestamp holds
     * (a rate of 1e-14 puts it 1e20 µs after the first): it wraps round to a negative time, and
     * every later tick with it, so a simulator would never stop handing over ticks.
     */
    public static final double MIN_RATE = 1.0 / 86_400;

    private final int machines;
    private final String machineIdPrefix;
    private final double samplesPerSecondPerSensor;
    private final long seed;
    private final FaultPlan faultPlan;
    private final Instant start;
    private final List<String> machineIds;

    private SimulatorOptions(Builder b, List<String> machineIds, FaultPlan faultPlan) {
        this.machines = b.machines;
        this.machineIdPrefix = b.machineIdPrefix;
        this.samplesPerSecondPerSensor = b.samplesPerSecondPerSensor;
        this.seed = b.seed;
        this.start = b.start;
        this.machineIds = machineIds;
        this.faultPlan = faultPlan;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
        return new Builder().machines(machines).machineIdPrefix(machineIdPrefix)
                .samplesPerSecondPerSensor(samplesPerSecondPerSensor).seed(seed).faultPlan(faultPlan).start(start);
    }

    /** These options with tick 0 at {@code start}. */
    public SimulatorOptions withStart(Instant start) {
        return toBuilder().start(Objects.requireNonNull(start, "start must not be null.")).build();
    }

    public int machines() {
        return machines;
    }

    public String machineIdPrefix() {
        return machineIdPrefix;
    }

    /** The machine identifiers, in simulation order. */
    public List<String> machineIds() {
        return machineIds;
    }

    public double samplesPerSecondPerSensor() {
        return samplesPerSecondPerSensor;
    }

    public long seed() {
        return seed;
    }

    public FaultPlan faultPlan() {
        return faultPlan;
    }

    /** The timestamp of tick 0, or empty when the simulator's owner decides. */
    public Optional<Instant> start() {
        return Optional.ofNullable(start);
    }

    /** Continuous samples per second over all machines (per-part samples come on top). */
    public double samplesPerSecond() {
        long continuous = java.util.Arrays.stream(Signal.values()).filter(Signal::continuous).count();
        return machines * continuous * samplesPerSecondPerSensor;
    }

    @Override
    public String toString() {
        return "SimulatorOptions[machines=" + machines + ", machineIdPrefix=" + machineIdPrefix
                + ", samplesPerSecondPerSensor=" + samplesPerSecondPerSensor + ", seed=" + seed
                + ", start=" + start + ", faults=" + faultPlan.faults().size() + "]";
    }

    /** Collects options; {@link #build()} validates them and names the offending key. */
    public static final class Builder {
        private int machines = 4;
        private String machineIdPrefix = "m-";
        private double samplesPerSecondPerSensor = 10.0;
        private long seed = 42L;
        private FaultPlan faultPlan;
        private Instant start;

        private Builder() {
        }

        public Builder machines(int machines) {
            this.machines = machines;
            return this;
        }

        public Builder machineIdPrefix(String machineIdPrefix) {
            this.machineIdPrefix = machineIdPrefix;
            return this;
        }

        public Builder samplesPerSecondPerSensor(double samplesPerSecondPerSensor) {
            this.samplesPerSecondPerSensor = samplesPerSecondPerSensor;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The faults to inject; {@code null} restores the default (the demo plan). */
        public Builder faultPlan(FaultPlan faultPlan) {
            this.faultPlan = faultPlan;
            return this;
        }

        /** The timestamp of tick 0 (truncated to microseconds); {@code null} leaves it to the owner. */
        public Builder start(Instant start) {
            this.start = start == null ? null : start.truncatedTo(ChronoUnit.MICROS);
            return this;
        }

        public SimulatorOptions build() {
            if (machines < 1 || machines > MAX_MACHINES) {
                throw new IllegalArgumentException("machines must be between 1 and " + MAX_MACHINES + ", got " + machines + ".");
            }
            if (!(samplesPerSecondPerSensor >= MIN_RATE && samplesPerSecondPerSensor <= MAX_RATE)) {
                throw new IllegalArgumentException("samplesPerSecondPerSensor must be from " + MIN_RATE
                        + " (one sample a day) to " + MAX_RATE + ", got " + samplesPerSecondPerSensor + ".");
            }
            if (machineIdPrefix == null) {
                throw new IllegalArgumentException("machineIdPrefix must not be null.");
            }
            List<String> ids = new ArrayList<>(machines);
            for (int i = 1; i <= machines; i++) {
                ids.add(machineIdPrefix + String.format(Locale.ROOT, "%03d", i));
            }
            String last = ids.get(ids.size() - 1);
            if (!BatchValidator.IDENTIFIER.matcher(ids.get(0)).matches()
                    || !BatchValidator.IDENTIFIER.matcher(last).matches()) {
                throw new IllegalArgumentException("machineIdPrefix '" + machineIdPrefix + "' gives machine ids such as '"
                        + last + "' that do not match " + BatchValidator.IDENTIFIER.pattern() + ".");
            }
            if (start != null && start.isBefore(BatchValidator.EARLIEST)) {
                throw new IllegalArgumentException("start must not lie before " + BatchValidator.EARLIEST + ", got " + start + ".");
            }
            if (start != null && start.isAfter(Collector.LATEST)) {
                throw new IllegalArgumentException("start must not lie after " + Collector.LATEST + ", got " + start + ".");
            }
            List<String> idList = List.copyOf(ids);
            FaultPlan plan = faultPlan == null ? FaultPlan.demo(idList) : faultPlan;
            for (Fault fault : plan.faults()) {
                if (!idList.contains(fault.machine())) {
                    throw new IllegalArgumentException("faultPlan names machine '" + fault.machine() + "' in " + fault
                            + ", which is not one of " + ids.get(0) + ".." + last + ".");
                }
            }
            return new SimulatorOptions(this, idList, plan);
        }
    }
}
