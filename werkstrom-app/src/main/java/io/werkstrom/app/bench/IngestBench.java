package io.werkstrom.app.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;

import io.werkstrom.app.cli.StopSignal;
import io.werkstrom.app.embedded.EmbeddedBroker;
import io.werkstrom.app.embedded.EmbeddedDatabase;
import io.werkstrom.app.embedded.LocalJobs;
import io.werkstrom.jobs.job.LocalCluster;
import io.werkstrom.jobs.job.TelemetryJob;
import io.werkstrom.jobs.job.TelemetryJobOptions;
import io.werkstrom.jobs.sink.SinkOptions;
import io.werkstrom.jobs.storage.MigrationReport;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryCopy;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;

/**
 * {@code ./werkstrom bench ingest}: how close the whole ingest path comes to what the database
 * itself can take, on this machine, in one run against one embedded PostgreSQL.
 *
 * <ol>
 *   <li><b>COPY baseline.</b> Batches of the simulated gateways' samples are generated in memory and
 *       written with the store's binary COPY ({@link TelemetryCopy}) over as many connections as the
 *       job's sinks use, one transaction per 5 batches: the storage limit.</li>
 *   <li><b>Sustained end to end.</b> Simulated gateways publish pre-encoded batches (Arrow IPC, as a
 *       gateway sends them; encoded before the phase so the gateways' CPU is not charged to the
 *       pipeline) to the embedded HiveMQ broker over MQTT QoS 1; the telemetry job (Flink
 *       MiniCluster, detector off: this measures ingest) stores them. Gateways pause while more
 *       than {@link #BACKLOG_BATCHES} batches are published but not yet stored, so the broker's
 *       queues stay bounded and the rate is what the pipeline sustains. The rate is counted in the
 *       database (ledger rows over the measured window) and at the end every published sample is
 *       checked to be in {@code telemetry} exactly once.</li>
 *   <li><b>Latency</b> at half the sustained rate: each gateway publishes every 250 ms (the
 *       gateway's default batch interval) the samples of the last 250 ms, freshly encoded. A poller
 *       looks for newly committed batches in the ledger every {@link #POLL}; each sample of a batch
 *       counts as visible at the poll that first saw its batch, so a latency is the time from the
 *       sample's timestamp to that poll: it includes the gateway's batching (0..250 ms) and is
 *       rounded up to the poll interval.</li>
 * </ol>
 *
 * <p>Progress goes to the given stream; the result is returned.
 */
public final class IngestBench {

    static final String TENANT_COPY = "bench-copy";
    static final String TENANT_E2E = "bench-e2e";
    static final String TENANT_LATENCY = "bench-latency";
    static final String SITE = "plant-1";
    static final int BACKLOG_BATCHES = 400;
    static final Duration WARM_UP = Duration.ofSeconds(5);
    static final Duration POLL = Duration.ofMillis(20);
    static final Duration LATENCY_BATCH_INTERVAL = Duration.ofMillis(250);
    /** Samples pre-encoded for the sustained phase at most (about 4 bytes each on the wire). */
    static final long MAX_POOL_SAMPLES = 60_000_000L;
    /**
     * The sustained phase's samples lie within this span before they are encoded, one second per
     * batch where it has room: a sample the job receives over an hour after it was measured is late
     * data ({@link io.werkstrom.jobs.eventtime.LateRanges#MAX_RECEIPT_DELAY_MICROS}), whose
     * aggregates each checkpoint refreshes.
     */
    static final long POOL_SPAN_MICROS = 30 * 60_000_000L;
    /** The warm-up batches end this long before the pool starts: one a second for the 2 minutes it may wait. */
    static final long WARM_UP_LEAD_MICROS = 10 * 60_000_000L;

    private final IngestBenchOptions options;
    private final PrintStream progress;

