package io.werkstrom.gateway.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * One simulated machine tool: its process (production cycle, spindle, thermal state, coolant),
 * its sensors (noise, quality) and the faults injected into it.
 *
 * <p>Randomness comes from separate streams per machine: the process, the measurement noise, the
 * part outcomes and each fault have their own, so that a sensor fault never changes the process
 * and a run with a sensor fault differs from the healthy run with the same seed only by the fault.
 * Not thread-safe; owned by its {@link FactorySimulator}.
 */
final class MachineModel {

    // Production cycle: loading, roughing, finishing, unloading, as fractions of the cycle time.
    static final int LOADING = 0;
    static final int ROUGHING = 1;
    static final int FINISHING = 2;
    static final int UNLOADING = 3;
    private static final double[] PHASE_END = {0.15, 0.60, 0.90, 1.0};
    private static final double[] PHASE_LOAD_PCT = {8.0, 75.0, 40.0, 8.0};
    /** The spindle idles between parts rather than stopping, so its speed is never a flat zero. */
    private static final double[] PHASE_SPEED_RPM = {800.0, 3_200.0, 6_000.0, 800.0};
    /** Mean load fraction over a cycle, weighted by phase length; defines the nominal temperature. */
    private static final double MEAN_LOAD_FRACTION = 0.15 * 0.08 + 0.45 * 0.75 + 0.30 * 0.40 + 0.10 * 0.08;

    private static final double LOAD_TAU_S = 0.3;
    private static final double SPEED_TAU_S = 0.6;
    /** Thermal time constant of the spindle housing: temperature follows load within minutes, not seconds. */
    static final double THERMAL_TAU_S = 60.0;
    private static final double AMBIENT_C = 22.0;
    private static final double SELF_HEATING_C = 12.0;
    private static final double LOAD_HEATING_C = 30.0;
    private static final double WEAR_HEATING_C = 8.0;
    /** Coolant temperature wanders as an Ornstein-Uhlenbeck process. */
    private static final double COOLANT_TAU_S = 300.0;
    private static final double COOLANT_SD_C = 1.5;
    private static final double PRESSURE_NOMINAL_BAR = 40.0;
    private static final double MEAN_SECONDS_BETWEEN_DIPS = 240.0;
    private static final double UNCERTAIN_PROBABILITY = 0.001;

    private static final Signal[] CONTINUOUS = {Signal.TEMPERATURE, Signal.SPINDLE_LOAD, Signal.SPINDLE_SPEED,
            Signal.VIBRATION, Signal.PRESSURE, Signal.POWER};

    private final String id;
    private final double dt;
    private final SplittableRandom process;
    private final SplittableRandom noise;
    private final SplittableRandom outcomes;
    private final double nominalCycleS;
    private final double ambientOffsetC;
    private final double dailyPhase;
    private final double roughingPhase;
    private final double nominalTemperatureC;
    private final List<SensorFault> sensorFaults = new ArrayList<>();
    private final List<Fault.BearingWear> wearFaults = new ArrayList<>();

    // Process state.
    private double temperature;
    private double load;
    private double speed;
    private double coolantOffset;
    private double cycleStart;
    private double cycleDuration;
    private long cycleStartTick;
    private double partFactor;
    private double dipStart = Double.NEGATIVE_INFINITY;
    private double dipDuration = 1.0;
    private double dipDepth;
    private double nextDipAt;
    private final CycleConditions cycle = new CycleConditions();
    private final double[] lastMeasured = new double[CONTINUOUS.length];

    // True values of the current tick, before the sensors.
    private final double[] truth = new double[CONTINUOUS.length];

    MachineModel(String id, int index, long seed, double samplesPerSecond, List<Fault> faults) {
        this.id = id;
        this.dt = 1.0 / samplesPerSecond;
        this.process = new SplittableRandom(mix(seed, index, 1));
        this.noise = new SplittableRandom(mix(seed, index, 2));
        this.outcomes = new SplittableRandom(mix(seed, index, 3));
        for (int i = 0; i < faults.size(); i++) {
            Fault f = faults.get(i);
            if (f instanceof Fault.BearingWear wear) {
                wearFaults.add(wear);
            } else {
                sensorFaults.add(new SensorFault(f, new SplittableRandom(mix(seed, index, 100 + i))));
            }
        }
        this.nominalCycleS = 28.0 + 14.0 * process.nextDouble();
        this.ambientOffsetC = process.nextDouble() * 2.0 - 1.0;
        this.dailyPhase = process.nextDouble() * 2.0 * Math.PI;
        this.roughingPhase = process.nextDouble() * 2.0 * Math.PI;
        this.nominalTemperatureC = AMBIENT_C + ambientOffsetC + SELF_HEATING_C + LOAD_HEATING_C * MEAN_LOAD_FRACTION;
        this.coolantOffset = COOLANT_SD_C * process.nextGaussian();
        // The simulation starts as a shift does: the machines are warm from the shift before, and
        // each begins a part at once. Their cycle times differ, so they do not stay in lockstep.
        this.temperature = nominalTemperatureC + coolantOffset;
        this.cycleDuration = nextCycleDuration();
        this.partFactor = nextPartFactor();
        this.cycleStart = 0.0;
        int phase = phase(0.0);
        this.load = PHASE_LOAD_PCT[phase];
        this.speed = PHASE_SPEED_RPM[phase];
        this.nextDipAt = exponential(MEAN_SECONDS_BETWEEN_DIPS);
    }

