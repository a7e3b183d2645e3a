package io.werkstrom.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.gateway.collect.Collector;
import io.werkstrom.gateway.collect.SimulatorCollector;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.gateway.spool.Spool;
import io.werkstrom.gateway.spool.SpooledBatch;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.DecodeLimits;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * One collect call takes a bounded number of samples (a fast replay drains over several calls
 * rather than as one batch the heap cannot hold), and an Error in a tick stops the gateway instead
 * of leaving it up with its timer cancelled. No broker: the batches stay in the spool, read back here.
 */
class GatewayCollectBoundTest {

    private static final int CAP = 1_000;

    @TempDir
    Path spoolDir;

    /**
     * A source with {@code total} samples all due at once (value = index, in order), as a replay at
     * a huge speed-up has; it honours the bound, or ignores it where the gateway does not pass one.
     */
    private static final class BacklogCollector implements Collector {
        final int total;
        final long stampMicros = BatchValidator.micros(Instant.now()) - 60_000_000L;
        final List<Integer> handedOver = new CopyOnWriteArrayList<>();
        final List<Integer> bounds = new CopyOnWriteArrayList<>();
        volatile Error failOnCall;
        volatile int failAt = -1;
        int next;

        BacklogCollector(int total) {
            this.total = total;
        }

        @Override
        public String describe() {
            return "backlog of " + total;
        }

        @Override
        public void start(long resumeAfterMicros) {
        }

        @Override
        public int collect(long untilMicros, TelemetryBatch.Builder out) {
            return collect(untilMicros, Integer.MAX_VALUE, out);
        }

        @Override
        public int collect(long untilMicros, int maxSamples, TelemetryBatch.Builder out) {
            if (handedOver.size() == failAt) {
                throw failOnCall;
            }
            bounds.add(maxSamples);
            int appended = 0;
            while (next < total && appended < maxSamples) {
                // A few distinct timestamps: many samples share one, as the engines of a C-MAPSS replay do.
                out.add(stampMicros + next / 100, "engine-" + (next % 7), "s" + (next % 3), next, Quality.GOOD);
                next++;
                appended++;
            }
            handedOver.add(appended);
            return appended;
        }

        @Override
        public boolean finished() {
            return next >= total;
        }

        @Override
        public void close() {
        }
    }

    private GatewayOptions options() {
        return GatewayOptions.builder()
                .publisher(PublisherOptions.builder().brokerUri("tcp://127.0.0.1:1")
                        .address(new GatewayAddress("acme", "plant-1", "gw-1")).build())
                .spoolDirectory(spoolDir).batchInterval(Duration.ofMillis(10)).drainTimeout(Duration.ZERO).build();
    }

    @Test
    void aBacklogFarAboveTheBoundArrivesCompleteAndInOrderOverSeveralCalls() throws Exception {
        int total = 25 * CAP + 17;
        BacklogCollector collector = new BacklogCollector(total);
        try (Gateway gateway = new Gateway(options(), collector, CAP)) {
            gateway.start();
            await("the backlog handed over", gateway::collectorFinished);
            gateway.stop();
        }

        assertTrue(collector.bounds.stream().allMatch(b -> b == CAP), "bounds asked for: " + collector.bounds);
        long callsWithSamples = collector.handedOver.stream().filter(n -> n > 0).count();
        assertTrue(callsWithSamples >= 26, "collect calls with samples: " + collector.handedOver);

        List<Double> values = new ArrayList<>();
        int largest = 0;
        try (Spool spool = Spool.open(options().spool()); RootAllocator allocator = new RootAllocator()) {
            BatchCodec codec = new BatchCodec(allocator);
            long after = -1;
            for (List<SpooledBatch> chunk; !(chunk = spool.peekAfter(after, 64)).isEmpty(); ) {
                for (SpooledBatch record : chunk) {
                    TelemetryBatch batch = codec.decode(SpoolRecord.message(record.payload()));
                    largest = Math.max(largest, batch.size());
                    // The encoding groups a batch's rows by series; the order that counts is between batches.
                    double[] sorted = batch.values().clone();
                    java.util.Arrays.sort(sorted);
                    if (!values.isEmpty()) {
                        assertTrue(values.get(values.size() - 1) < sorted[0], "batch " + record.sequence()
                                + " holds samples older than the batch before it");
                    }
                    for (double v : sorted) {
                        values.add(v);
                    }
                    after = record.sequence();
                }
            }
        }
        assertTrue(largest <= CAP, "a spooled batch of " + largest + " samples exceeds the bound " + CAP);
        assertEquals(total, values.size(), "samples spooled");
        for (int i = 0; i < total; i++) {
            assertEquals(i, values.get(i), "sample " + i + " lost or duplicated");
        }
    }