    public IngestBench(IngestBenchOptions options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    /**
     * Runs the three phases. Once {@code stop} returns, the run is interrupted: it cancels its job,
     * stops the broker and the database, deletes its work directory and throws.
     */
    public IngestResult run(StopSignal.Wait stop) throws Exception {
        try (StopInterrupt interrupt = StopInterrupt.of(stop, "bench-ingest")) {
            return run();
        }
    }

    private IngestResult run() throws Exception {
        Path work = Files.createTempDirectory("werkstrom-bench");
        try {
            say("starting the embedded MQTT broker (HiveMQ CE)...");
            try (EmbeddedBroker broker = EmbeddedBroker.start(work.resolve("broker"), 0)) {
                say("starting the embedded PostgreSQL...");
                try (EmbeddedDatabase database = EmbeddedDatabase.start(work.resolve("postgres"))) {
                    StoreOptions store = new StoreOptions(database.jdbcUrl(), EmbeddedDatabase.USER, database.password());
                    MigrationReport migration = SchemaMigrator.apply(store);
                    say(migration.describe());
                    return run(broker, store);
                }
            }
        } finally {
            deleteTree(work);
        }
    }

    private IngestResult run(EmbeddedBroker broker, StoreOptions store) throws Exception {
        int connections = options.parallelism() * options.writers();
        double copyRate = copyBaseline(store, connections);

        TelemetryJobOptions jobOptions = TelemetryJobOptions.builder()
                .mqttUri(broker.uri())
                .store(store)
                .sink(new SinkOptions(SinkOptions.DEFAULT_BATCH_ROWS, options.flushInterval())
                        .withWriters(options.writers()))
                .parallelism(options.parallelism())
                .checkpointInterval(options.checkpointInterval())
                .detectorEnabled(false)
                .build();
        TelemetryJob.provisionReaderSessions(jobOptions);
        say("starting the telemetry job on a Flink MiniCluster (parallelism " + options.parallelism() + ", "
                + options.writers() + " writer connection(s) per sink, checkpoints every " + options.checkpointInterval().toMillis()
                + " ms, detector off)...");
        StreamExecutionEnvironment env = LocalCluster.environment(options.parallelism());
        TelemetryJob.define(env, jobOptions);
        JobClient job = env.executeAsync(TelemetryJob.JOB_NAME);
        try (RootAllocator allocator = new RootAllocator();
             Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password())) {
            double e2eRate = sustained(broker, db, job, allocator, copyRate);
            double[] latency = latency(broker, db, job, allocator, e2eRate / 2);
            return new IngestResult(e2eRate, copyRate, latency[0], latency[1]);
        } finally {
            LocalJobs.cancelQuietly(job);
        }
    }

    // ---- (b) the storage limit ----

    private double copyBaseline(StoreOptions store, int connections) throws Exception {
        Duration length = options.copyDuration();
        say(String.format(Locale.ROOT, "COPY baseline: %d connection(s), %ss, %d-sample batches, 5 batches per transaction"
                        + " (generated before the clock runs)",
                connections, length.toSeconds(), options.batchRows()));
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        AtomicLong rows = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch ready = new CountDownLatch(connections);
        List<Future<?>> writers = new ArrayList<>();
        long[] window = new long[2];
        try {
            for (int c = 0; c < connections; c++) {
                int index = c;
                writers.add(pool.submit(() -> {
                    try (Connection connection = DriverManager.getConnection(store.jdbcUrl(), store.user(),
                            store.password())) {
                        connection.setAutoCommit(false);
                        TelemetryCopy copy = new TelemetryCopy();
                        GatewayAddress gateway = new GatewayAddress(TENANT_COPY, SITE, "gw-" + index);
                        long end = BatchValidator.micros(java.time.Instant.now()) - 3_600_000_000L;
                        // Generated before the clock runs; each transaction shifts the timestamps so rows stay distinct.
                        List<TelemetryBatch> template = new ArrayList<>(5);
                        for (int b = 0; b < 5; b++) {
                            template.add(BenchBatches.batch(gateway.gateway(), b, options.batchRows(),
                                    end + (b + 1) * 1_000_000L, 1_000_000L));
                        }
                        ready.countDown();
                        for (long shift = 0; running.get(); shift += 5_000_000L) {
                            List<ReceivedBatch> chunk = new ArrayList<>(5);
                            for (TelemetryBatch batch : template) {
                                chunk.add(new ReceivedBatch(gateway, shifted(batch, shift), end));
                            }
                            long copied = copy.copy(connection, chunk);
                            connection.commit();
                            rows.addAndGet(copied);
                        }
                    }
                    return null;
                }));
            }
            awaitReady(ready, writers);
            TimeUnit.SECONDS.sleep(2); // warm-up: JIT and the first partitions
            long startRows = rows.get();
            long start = System.nanoTime();
            sleepReporting(length, () -> rows.get() - startRows, start, "copied");
            window[0] = rows.get() - startRows;
            window[1] = System.nanoTime() - start;
            running.set(false);
            for (Future<?> writer : writers) {
                writer.get(60, TimeUnit.SECONDS);
            }
        } finally {
            running.set(false);
            pool.shutdownNow();
        }
        double rate = window[0] / (window[1] / 1e9);
        say(String.format(Locale.ROOT, "COPY baseline: %,.0f samples/s", rate));
        return rate;
    }

