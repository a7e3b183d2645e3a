package io.werkstrom.gateway.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.werkstrom.protocol.TelemetryBatch;

/** Runs a simulator for a span and reads series out of the result. */
final class Runs {

    static final Instant START = Instant.parse("2026-01-05T08:00:00Z");

    private Runs() {
    }

    static SimulatorOptions.Builder options() {
        return SimulatorOptions.builder().start(START).faultPlan(FaultPlan.none());
    }

    static TelemetryBatch run(SimulatorOptions options, Duration span) {
        FactorySimulator simulator = new FactorySimulator(options);
        TelemetryBatch.Builder out = TelemetryBatch.builder("test", 0);
        simulator.next(simulator.tickMicros(0) + span.toNanos() / 1_000 - 1, out);
        return out.build();
    }

    /** One machine's samples of one sensor, in time order. */
    record Series(long[] micros, double[] values, byte[] qualities) {
        int size() {
            return values.length;
        }

        /** Seconds since the simulator's start. */
        double seconds(int i) {
            return (micros[i] - Runs.micros(START)) / 1e6;
        }
    }

    static Series series(TelemetryBatch batch, String machine, Signal signal) {
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            if (batch.machines()[i].equals(machine) && batch.sensors()[i].equals(signal.sensorId())) {
                rows.add(i);
            }
        }
        long[] ts = new long[rows.size()];
        double[] v = new double[rows.size()];
        byte[] q = new byte[rows.size()];
        for (int k = 0; k < rows.size(); k++) {
            ts[k] = batch.timestampsMicros()[rows.get(k)];
            v[k] = batch.values()[rows.get(k)];
            q[k] = batch.qualities()[rows.get(k)];
        }
        return new Series(ts, v, q);
    }

    static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
    }

    static double mean(double[] v, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += v[i];
        }
        return sum / (to - from);
    }

    static double median(double[] v) {
        double[] sorted = v.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** Index of the first sample at or after {@code seconds}. */
    static int indexAt(Series s, double seconds) {
        for (int i = 0; i < s.size(); i++) {
            if (s.seconds(i) >= seconds - 1e-9) {
                return i;
            }
        }
        return s.size();
    }
}