    /**
     * Passes the simulator's samples on and notes each one handed over for a later until than the one
     * it was due by: a sample the calls for its own until left behind.
     */
    private static final class LateSampleRecorder implements Collector {
        final SimulatorCollector simulator;
        final List<String> late = new CopyOnWriteArrayList<>();
        final List<Long> untils = new CopyOnWriteArrayList<>();

        LateSampleRecorder(SimulatorCollector simulator) {
            this.simulator = simulator;
        }

        @Override
        public String describe() {
            return simulator.describe();
        }

        @Override
        public void start(long resumeAfterMicros) {
            simulator.start(resumeAfterMicros);
        }

        @Override
        public int collect(long untilMicros, TelemetryBatch.Builder out) {
            return collect(untilMicros, Integer.MAX_VALUE, out);
        }

        @Override
        public int collect(long untilMicros, int maxSamples, TelemetryBatch.Builder out) {
            if (untils.isEmpty() || untils.get(untils.size() - 1) != untilMicros) {
                untils.add(untilMicros);
            }
            TelemetryBatch.Builder samples = TelemetryBatch.builder("gw", 0);
            int n = simulator.collect(untilMicros, maxSamples, samples);
            TelemetryBatch batch = samples.build();
            long earlierUntil = untils.size() > 1 ? untils.get(untils.size() - 2) : Long.MIN_VALUE;
            for (int i = 0; i < batch.size(); i++) {
                long ts = batch.timestampsMicros()[i];
                if (ts < earlierUntil) {
                    late.add("sample at " + ts + " handed over for until " + untilMicros + ", due by " + earlierUntil);
                }
                out.add(ts, batch.machines()[i], batch.sensors()[i], batch.values()[i], batch.quality(i));
            }
            return n;
        }

        @Override
        public void close() {
            simulator.close();
        }
    }

    /** The most samples in one call, each of a series of its own with the longest names there are. */
    private static final class LongNamesCollector implements Collector {
        final long stampMicros = BatchValidator.micros(Instant.now()) - 60_000_000L;
        boolean done;

        @Override
        public String describe() {
            return "long names";
        }

        @Override
        public void start(long resumeAfterMicros) {
        }

        @Override
        public int collect(long untilMicros, TelemetryBatch.Builder out) {
            return collect(untilMicros, Integer.MAX_VALUE, out);
        }