    /**
     * Waits until every writer counted {@code ready} down; throws the failure of a writer that ended
     * before (a connection the database refused, say), which would otherwise never count down.
     */
    static void awaitReady(CountDownLatch ready, List<Future<?>> writers) throws InterruptedException {
        while (!ready.await(100, TimeUnit.MILLISECONDS)) {
            for (Future<?> writer : writers) {
                if (writer.isDone()) {
                    try {
                        writer.get();
                    } catch (ExecutionException e) {
                        throw new IllegalStateException("a COPY baseline writer failed", e.getCause());
                    }
                    throw new IllegalStateException("a COPY baseline writer ended before it was ready");
                }
            }
        }
    }

    private static TelemetryBatch shifted(TelemetryBatch batch, long micros) {
        long[] times = batch.timestampsMicros().clone();
        for (int i = 0; i < times.length; i++) {
            times[i] += micros;
        }
        return new TelemetryBatch(batch.gateway(), batch.sequence(), times, batch.machines(), batch.sensors(),
                batch.values(), batch.qualities());
    }

    // ---- (a) sustained end to end ----

    private double sustained(EmbeddedBroker broker, Connection db, JobClient job, BufferAllocator allocator,
                             double copyRate) throws Exception {
        int gateways = options.gateways();
        long poolSamples = (long) Math.min(MAX_POOL_SAMPLES, copyRate * (WARM_UP.toSeconds() + options.duration().toSeconds() + 5));
        int batchesPerGateway = (int) Math.max(10, poolSamples / options.batchRows() / gateways);
        say(String.format(Locale.ROOT, "encoding %,d batches of %d samples for %d gateways (not timed)...",
                (long) batchesPerGateway * gateways, options.batchRows(), gateways));
        // Recent, but never in the future.
        long first = poolStartMicros(BatchValidator.micros(java.time.Instant.now()), batchesPerGateway);
        List<List<byte[]>> encoded = encodePool(allocator, gateways, batchesPerGateway, first);
        long wireBytes = encoded.stream().flatMap(List::stream).mapToLong(p -> p.length).sum();
        say(String.format(Locale.ROOT, "%.2f bytes per sample on the wire", wireBytes / (double) (batchesPerGateway
                * (long) gateways * options.batchRows())));

        awaitSubscribed(broker, db, job, allocator, first);
        AtomicLong published = new AtomicLong();
        AtomicLong stored = new AtomicLong(ledgerRows(db, TENANT_E2E));
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(gateways);
        List<Future<Long>> publishers = new ArrayList<>();
        long backlogSamples = (long) BACKLOG_BATCHES * options.batchRows();
        say("sustained phase: " + gateways + " gateways publish as fast as the pipeline stores (backlog at most "
                + BACKLOG_BATCHES + " batches); warm-up " + WARM_UP.toSeconds() + "s, then " + options.duration().toSeconds()
                + "s measured");
        for (int g = 0; g < gateways; g++) {
            GatewayAddress gateway = gatewayAddress(TENANT_E2E, g);
            List<byte[]> payloads = encoded.get(g);
            publishers.add(pool.submit(() -> {
                long sent = 0;
                try (Publisher publisher = new Publisher(broker.uri(), "bench-" + gateway.gateway())) {
                    String topic = Topics.telemetry(gateway);
                    for (byte[] payload : payloads) {
                        while (running.get() && published.get() - stored.get() > backlogSamples) {
                            TimeUnit.MILLISECONDS.sleep(2);
                        }
                        if (!running.get()) {
                            break;
                        }
                        publisher.publish(topic, payload);
                        published.addAndGet(options.batchRows());
                        sent += options.batchRows();
                    }
                }
                return sent;
            }));
        }
        long measuredRows;
        double measuredSeconds;
        try {
            long warmUpEnd = System.nanoTime() + WARM_UP.toNanos();
            while (System.nanoTime() < warmUpEnd) {
                TimeUnit.MILLISECONDS.sleep(100);
                stored.set(ledgerRows(db, TENANT_E2E));
            }
            LocalJobs.failIfStopped(job);
            long startRows = ledgerRows(db, TENANT_E2E);
            long start = System.nanoTime();
            long end = start + options.duration().toNanos();
            long nextReport = start + TimeUnit.SECONDS.toNanos(5);
            boolean exhausted = false;
            while (System.nanoTime() < end) {
                TimeUnit.MILLISECONDS.sleep(100);
                stored.set(ledgerRows(db, TENANT_E2E));
                if (System.nanoTime() >= nextReport) {
                    LocalJobs.failIfStopped(job);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    say(String.format(Locale.ROOT, "[%5.1fs] stored %,d samples (%,.0f samples/s), %,d published not yet stored",
                            seconds, stored.get() - startRows, (stored.get() - startRows) / seconds,
                            published.get() - stored.get()));
                    nextReport += TimeUnit.SECONDS.toNanos(5);
                }
                if (publishers.stream().allMatch(Future::isDone)) {
                    exhausted = true;
                    break;
                }
            }
            measuredRows = ledgerRows(db, TENANT_E2E) - startRows;
            measuredSeconds = (System.nanoTime() - start) / 1e9;
            if (exhausted) {
                say("note: the pre-encoded batches ran out; the rate is measured over " + Math.round(measuredSeconds) + "s");
            }
        } finally {
            running.set(false);
        }
        long total = 0;
        for (Future<Long> publisher : publishers) {
            total += publisher.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        double rate = measuredRows / measuredSeconds;
        say(String.format(Locale.ROOT, "sustained end to end: %,.0f samples/s; draining and verifying %,d published samples...",
                rate, total));
        awaitStored(db, job, TENANT_E2E, total);
        long rows = LocalJobs.count(db, "SELECT count(*) FROM telemetry WHERE tenant = '" + TENANT_E2E + "'");
        long distinct = LocalJobs.count(db, "SELECT count(*) FROM (SELECT DISTINCT gateway, machine, sensor, time FROM telemetry"
                + " WHERE tenant = '" + TENANT_E2E + "') d");
        if (rows != total || distinct != total) {
            throw new IllegalStateException("published " + total + " samples but telemetry holds " + rows + " rows ("
                    + distinct + " distinct)");
        }
        say("verified: every published sample is stored exactly once (" + rows + " rows)");
        return rate;
    }

    private List<List<byte[]>> encodePool(BufferAllocator allocator, int gateways, int batchesPerGateway, long first)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
        try {
            List<Future<List<byte[]>>> parts = new ArrayList<>();
            long spanMicros = poolBatchSpanMicros(batchesPerGateway);
            for (int g = 0; g < gateways; g++) {
                String gateway = gatewayAddress(TENANT_E2E, g).gateway();
                parts.add(pool.submit(() -> {
                    try (BufferAllocator own = allocator.newChildAllocator("bench-encode-" + gateway, 0, Long.MAX_VALUE)) {
                        BatchCodec codec = new BatchCodec(own);
                        List<byte[]> payloads = new ArrayList<>(batchesPerGateway);
                        for (int b = 0; b < batchesPerGateway; b++) {
                            long end = first + (b + 1) * spanMicros;
                            payloads.add(codec.encode(BenchBatches.batch(gateway, b, options.batchRows(), end, spanMicros)));
                        }
                        return payloads;
                    }
                }));
            }
            List<List<byte[]>> encoded = new ArrayList<>();
            for (Future<List<byte[]>> part : parts) {
                encoded.add(part.get());
            }
            return encoded;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The event time one batch of the sustained phase spans: a second, or less where the pool is long. */
    static long poolBatchSpanMicros(int batchesPerGateway) {
        return Math.min(1_000_000L, POOL_SPAN_MICROS / batchesPerGateway);
    }

    /** Where the sustained phase's samples start, for a pool encoded at {@code nowMicros}: its batches end by then. */
    static long poolStartMicros(long nowMicros, int batchesPerGateway) {
        return nowMicros - batchesPerGateway * poolBatchSpanMicros(batchesPerGateway);
    }

    // ---- (c) latency at half the sustained rate ----

    private double[] latency(EmbeddedBroker broker, Connection db, JobClient job, BufferAllocator allocator,
                             double rate) throws Exception {
        int gateways = options.gateways();
        int rowsPerBatch = (int) Math.max(BenchBatches.SERIES,
                Math.round(rate / gateways * LATENCY_BATCH_INTERVAL.toMillis() / 1000.0));
        double actualRate = rowsPerBatch * gateways * 1000.0 / LATENCY_BATCH_INTERVAL.toMillis();
        Duration length = options.latencyDuration();
        say(String.format(Locale.ROOT, "latency phase: %,.0f samples/s (%d gateways, %d samples every %d ms each) for %ss",
                actualRate, gateways, rowsPerBatch, LATENCY_BATCH_INTERVAL.toMillis(), length.toSeconds()));
        Map<String, long[]> sampleTimes = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(gateways);
        List<Future<Long>> publishers = new ArrayList<>();
        long spanMicros = LATENCY_BATCH_INTERVAL.toMillis() * 1000;
        for (int g = 0; g < gateways; g++) {
            GatewayAddress gateway = gatewayAddress(TENANT_LATENCY, g);
            long offsetNanos = LATENCY_BATCH_INTERVAL.toNanos() * g / gateways;
            publishers.add(pool.submit(() -> {
                long sent = 0;
                try (BufferAllocator own = allocator.newChildAllocator("bench-latency-" + gateway.gateway(), 0, Long.MAX_VALUE);
                     Publisher publisher = new Publisher(broker.uri(), "bench-" + gateway.gateway())) {
                    BatchCodec codec = new BatchCodec(own);
                    String topic = Topics.telemetry(gateway);
                    long next = System.nanoTime() + offsetNanos;
                    for (long sequence = 0; running.get(); sequence++) {
                        LocalJobs.sleepUntil(next);
                        next += LATENCY_BATCH_INTERVAL.toNanos();
                        long now = BatchValidator.micros(java.time.Instant.now());
                        TelemetryBatch batch = BenchBatches.batch(gateway.gateway(), sequence, rowsPerBatch, now, spanMicros);
                        sampleTimes.put(gateway.gateway() + "/" + sequence, batch.timestampsMicros());
                        publisher.publish(topic, codec.encode(batch));
                        sent += rowsPerBatch;
                    }
                }
                return sent;
            }));
        }
        LatencyPoller poller = new LatencyPoller(db, gateways);
        List<long[]> latencies = new ArrayList<>();
        List<Long> inJob = new ArrayList<>();
        long total = 0;
        try {
            long start = System.nanoTime();
            long measureFrom = start + TimeUnit.SECONDS.toNanos(2);
            long end = measureFrom + length.toNanos();
            long nextReport = start + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < end) {
                LocalJobs.sleepUntil(System.nanoTime() + POLL.toNanos());
                long polledAt = BatchValidator.micros(java.time.Instant.now());
                for (Map.Entry<String, Long> batch : poller.poll().entrySet()) {
                    long[] times = sampleTimes.remove(batch.getKey());
                    if (times != null && System.nanoTime() >= measureFrom) {
                        long[] micros = new long[times.length];
                        for (int i = 0; i < times.length; i++) {
                            micros[i] = polledAt - times[i];
                        }
                        latencies.add(micros);
                        inJob.add(polledAt - batch.getValue());
                    }
                }
                if (System.nanoTime() >= nextReport) {
                    LocalJobs.failIfStopped(job);
                    say(String.format(Locale.ROOT, "[%5.1fs] %,d batches seen", (System.nanoTime() - start) / 1e9,
                            latencies.size()));
                    nextReport += TimeUnit.SECONDS.toNanos(5);
                }
            }
        } finally {
            running.set(false);
            for (Future<Long> publisher : publishers) {
                total += publisher.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
        }
        awaitStored(db, job, TENANT_LATENCY, total);
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        if (all.length == 0) {
            throw new IllegalStateException("no batch of the latency phase became visible");
        }
        double p50 = all[(int) Math.min(all.length - 1, Math.round(0.50 * (all.length - 1)))] / 1000.0;
        double p99 = all[(int) Math.min(all.length - 1, Math.round(0.99 * (all.length - 1)))] / 1000.0;
        say(String.format(Locale.ROOT, "latency over %,d samples: p50 %.0f ms, p99 %.0f ms", all.length, p50, p99));
        long[] inJobSorted = inJob.stream().mapToLong(Long::longValue).sorted().toArray();
        say(String.format(Locale.ROOT, "  of which from the job receiving a batch to its rows being visible: p50 %.0f ms,"
                + " p99 %.0f ms (the rest: gateway batching, encoding, broker)", inJobSorted[inJobSorted.length / 2] / 1000.0,
                inJobSorted[(int) Math.round(0.99 * (inJobSorted.length - 1))] / 1000.0));
        return new double[] {p50, p99};
    }

    /** Finds batches of the latency tenant newly committed, per gateway above the highest sequence seen without a hole. */
    private static final class LatencyPoller {
        private final Connection db;
        private final String[] gateways;
        private final long[] contiguous;
        private final List<java.util.TreeSet<Long>> ahead = new ArrayList<>();

        LatencyPoller(Connection db, int count) {
            this.db = db;
            this.gateways = new String[count];
            this.contiguous = new long[count];
            for (int g = 0; g < count; g++) {
                gateways[g] = gatewayAddress(TENANT_LATENCY, g).gateway();
                contiguous[g] = -1;
                ahead.add(new java.util.TreeSet<>());
            }
        }

        /** Newly visible batches ("gateway/sequence") with the time the job received each (micros). */
        Map<String, Long> poll() throws SQLException {
            Map<String, Integer> index = new HashMap<>();
            Long[] seen = new Long[gateways.length];
            for (int g = 0; g < gateways.length; g++) {
                index.put(gateways[g], g);
                seen[g] = contiguous[g];
            }
            Map<String, Long> fresh = new HashMap<>();
            try (PreparedStatement query = db.prepareStatement("SELECT l.gateway, l.sequence,"
                    + " (extract(epoch FROM l.received_at) * 1000000)::bigint FROM batch_ledger l"
                    + " JOIN unnest(?::text[], ?::bigint[]) AS w(gateway, seen) ON l.gateway = w.gateway"
                    + " WHERE l.tenant = ? AND l.sequence > w.seen")) {
                Array names = db.createArrayOf("text", gateways);
                Array marks = db.createArrayOf("bigint", seen);
                query.setArray(1, names);
                query.setArray(2, marks);
                query.setString(3, TENANT_LATENCY);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        int g = index.get(rows.getString(1));
                        long sequence = rows.getLong(2);
                        if (ahead.get(g).add(sequence)) {
                            fresh.put(gateways[g] + "/" + sequence, rows.getLong(3));
                        }
                    }
                }
            }
            for (int g = 0; g < gateways.length; g++) {
                java.util.TreeSet<Long> pending = ahead.get(g);
                while (!pending.isEmpty() && pending.first() == contiguous[g] + 1) {
                    contiguous[g] = pending.pollFirst();
                }
            }
            return fresh;
        }
    }