    String id() {
        return id;
    }

    double nominalTemperature() {
        return nominalTemperatureC;
    }

    /** Advances to {@code tick} and appends its samples; returns how many. */
    int step(long tick, long timestampMicros, TelemetryBatch.Builder out) {
        double t = tick * dt;
        int emitted = 0;
        if (t >= cycleStart + cycleDuration - 1e-9) {
            double p = ScrapModel.probability(cycle.meanTemperatureDeviation(), cycle.meanCuttingVibration(),
                    cycle.minPressure());
            boolean scrap = outcomes.nextDouble() < p;
            out.add(timestampMicros, id, Signal.CYCLE_TIME.sensorId(),
                    Signal.CYCLE_TIME.quantize((tick - cycleStartTick) * dt), Quality.GOOD);
            out.add(timestampMicros, id, Signal.PART_SCRAP.sensorId(), scrap ? 1.0 : 0.0, Quality.GOOD);
            emitted += 2;
            cycleStart = t;
            cycleStartTick = tick;
            cycleDuration = nextCycleDuration();
            partFactor = nextPartFactor();
            cycle.reset();
        }
        int phase = phase(t);
        advanceProcess(t, phase);
        cycle.add(Math.abs(truth[0] - nominalTemperatureC), truth[3], truth[4], phase == ROUGHING || phase == FINISHING);
        for (int s = 0; s < CONTINUOUS.length; s++) {
            emitted += measure(s, t, timestampMicros, out);
        }
        return emitted;
    }

    private void advanceProcess(double t, int phase) {
        double loadTarget = PHASE_LOAD_PCT[phase];
        if (phase == ROUGHING || phase == FINISHING) {
            loadTarget *= partFactor;
        }
        if (phase == ROUGHING) {
            // Tool engagement varies as the cutter crosses the part.
            loadTarget += 3.0 * Math.sin(2.0 * Math.PI * 0.7 * t + roughingPhase);
        }
        load = FirstOrderLag.approach(load, loadTarget, dt, LOAD_TAU_S);
        speed = FirstOrderLag.approach(speed, PHASE_SPEED_RPM[phase], dt, SPEED_TAU_S);
        coolantOffset += -coolantOffset * dt / COOLANT_TAU_S
                + COOLANT_SD_C * Math.sqrt(2.0 * dt / COOLANT_TAU_S) * process.nextGaussian();
        double wear = wear(t);
        double loadFraction = Math.max(0.0, load / 100.0);
        double ambient = AMBIENT_C + ambientOffsetC + 2.0 * Math.sin(2.0 * Math.PI * t / 86_400.0 + dailyPhase);
        double temperatureTarget = ambient + SELF_HEATING_C + LOAD_HEATING_C * loadFraction + coolantOffset
                + WEAR_HEATING_C * wear;
        temperature = FirstOrderLag.approach(temperature, temperatureTarget, dt, THERMAL_TAU_S);

        truth[0] = temperature;
        truth[1] = Math.min(Signal.SPINDLE_LOAD.max(), load);
        truth[2] = speed;
        truth[3] = 0.6 + 1.4 * loadFraction + 0.15 * speed / 6_000.0 + wear * (2.5 + 4.0 * loadFraction);
        truth[4] = PRESSURE_NOMINAL_BAR - 1.5 * loadFraction - pressureDip(t);
        truth[5] = 1.8 + 13.0 * loadFraction * Math.sqrt(speed / 6_000.0) + 1.0 * wear;
    }

    private int measure(int s, double t, long timestampMicros, TelemetryBatch.Builder out) {
        Signal signal = CONTINUOUS[s];
        double value = truth[s] + noiseSd(s, truth[s]) * noise.nextGaussian();
        Quality quality = Quality.GOOD;
        if (noise.nextDouble() < UNCERTAIN_PROBABILITY) {
            // The sensor flags a doubtful reading (e.g. a marginal signal level); it is noisier.
            quality = Quality.UNCERTAIN;
            value += 2.0 * noiseSd(s, truth[s]) * noise.nextGaussian();
        }
        for (SensorFault fault : sensorFaults) {
            if (fault.signal == signal) {
                value = fault.apply(value, t, lastMeasured[s]);
                if (fault.frozenAt(t)) {
                    // A stuck sensor does not know it is stuck: its frozen reading looks healthy.
                    quality = Quality.GOOD;
                }
            }
        }
        value = signal.quantize(value);
        lastMeasured[s] = value;
        out.add(timestampMicros, id, signal.sensorId(), value, quality);
        return 1;
    }

