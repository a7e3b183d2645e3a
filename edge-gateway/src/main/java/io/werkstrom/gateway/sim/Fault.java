package io.werkstrom.gateway.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * A fault injected into one simulated machine, starting at an offset from the simulator's start.
 *
 * <p>Sensor faults ({@link Drift}, {@link Spike}, {@link Stuck}) change only what the sensor
 * reports: the process, and therefore the scrap rate, is unaffected, and the samples keep quality
 * GOOD, as a real faulty sensor would report them. {@link BearingWear} is a process fault: the
 * machine itself degrades, vibration and temperature rise and more parts are scrapped.
 */
public sealed interface Fault permits Fault.Drift, Fault.Spike, Fault.Stuck, Fault.BearingWear {

    /** The machine identifier, e.g. {@code m-001}. */
    String machine();

    /** When the fault begins, measured from the simulator's start. */
    Duration start();

    /** The sensor reading drifts away linearly: {@code unitsPerSecond} times the time since start is added. */
    record Drift(String machine, Signal signal, Duration start, double unitsPerSecond) implements Fault {
        public Drift {
            check(machine, start);
            requireContinuous(signal);
            if (!Double.isFinite(unitsPerSecond) || unitsPerSecond == 0.0) {
                throw new IllegalArgumentException("unitsPerSecond must be finite and non-zero, got " + unitsPerSecond + ".");
            }
        }
    }

    /**
     * Isolated outliers: each sample after start is, with {@code probability}, offset by
     * {@code magnitude} (times a factor between 0.8 and 1.2).
     */
    record Spike(String machine, Signal signal, Duration start, double magnitude, double probability) implements Fault {
        public Spike {
            check(machine, start);
            requireContinuous(signal);
            if (!Double.isFinite(magnitude) || magnitude == 0.0) {
                throw new IllegalArgumentException("magnitude must be finite and non-zero, got " + magnitude + ".");
            }
            if (!(probability > 0.0 && probability <= 1.0)) {
                throw new IllegalArgumentException("probability must lie in (0, 1], got " + probability + ".");
            }
        }
    }

    /** The sensor keeps reporting its last value before start, for {@code duration}. */
    record Stuck(String machine, Signal signal, Duration start, Duration duration) implements Fault {
        public Stuck {
            check(machine, start);
            requireContinuous(signal);
            Objects.requireNonNull(duration, "duration must not be null.");
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("duration must be positive, got " + duration + ".");
            }
        }

        public Duration end() {
            return start.plus(duration);
        }
    }

    /**
     * The spindle bearing wears: the wear level grows by {@code wearPerMinute} per minute from
     * start up to 1.0 (worn out). At full wear the vibration rises by 2.5 to 6.5 mm/s depending on
     * load, the housing runs 8 °C hotter and the machine draws 1 kW more.
     */
    record BearingWear(String machine, Duration start, double wearPerMinute) implements Fault {
        public BearingWear {
            check(machine, start);
            if (!(wearPerMinute > 0.0) || !Double.isFinite(wearPerMinute)) {
                throw new IllegalArgumentException("wearPerMinute must be positive and finite, got " + wearPerMinute + ".");
            }
        }
    }

    private static void check(String machine, Duration start) {
        Objects.requireNonNull(machine, "machine must not be null.");
        Objects.requireNonNull(start, "start must not be null.");
        if (start.isNegative()) {
            throw new IllegalArgumentException("start must not be negative, got " + start + ".");
        }
    }

    private static void requireContinuous(Signal signal) {
        Objects.requireNonNull(signal, "signal must not be null.");
        if (!signal.continuous()) {
            throw new IllegalArgumentException("signal must be a continuous signal, not " + signal.sensorId() + ".");
        }
    }
}
