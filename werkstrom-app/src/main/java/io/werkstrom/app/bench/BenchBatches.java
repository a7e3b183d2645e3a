package io.werkstrom.app.bench;

import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * The samples of a simulated gateway: {@value #MACHINES} machines with {@value #SENSORS} sensors
 * each, sampled round-robin, values a slow wave with noise. Cheap to generate, so that the bench
 * measures the pipeline and not the simulation.
 */
final class BenchBatches {

    static final int MACHINES = 4;
    static final int SENSORS = 6;
    static final int SERIES = MACHINES * SENSORS;
    static final String PROBE_MACHINE = "m-0";
    static final String PROBE_SENSOR = "s-0";

    private static final String[] MACHINE_NAMES = new String[MACHINES];
    private static final String[] SENSOR_NAMES = new String[SENSORS];

    static {
        for (int m = 0; m < MACHINES; m++) {
            MACHINE_NAMES[m] = "m-" + m;
        }
        for (int s = 0; s < SENSORS; s++) {
            SENSOR_NAMES[s] = "s-" + s;
        }
    }

    private BenchBatches() {
    }

    /**
     * A batch of {@code rows} samples whose timestamps spread evenly over
     * [{@code endMicros - spanMicros}, {@code endMicros}), every series sampled in turn.
     */
    static TelemetryBatch batch(String gateway, long sequence, int rows, long endMicros, long spanMicros) {
        int perSeries = Math.max(1, (rows + SERIES - 1) / SERIES);
        long step = Math.max(1, spanMicros / perSeries);
        long start = endMicros - step * perSeries;
        long[] times = new long[rows];
        String[] machines = new String[rows];
        String[] sensors = new String[rows];
        double[] values = new double[rows];
        byte[] qualities = new byte[rows];
        long noise = sequence * 0x9E3779B97F4A7C15L + gateway.hashCode();
        for (int i = 0; i < rows; i++) {
            int series = i % SERIES;
            times[i] = start + (i / SERIES) * step;
            machines[i] = MACHINE_NAMES[series / SENSORS];
            sensors[i] = SENSOR_NAMES[series % SENSORS];
            noise = noise * 6364136223846793005L + 1442695040888963407L;
            values[i] = 20.0 + 5.0 * Math.sin(times[i] / 60e6 + series) + (noise >>> 40) / (double) (1L << 24);
            qualities[i] = Quality.GOOD.code();
        }
        return new TelemetryBatch(gateway, sequence, times, machines, sensors, values, qualities);
    }
}
