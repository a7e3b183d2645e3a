package io.werkstrom.gateway.wire;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

import io.werkstrom.gateway.sim.FactorySimulator;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * The size on the wire of one gateway batch: as the Arrow IPC payload the gateway sends, and as the
 * equivalent JSON a naive gateway would send (an array of objects with {@code ts}, {@code machine},
 * {@code sensor}, {@code value}, {@code quality}). The JSON is compact on purpose (no whitespace,
 * timestamps as integer microseconds, quality as its numeric code, values in Java's shortest
 * round-trip form), so the comparison does not flatter Arrow.
 */
public record WireSizeReport(long samples, long arrowBytes, long jsonBytes,
                             double arrowBytesPerSample, double jsonBytesPerSample) {

    /** Where in the simulated run the measured batch is taken: past the first seconds. */
    static final Duration OFFSET = Duration.ofSeconds(30);

    /**
     * The report of {@code samples} samples that take {@code arrowBytes} as Arrow IPC and
     * {@code jsonBytes} as JSON, with the per-sample figures derived.
     *
     * @throws IllegalArgumentException when {@code samples} is not positive or a size is negative
     */
    public static WireSizeReport of(long samples, long arrowBytes, long jsonBytes) {
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be positive, got " + samples + ".");
        }
        if (arrowBytes < 0 || jsonBytes < 0) {
            throw new IllegalArgumentException("sizes must not be negative, got arrowBytes " + arrowBytes
                    + " and jsonBytes " + jsonBytes + ".");
        }
        return new WireSizeReport(samples, arrowBytes, jsonBytes, (double) arrowBytes / samples,
                (double) jsonBytes / samples);
    }

    /**
     * This report and {@code other} as one total: a run's batches add up. Sums in {@code long}: a
     * long run of a large fleet carries more than 2 GiB of JSON.
     *
     * @throws ArithmeticException when a sum leaves the range of {@code long}
     */
    public WireSizeReport plus(WireSizeReport other) {
        return of(Math.addExact(samples, other.samples), Math.addExact(arrowBytes, other.arrowBytes),
                Math.addExact(jsonBytes, other.jsonBytes));
    }

    /** The report for the default simulator (4 machines, 10 samples/s/sensor) and a 250 ms batch. */
    public static WireSizeReport measureDefault() {
        return measure(SimulatorOptions.builder().build(), Duration.ofMillis(250));
    }

    /**
     * Simulates {@code options} and measures the batch a gateway would cut for one
     * {@code batchInterval}, 30 s into the run. Creates and closes its own Arrow allocator.
     */
    public static WireSizeReport measure(SimulatorOptions options, Duration batchInterval) {
        return measure(options, batchInterval, 1);
    }

    /**
     * Simulates {@code options} and measures {@code batches} consecutive batches a gateway would cut,
     * from 30 s into the run, as one total: what the link carries on average. Batches of one interval
     * need not hold the same number of ticks (250 ms at 10 Hz alternates 3 and 2), so an average over
     * a run is the honest figure. Creates and closes its own Arrow allocator.
     */
    public static WireSizeReport measure(SimulatorOptions options, Duration batchInterval, int batches) {
        Objects.requireNonNull(options, "options must not be null.");
        Objects.requireNonNull(batchInterval, "batchInterval must not be null.");
        if (batchInterval.isNegative() || batchInterval.isZero()) {
            throw new IllegalArgumentException("batchInterval must be positive, got " + batchInterval + ".");
        }
        if (batches < 1) {
            throw new IllegalArgumentException("batches must be at least 1, got " + batches + ".");
        }
        Instant start = options.start().orElse(Instant.parse("2026-01-05T08:00:00Z"));
        FactorySimulator simulator = new FactorySimulator(options.withStart(start));
        // Each batch covers [from, from + interval), as a gateway cuts it.
        long from = simulator.tickMicros(0) + OFFSET.toNanos() / 1_000;
        long step = batchInterval.toNanos() / 1_000;
        simulator.next(from - 1, TelemetryBatch.builder("warm-up", 0));
        WireSizeReport total = null;
        try (BufferAllocator allocator = new RootAllocator()) {
            BatchCodec codec = new BatchCodec(allocator);
            for (int i = 0; i < batches; i++) {
                TelemetryBatch.Builder builder = TelemetryBatch.builder("gw-01", 1 + i);
                simulator.next(from + (i + 1) * step - 1, builder);
                TelemetryBatch batch = builder.build();
                if (batch.size() == 0) {
                    throw new IllegalArgumentException("batchInterval " + batchInterval + " is shorter than one tick at "
                            + options.samplesPerSecondPerSensor() + " samples/s.");
                }
                WireSizeReport one = of(batch.size(), codec.encode(batch).length,
                        toJson(batch).getBytes(StandardCharsets.UTF_8).length);
                total = total == null ? one : total.plus(one);
            }
        }
        return total;
    }

    /** The report for one given batch. */
    public static WireSizeReport of(TelemetryBatch batch) {
        int arrow;
        try (BufferAllocator allocator = new RootAllocator()) {
            arrow = new BatchCodec(allocator).encode(batch).length;
        }
        return of(batch.size(), arrow, toJson(batch).getBytes(StandardCharsets.UTF_8).length);
    }

    /**
     * The batch as a compact JSON array of sample objects. Machine and sensor identifiers are
     * restricted to {@code [A-Za-z0-9_.:-]} by the protocol, so they need no escaping.
     */
    public static String toJson(TelemetryBatch batch) {
        StringBuilder json = new StringBuilder(batch.size() * 96);
        json.append('[');
        for (int i = 0; i < batch.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append("{\"ts\":").append(batch.timestampsMicros()[i])
                    .append(",\"machine\":\"").append(batch.machines()[i])
                    .append("\",\"sensor\":\"").append(batch.sensors()[i])
                    .append("\",\"value\":").append(batch.values()[i])
                    .append(",\"quality\":").append(batch.qualities()[i])
                    .append('}');
        }
        return json.append(']').toString();
    }

    /** Arrow's size as a fraction of JSON's. */
    public double arrowToJsonRatio() {
        return (double) arrowBytes / jsonBytes;
    }

    /** One line for a console or a document. */
    public String describe() {
        return String.format(Locale.ROOT,
                "%d samples: Arrow IPC %d bytes (%.1f B/sample), JSON %d bytes (%.1f B/sample), Arrow/JSON = %.2f",
                samples, arrowBytes, arrowBytesPerSample, jsonBytes, jsonBytesPerSample, arrowToJsonRatio());
    }
}