    private static double noiseSd(int s, double truth) {
        return switch (s) {
            case 0 -> 0.08;
            case 1 -> 0.8;
            case 2 -> 2.0 + 0.001 * truth;
            case 3 -> 0.03 + 0.03 * truth;
            case 4 -> 0.3;
            default -> 0.05 + 0.01 * truth;
        };
    }

    private int phase(double t) {
        double fraction = (t - cycleStart) / cycleDuration;
        for (int p = 0; p < PHASE_END.length; p++) {
            if (fraction < PHASE_END[p]) {
                return p;
            }
        }
        return UNLOADING;
    }

    private double wear(double t) {
        double wear = 0.0;
        for (Fault.BearingWear f : wearFaults) {
            double since = t - seconds(f.start());
            if (since > 0) {
                wear += f.wearPerMinute() * since / 60.0;
            }
        }
        return Math.min(1.0, wear);
    }

    /** Coolant pressure dips (a clogging filter, pump cavitation) arrive as a Poisson process. */
    private double pressureDip(double t) {
        if (t >= nextDipAt) {
            dipStart = nextDipAt;
            dipDepth = 4.0 + 8.0 * process.nextDouble();
            dipDuration = 1.0 + 3.0 * process.nextDouble();
            nextDipAt = dipStart + dipDuration + exponential(MEAN_SECONDS_BETWEEN_DIPS);
        }
        double since = t - dipStart;
        return since >= 0 && since <= dipDuration ? dipDepth * Math.sin(Math.PI * since / dipDuration) : 0.0;
    }

    private double nextCycleDuration() {
        double jitter = Math.max(-0.15, Math.min(0.15, 0.03 * process.nextGaussian()));
        return nominalCycleS * (1.0 + jitter);
    }

    /** Parts differ slightly (stock allowance, material hardness), and so does the cutting load. */
    private double nextPartFactor() {
        return 1.0 + 0.05 * process.nextGaussian();
    }

    private double exponential(double mean) {
        return -mean * Math.log(1.0 - process.nextDouble());
    }

    static double seconds(java.time.Duration d) {
        return d.getSeconds() + d.getNano() / 1e9;
    }

    /** A well-spread seed per machine and stream (SplitMix64 finaliser). */
    static long mix(long seed, int index, int stream) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1) + 0xBF58476D1CE4E5B9L * stream;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Process conditions accumulated over one production cycle, the inputs of {@link ScrapModel}. */
    private static final class CycleConditions {
        private double temperatureDeviationSum;
        private int ticks;
        private double cuttingVibrationSum;
        private int cuttingTicks;
        private double minPressure = Double.POSITIVE_INFINITY;

        void add(double temperatureDeviation, double vibration, double pressure, boolean cutting) {
            temperatureDeviationSum += temperatureDeviation;
            ticks++;
            if (cutting) {
                cuttingVibrationSum += vibration;
                cuttingTicks++;
            }
            minPressure = Math.min(minPressure, pressure);
        }

        double meanTemperatureDeviation() {
            return ticks == 0 ? 0.0 : temperatureDeviationSum / ticks;
        }

        double meanCuttingVibration() {
            return cuttingTicks == 0 ? 0.0 : cuttingVibrationSum / cuttingTicks;
        }

        double minPressure() {
            return ticks == 0 ? PRESSURE_NOMINAL_BAR : minPressure;
        }

        void reset() {
            temperatureDeviationSum = 0;
            ticks = 0;
            cuttingVibrationSum = 0;
            cuttingTicks = 0;
            minPressure = Double.POSITIVE_INFINITY;
        }
    }

    /** A drift, spike or stuck fault on one sensor, with its own random stream. */
    private static final class SensorFault {
        private final Fault fault;
        private final Signal signal;
        private final double start;
        private final SplittableRandom random;
        private double frozen = Double.NaN;

        SensorFault(Fault fault, SplittableRandom random) {
            this.fault = fault;
            this.random = random;
            this.start = seconds(fault.start());
            if (fault instanceof Fault.Drift d) {
                this.signal = d.signal();
            } else if (fault instanceof Fault.Spike s) {
                this.signal = s.signal();
            } else if (fault instanceof Fault.Stuck s) {
                this.signal = s.signal();
            } else {
                throw new IllegalArgumentException("not a sensor fault: " + fault);
            }
        }

        boolean frozenAt(double t) {
            return fault instanceof Fault.Stuck stuck && t >= start && t < seconds(stuck.end());
        }

        double apply(double value, double t, double previous) {
            if (t < start) {
                return value;
            }
            if (fault instanceof Fault.Drift d) {
                return value + d.unitsPerSecond() * (t - start);
            }
            if (fault instanceof Fault.Spike s) {
                double draw = random.nextDouble();
                double scale = random.nextDouble();
                return draw < s.probability() ? value + s.magnitude() * (0.8 + 0.4 * scale) : value;
            }
            Fault.Stuck stuck = (Fault.Stuck) fault;
            if (t >= seconds(stuck.end())) {
                return value;
            }
            if (Double.isNaN(frozen)) {
                frozen = t == 0.0 ? value : previous;
            }
            return frozen;
        }
    }
}
