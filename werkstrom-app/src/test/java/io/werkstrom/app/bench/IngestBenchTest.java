package io.werkstrom.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;

import io.werkstrom.app.cli.UsageException;
import io.werkstrom.jobs.eventtime.LateRanges;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;
import org.junit.jupiter.api.Test;

class IngestBenchTest {

    @Test
    void theResultLineHasExactlyTheContractKeys() {
        String json = new IngestResult(50_000.4, 100_000.0, 412.34, 980.06).toJson();
        assertEquals("{\"e2e_samples_per_s\":50000,\"copy_samples_per_s\":100000,\"ratio\":0.5,"
                + "\"p50_latency_ms\":412.3,\"p99_latency_ms\":980.1}", json);
    }

    @Test
    void benchBatchesCoverEverySeriesWithDistinctTimesInsideTheirSpan() {
        TelemetryBatch batch = BenchBatches.batch("gw-000", 3, 240, 10_000_000L, 1_000_000L);
        assertEquals(240, batch.size());
        assertEquals(240, java.util.stream.IntStream.range(0, 240)
                .mapToObj(i -> batch.machines()[i] + "/" + batch.sensors()[i] + "/" + batch.timestampsMicros()[i])
                .distinct().count());
        for (long time : batch.timestampsMicros()) {
            assertTrue(time >= 9_000_000L && time < 10_000_000L, "time " + time);
        }
    }

    @Test
    void theSustainedPhasesBatchesAndTheWarmUpAreOnTimeForTheJobAndNeverInTheFuture() {
        long encodedAt = 1_800_000_000_000_000L;
        long receivedAt = encodedAt + 20 * 60_000_000L; // after a sustained phase of 20 minutes
        GatewayAddress gateway = IngestBench.gatewayAddress(IngestBench.TENANT_E2E, 0);
        for (int batches : new int[] {10, 3_600, 7_500, 2_500_000}) {
            long span = IngestBench.poolBatchSpanMicros(batches);
            long first = IngestBench.poolStartMicros(encodedAt, batches);
            TelemetryBatch oldest = BenchBatches.batch(gateway.gateway(), 0, 1_000, first + span, span);
            TelemetryBatch newest = BenchBatches.batch(gateway.gateway(), batches - 1, 1_000, first + batches * span, span);
            // the last warm-up batch the job may get, one a second for 2 minutes
            TelemetryBatch warmUp = BenchBatches.batch("warm-up", 400, BenchBatches.SERIES,
                    first - IngestBench.WARM_UP_LEAD_MICROS + 400 * 1_000_000L, 1_000_000L);
            assertTrue(max(newest) < encodedAt, batches + " batches");
            assertTrue(max(warmUp) < min(oldest), batches + " batches");
            for (TelemetryBatch batch : List.of(oldest, newest, warmUp)) {
                assertEquals(List.of(), LateRanges.lateRanges(new ReceivedBatch(gateway, batch, receivedAt),
                        Long.MIN_VALUE, 0), batches + " batches");
            }
        }
    }

    private static long min(TelemetryBatch batch) {
        return java.util.Arrays.stream(batch.timestampsMicros()).min().orElseThrow();
    }

    private static long max(TelemetryBatch batch) {
        return java.util.Arrays.stream(batch.timestampsMicros()).max().orElseThrow();
    }

    @Test
    void aCopyWriterThatFailsBeforeItIsReadyEndsTheWaitWithItsFailure() {
        CountDownLatch ready = new CountDownLatch(2);
        ready.countDown();
        List<Future<?>> writers = List.of(new CompletableFuture<>(),
                CompletableFuture.failedFuture(new SQLException("FATAL: sorry, too many clients already")));
        IllegalStateException failed = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(IllegalStateException.class, () -> IngestBench.awaitReady(ready, writers)));
        assertEquals("FATAL: sorry, too many clients already", failed.getCause().getMessage());
    }

    @Test
    void badOptionsNameTheirKey() {
        assertThrows(IllegalArgumentException.class, () -> new IngestBenchOptions(Duration.ofSeconds(2), 8, 1000, 1, 2,
                Duration.ofMillis(200), Duration.ofSeconds(1)));
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class, () -> new IngestBenchOptions(
                Duration.ofMinutes(21), 8, 1000, 1, 2, Duration.ofMillis(200), Duration.ofSeconds(1)));
        assertTrue(tooLong.getMessage().startsWith("duration must be at most 20m"), tooLong.getMessage());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        UsageException refused = assertThrows(UsageException.class, () -> BenchCommand.run(
                List.of("ingest", "--gateways", "0"), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(refused.getMessage().contains("gateways"), refused.getMessage());
        assertThrows(UsageException.class, () -> BenchCommand.run(List.of("egest"), System.out, System.err));
    }
}