    // ---- shared ----

    /** One gateway's MQTT connection (QoS 1 publishes return once the broker has the message). */
    private static final class Publisher implements AutoCloseable {
        private final MqttClient client;

        Publisher(String uri, String clientId) throws MqttException {
            client = new MqttClient(uri, clientId, new MemoryPersistence());
            MqttConnectionOptions connection = new MqttConnectionOptions();
            connection.setCleanStart(true);
            connection.setReceiveMaximum(1_000);
            client.connect(connection);
        }

        void publish(String topic, byte[] payload) throws MqttException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try {
                    client.publish(topic, payload, 1, false);
                    return;
                } catch (MqttException e) {
                    // Paho frees the in-flight slot of an acknowledged message slightly after the
                    // call returns, and a busy broker lowers the window; that is back-pressure: wait.
                    if (e.getReasonCode() != MqttClientException.REASON_CODE_MAX_INFLIGHT
                            || System.nanoTime() > deadline) {
                        throw e;
                    }
                    TimeUnit.MILLISECONDS.sleep(1);
                }
            }
        }

        @Override
        public void close() throws MqttException {
            try {
                client.disconnect();
            } finally {
                client.close();
            }
        }
    }

    private void awaitSubscribed(EmbeddedBroker broker, Connection db, JobClient job, BufferAllocator allocator,
                                 long poolStartMicros) throws Exception {
        say("waiting for the job to subscribe...");
        GatewayAddress warmUp = new GatewayAddress("bench-warm-up", SITE, "warm-up");
        try (BufferAllocator own = allocator.newChildAllocator("bench-warm-up", 0, Long.MAX_VALUE);
             Publisher publisher = new Publisher(broker.uri(), "bench-warm-up")) {
            BatchCodec codec = new BatchCodec(own);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            // Older than every measured batch: a newer one would move the job's watermark past them all
            // and turn the measurement into one of late data (each late batch refreshes the aggregates);
            // within the hour before it is received, for the same reason.
            long warmUpEnd = poolStartMicros - WARM_UP_LEAD_MICROS;
            for (long sequence = 0; ledgerRows(db, warmUp.tenant()) == 0; sequence++) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the job stored no warm-up batch within 2 minutes");
                }
                LocalJobs.failIfStopped(job);
                publisher.publish(Topics.telemetry(warmUp), codec.encode(BenchBatches.batch(warmUp.gateway(), sequence,
                        BenchBatches.SERIES, warmUpEnd + sequence * 1_000_000L, 1_000_000L)));
                TimeUnit.MILLISECONDS.sleep(300);
            }
        }
    }

    private void awaitStored(Connection db, JobClient job, String tenant, long expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        long stored;
        while ((stored = ledgerRows(db, tenant)) < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(tenant + ": " + stored + " of " + expected
                        + " published samples stored after 3 minutes");
            }
            LocalJobs.failIfStopped(job);
            TimeUnit.MILLISECONDS.sleep(200);
        }
    }

    private void sleepReporting(Duration length, java.util.function.LongSupplier done, long start, String verb)
            throws InterruptedException {
        long end = start + length.toNanos();
        while (System.nanoTime() < end) {
            LocalJobs.sleepUntil(Math.min(end, System.nanoTime() + TimeUnit.SECONDS.toNanos(5)));
            double seconds = (System.nanoTime() - start) / 1e9;
            say(String.format(Locale.ROOT, "[%5.1fs] %s %,d samples (%,.0f samples/s)", seconds, verb,
                    done.getAsLong(), done.getAsLong() / seconds));
        }
    }

    static GatewayAddress gatewayAddress(String tenant, int index) {
        return new GatewayAddress(tenant, SITE, String.format(Locale.ROOT, "gw-%03d", index));
    }

    private static long ledgerRows(Connection db, String tenant) throws SQLException {
        return LocalJobs.count(db, "SELECT coalesce(sum(rows), 0) FROM batch_ledger WHERE tenant = '" + tenant + "'");
    }

    private void say(String line) {
        progress.println(line);
        progress.flush();
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // a leftover temporary directory is harmless
        }
    }
}