        @Override
        public int collect(long untilMicros, int maxSamples, TelemetryBatch.Builder out) {
            if (done) {
                return 0;
            }
            java.util.Random random = new java.util.Random(7);
            String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            int n = Math.min(maxSamples, DecodeLimits.DEFAULT.maxRows());
            for (int i = 0; i < n; i++) {
                StringBuilder machine = new StringBuilder();
                StringBuilder sensor = new StringBuilder();
                for (int k = 0; k < 64; k++) {
                    machine.append(alphabet.charAt(random.nextInt(alphabet.length())));
                    sensor.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                // Seven samples a time stamp: a part that ends inside one would lose its rest on a restart.
                out.add(stampMicros + i / 7, machine.toString(), sensor.toString(), i, Quality.GOOD);
            }
            done = true;
            return n;
        }

        @Override
        public boolean finished() {
            return done;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aBatchTooLargeForTheCloudsDecoderIsSpooledInPartsItAcceptsWithoutSplittingATimeStamp() throws Exception {
        try (Gateway gateway = new Gateway(options(), new LongNamesCollector())) {
            gateway.start();
            await("the batch handed over", gateway::collectorFinished);
            gateway.stop();
        }
        int samples = 0;
        int records = 0;
        long previousLast = Long.MIN_VALUE;
        try (Spool spool = Spool.open(options().spool()); RootAllocator allocator = new RootAllocator()) {
            BatchCodec codec = new BatchCodec(allocator, DecodeLimits.DEFAULT); // the job's decoder
            long after = -1;
            for (List<SpooledBatch> chunk; !(chunk = spool.peekAfter(after, 64)).isEmpty(); ) {
                for (SpooledBatch record : chunk) {
                    byte[] message = SpoolRecord.message(record.payload());
                    assertTrue(message.length <= DecodeLimits.DEFAULT.maxPayloadBytes(), "a payload of "
                            + message.length + " bytes, over the decoder's " + DecodeLimits.DEFAULT.maxPayloadBytes());
                    TelemetryBatch batch = codec.decode(message);
                    for (long t : batch.timestampsMicros()) {
                        assertTrue(t > previousLast, "record " + record.sequence() + " holds time stamp " + t
                                + ", already in an earlier record");
                    }
                    for (long t : batch.timestampsMicros()) {
                        previousLast = Math.max(previousLast, t);
                    }
                    samples += batch.size();
                    records++;
                    after = record.sequence();
                }
            }
        }
        assertEquals(DecodeLimits.DEFAULT.maxRows(), samples, "samples spooled");
        assertTrue(records > 1, "records: " + records);
    }

    @Test
    void aBatchIsHalvedAtTheTimeStampBoundaryNearestTheMiddle() {
        long[] t = {1, 1, 1, 2, 2, 2, 2, 2, 3, 3};
        assertEquals(3, Gateway.splitPoint(t, 0, 10), "the middle, 5, lies inside time stamp 2");
        assertEquals(8, Gateway.splitPoint(t, 3, 10));
        assertEquals(1, Gateway.splitPoint(new long[] {1, 2}, 0, 2));
        assertEquals(4, Gateway.splitPoint(new long[] {5, 5, 5, 5, 5, 5, 5, 5}, 0, 8), "one time stamp: the middle");
        assertEquals(5, Gateway.splitPoint(t, 3, 8), "rows 3 to 7 share one: the middle");
    }

    @Test
    void aSimulatorFasterThanTheBoundPerIntervalHandsOverEachIntervalCompletely() throws Exception {
        // 10 machines x 6 signals x 100 Hz: 600 samples per 100 ms interval; a call takes 8 whole ticks (480).
        SimulatorOptions simulator = SimulatorOptions.builder().machines(10).samplesPerSecondPerSensor(100).seed(3).build();
        LateSampleRecorder collector = new LateSampleRecorder(new SimulatorCollector(simulator));
        GatewayOptions options = GatewayOptions.builder().publisher(options().publisher())
                .spoolDirectory(spoolDir).batchInterval(Duration.ofMillis(100)).drainTimeout(Duration.ZERO).build();
        try (Gateway gateway = new Gateway(options, collector, 500)) {
            gateway.start();
            await("ten batch intervals", () -> collector.untils.size() >= 10);
            gateway.stop();
        }
        assertEquals(List.of(), collector.late.stream().limit(5).toList(),
                "samples left behind by the calls for their interval (" + collector.late.size() + " in all)");
    }

    @Test
    void anErrorInCollectStopsTheGatewayAndIsReported() throws Exception {
        BacklogCollector collector = new BacklogCollector(100 * CAP);
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space (from the test)");
        collector.failOnCall = oom;
        collector.failAt = 3;
        try (Gateway gateway = new Gateway(options(), collector, CAP)) {
            gateway.start();
            await("the gateway stopping itself", () -> gateway.health().state().equals("stopped"));
            assertSame(oom, gateway.failure().orElseThrow());
            GatewayHealth health = gateway.health();
            assertFalse(health.healthy());
            assertTrue(health.reason().contains("collecting failed for good: java.lang.OutOfMemoryError"), health.reason());
            assertFalse(health.reason().contains("retrying"), health.reason());
            // What was collected before the Error is in the spool, for the next start.
            assertEquals(3 * CAP, gateway.stop().samplesCollected());
            assertEquals(3, collector.handedOver.size(), "collect calls after the Error: " + collector.handedOver);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
