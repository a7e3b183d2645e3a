package io.werkstrom.gateway.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The faults a simulator injects. Immutable.
 *
 * <p>{@link #demo(List)} is the plan for demonstrations: after a warm-up every machine shows
 * frequent spikes on one sensor plus one slower fault (bearing wear, drift or a stuck sensor), so
 * that a detector has something to find within a minute.
 */
public final class FaultPlan {

    /** Warm-up before the demo plan's first fault. */
    public static final Duration DEMO_WARM_UP = Duration.ofSeconds(10);

    private static final FaultPlan NONE = new FaultPlan(List.of());

    private final List<Fault> faults;

    private FaultPlan(List<Fault> faults) {
        this.faults = List.copyOf(faults);
    }

    /** A healthy factory. */
    public static FaultPlan none() {
        return NONE;
    }

    public static FaultPlan of(Fault... faults) {
        return of(List.of(faults));
    }

    public static FaultPlan of(List<Fault> faults) {
        Objects.requireNonNull(faults, "faults must not be null.");
        return new FaultPlan(faults);
    }

    /**
     * The demo plan for {@code machines}. Machine {@code i} (counting from 0) gets:
     * <ul>
     *   <li>spikes from 10 s on, 1.2 % of samples, on vibration (+6 mm/s), pressure (-15 bar),
     *       temperature (+12 °C) or power (+8 kW) in turn;</li>
     *   <li>one slower fault, in turn: bearing wear from 20 s (0.8 per minute, worn out after
     *       95 s); temperature drift from 20 s (+0.08 °C/s); pressure sensor stuck from 25 s for
     *       20 s; vibration sensor stuck from 30 s for 20 s.</li>
     * </ul>
     * At 10 samples per second a 60 s run shows about six spikes per machine.
     */
    public static FaultPlan demo(List<String> machines) {
        List<Fault> faults = new ArrayList<>();
        Signal[] spiked = {Signal.VIBRATION, Signal.PRESSURE, Signal.TEMPERATURE, Signal.POWER};
        double[] spikeMagnitude = {6.0, -15.0, 12.0, 8.0};
        for (int i = 0; i < machines.size(); i++) {
            String m = machines.get(i);
            faults.add(new Fault.Spike(m, spiked[i % 4], DEMO_WARM_UP, spikeMagnitude[i % 4], 0.012));
            switch (i % 4) {
                case 0 -> faults.add(new Fault.BearingWear(m, Duration.ofSeconds(20), 0.8));
                case 1 -> faults.add(new Fault.Drift(m, Signal.TEMPERATURE, Duration.ofSeconds(20), 0.08));
                case 2 -> faults.add(new Fault.Stuck(m, Signal.PRESSURE, Duration.ofSeconds(25), Duration.ofSeconds(20)));
                default -> faults.add(new Fault.Stuck(m, Signal.VIBRATION, Duration.ofSeconds(30), Duration.ofSeconds(20)));
            }
        }
        return new FaultPlan(faults);
    }

    public List<Fault> faults() {
        return faults;
    }

    /** The faults of one machine, in plan order. */
    public List<Fault> forMachine(String machine) {
        return faults.stream().filter(f -> f.machine().equals(machine)).toList();
    }

    public boolean isEmpty() {
        return faults.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FaultPlan other && faults.equals(other.faults);
    }

    @Override
    public int hashCode() {
        return faults.hashCode();
    }

    @Override
    public String toString() {
        return "FaultPlan" + faults;
    }
}
