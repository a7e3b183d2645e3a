package io.werkstrom.app.demo;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What the demo runs.
 *
 * @param machines           simulated machines, spread over gateways of at most {@link #MACHINES_PER_GATEWAY}
 * @param duration           how long the gateways publish
 * @param samplesPerSecond   samples per second per sensor
 * @param faults             whether the simulator injects machine and sensor faults
 * @param parallelism        parallelism of the Flink job
 * @param report             where the HTML report of the run is written at the end
 */
public record DemoOptions(int machines, Duration duration, double samplesPerSecond, boolean faults, int parallelism,
                          Path report) {

    public static final int MACHINES_PER_GATEWAY = 4;
    public static final int DEFAULT_MACHINES = 4;
    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(90);
    public static final double DEFAULT_RATE = 10.0;
    /**
     * The lowest rate: the demo trains its part-quality model on 90 minutes of simulated history at the
     * demo's rate: at 0.005 samples/s per sensor 324 parts complete, at 0.003 none are labelled and
     * training fails. 0.01 (648 parts) keeps a margin.
     */
    public static final double MIN_RATE = 0.01;
    public static final Path DEFAULT_REPORT = Path.of(".werkstrom", "demo-report.html");

    public DemoOptions {
        if (machines < 1 || machines > 1_000) {
            throw new IllegalArgumentException("machines must be between 1 and 1000, got " + machines);
        }
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive, got " + duration);
        }
        if (!(samplesPerSecond >= MIN_RATE) || samplesPerSecond > 1_000) {
            throw new IllegalArgumentException("rate must be from " + MIN_RATE + " to 1000 samples/s per sensor"
                    + " (the demo's models train on simulated history at this rate), got " + samplesPerSecond);
        }
        if (parallelism < 1 || parallelism > 16) {
            throw new IllegalArgumentException("parallelism must be between 1 and 16, got " + parallelism);
        }
        if (report == null) {
            throw new IllegalArgumentException("report must name a file");
        }
    }

    public int gateways() {
        return (machines + MACHINES_PER_GATEWAY - 1) / MACHINES_PER_GATEWAY;
    }
}
