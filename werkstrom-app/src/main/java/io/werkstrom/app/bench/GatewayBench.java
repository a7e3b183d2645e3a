package io.werkstrom.app.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.StopSignal;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.app.embedded.EmbeddedBroker;
import io.werkstrom.app.embedded.Uninterruptibly;
import io.werkstrom.gateway.sim.FactorySimulator;
import io.werkstrom.gateway.sim.FaultPlan;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.gateway.SpoolRecord;
import io.werkstrom.gateway.spool.Spool;
import io.werkstrom.gateway.spool.SpoolOptions;
import io.werkstrom.gateway.spool.SpooledBatch;
import io.werkstrom.gateway.wire.WireSizeReport;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.net.FreePorts;

/**
 * {@code ./werkstrom bench gateway}: the edge gateway's three budgets, each measured in this run.
 * <ol>
 *   <li>Throughput of the store-and-forward path on one thread: encode a batch, append it to the
 *       {@link Spool}, peek it back and acknowledge it, against the same path with the batch written
 *       as JSON (what a naive gateway does) measured in the same run; the ratio is printed.</li>
 *   <li>Bytes per sample on the wire for the simulator's default signals at the gateway's default
 *       batch interval (and at longer intervals), averaged over a minute of batches, against the same
 *       batches as compact JSON.</li>
 *   <li>Resident memory of a gateway serving 1,000 sensors at 100 Hz: the {@code gateway} command in
 *       a child JVM with {@link #GATEWAY_JVM_FLAGS}, publishing to an embedded broker in this
 *       process; VmRSS from {@code /proc/<pid>/status} sampled over the run, the maximum reported.
 *       Whether it kept up is read from its {@code /metrics} during the run: near the end of the
 *       window, the samples collected but not yet acknowledged must be under one second of the
 *       load. Its spool lives in the bench's temporary directory.</li>
 * </ol>
 * Progress goes to stderr, one JSON object to stdout as the last line. Single-threaded measurement
 * loops; owns every resource it opens (temporary directories are deleted).
 */
public final class GatewayBench {

    /**
     * The JVM flags the launcher gives the {@code gateway} command (kept equal to the {@code ./werkstrom}
     * script, which a test checks): a small heap with the serial collector, C1 only, and bounded
     * metaspace, code cache and direct memory, so that an edge box's budget is a flag away.
     */
    public static final List<String> GATEWAY_JVM_FLAGS = List.of(
            "-Xmx48m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1",
            "-XX:ReservedCodeCacheSize=32m", "-XX:MaxMetaspaceSize=64m", "-XX:MaxDirectMemorySize=32m");

    static final double GOAL_SAMPLES_PER_S = 1_000_000;
    static final double GOAL_BYTES_PER_SAMPLE = 2.0;
    static final double GOAL_RSS_MB = 128;

    /** 167 machines x 6 continuous sensors = 1,002 sensors. */
    static final int LOAD_MACHINES = 167;
    static final double LOAD_RATE_HZ = 100;
    /** Samples per second of the load: 100,200. */
    static final long LOAD_SAMPLES_PER_S = (long) (LOAD_MACHINES * 6 * LOAD_RATE_HZ);
    /** The gateway's default batch interval ({@code GatewayOptions}). */
    static final Duration BATCH_INTERVAL = Duration.ofMillis(250);
    /** Wire sizes are averaged over the batches of one minute: batches of one interval differ in size. */
    static final Duration WIRE_RUN = Duration.ofSeconds(60);

    /** How long the JVM's exit waits for a stopped run: the child gateway's stop (10 s at most) and the rest. */
    static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream err;
    private final Duration phase;
    private final Duration rssDuration;
    private final SpoolOpener spoolOpener;

    GatewayBench(PrintStream err, Duration phase, Duration rssDuration) {
        this(err, phase, rssDuration, Spool::open);
    }

    GatewayBench(PrintStream err, Duration phase, Duration rssDuration, SpoolOpener spoolOpener) {
        this.err = err;
        this.phase = phase;
        this.rssDuration = rssDuration;
        this.spoolOpener = spoolOpener;
    }

    /** Opens the spool of a variant; tests substitute one that fails. */
    @FunctionalInterface
    interface SpoolOpener {
        Spool open(SpoolOptions options) throws IOException;
    }

    /** Entry point of {@code ./werkstrom bench gateway [--phase 5s] [--rss-duration 20s] [--no-rss]}. */
    public static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse("bench gateway", argv, Set.of("phase", "rss-duration"), Set.of("no-rss"));
        Duration phase = args.duration("phase", Duration.ofSeconds(5));
        Duration rss = args.duration("rss-duration", Duration.ofSeconds(20));
        if (phase.toMillis() < 100 || rss.toMillis() < 1000) {
            throw new UsageException("bench gateway: --phase must be at least 100ms and --rss-duration at least 1s");
        }
        // Ctrl-C: the run stops its child gateway and removes its broker and temporary directories first.
        try (StopSignal stop = StopSignal.install("bench-gateway", STOP_GRACE)) {
            Map<String, Object> result;
            try (StopInterrupt interrupt = StopInterrupt.of(stop::await, "bench-gateway")) {
                result = new GatewayBench(err, phase, rss).measure(!args.flag("no-rss"));
            } catch (Exception e) {
                if (!stop.stopped()) {
                    throw e;
                }
                err.println("bench gateway interrupted");
                return 130;
            }
            out.println(JSON.writeValueAsString(result));
            return 0;
        }
    }

    Map<String, Object> measure(boolean withRss) throws Exception {
        Map<String, Object> json = new LinkedHashMap<>();
        List<TelemetryBatch> batches = loadBatches();
        int samples = batches.stream().mapToInt(TelemetryBatch::size).sum();
        err.printf(Locale.ROOT, "bench gateway: %d batches of ~%d samples (%d sensors at %.0f Hz, %d ms batches)%n",
                batches.size(), samples / batches.size(), LOAD_MACHINES * 6, LOAD_RATE_HZ, BATCH_INTERVAL.toMillis());
        double spool;
        double baseline;
        double encodeOnly;
        try (BufferAllocator allocator = new RootAllocator();
             Variant encode = new Variant("encode only (compact Arrow)", new BatchCodec(allocator)::encode, null);
             Variant spooled = new Variant("encode + spool append/peek/ack (compact Arrow)", new BatchCodec(allocator)::encode,
                     "bench-spool");
             Variant naive = new Variant("JSON + spool append/peek/ack (baseline)",
                     b -> WireSizeReport.toJson(b).getBytes(StandardCharsets.UTF_8), "bench-json")) {
            // Round robin, a warm-up round first: a shared machine's noise then hits every variant alike.
            for (int round = 0; round < 2; round++) {
                for (Variant variant : List.of(encode, spooled, naive)) {
                    variant.run(batches, round == 0);
                }
            }
            spool = spooled.rate;
            baseline = naive.rate;
            encodeOnly = encode.rate;
        }
        json.put("spool_encode_samples_per_s", Math.round(spool));
        json.put("baseline_samples_per_s", Math.round(baseline));
        json.put("ratio", round(spool / baseline, 2));
        json.put("encode_only_samples_per_s", Math.round(encodeOnly));

        // The simulator's default signals (no injected faults), as ./werkstrom protocol wire-size measures them.
        SimulatorOptions defaults = SimulatorOptions.builder().faultPlan(FaultPlan.none()).build();
        WireSizeReport wire = null;
        Map<String, Object> byInterval = new LinkedHashMap<>();
        for (Duration interval : List.of(BATCH_INTERVAL, Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5))) {
            stopIfInterrupted();
            WireSizeReport r = WireSizeReport.measure(defaults, interval, (int) (WIRE_RUN.toMillis() / interval.toMillis()));
            err.println("wire, default signals, " + interval.toMillis() + " ms batches over " + WIRE_RUN.toSeconds() + " s: "
                    + r.describe());
            byInterval.put(interval.toMillis() + "ms", round(r.arrowBytesPerSample(), 2));
            if (wire == null) {
                wire = r;
            }
        }
        json.put("bytes_per_sample", round(wire.arrowBytesPerSample(), 2));
        json.put("json_bytes_per_sample", round(wire.jsonBytesPerSample(), 2));
        json.put("bytes_per_sample_by_batch_interval", byInterval);

        Double rssMb = withRss ? gatewayRssMb(json) : null;
        json.put("gateway_rss_mb", rssMb == null ? null : round(rssMb, 1));
        json.put("gateway_jvm_flags", String.join(" ", GATEWAY_JVM_FLAGS));

        Map<String, Object> goals = new LinkedHashMap<>();
        goals.put("samples_per_s_at_least_1M", spool >= GOAL_SAMPLES_PER_S);
        goals.put("bytes_per_sample_at_most_2", wire.arrowBytesPerSample() <= GOAL_BYTES_PER_SAMPLE);
        goals.put("gateway_rss_under_128mb", rssMb == null ? null : rssMb < GOAL_RSS_MB);
        goals.put("gateway_kept_up", json.get("gateway_kept_up"));
        json.remove("gateway_kept_up");
        json.put("goals_met", goals);
        return json;
    }

    /** Ten seconds of the 1,000-sensor load, cut into gateway batches. Simulating is not timed. */
    private static List<TelemetryBatch> loadBatches() {
        SimulatorOptions options = SimulatorOptions.builder().machines(LOAD_MACHINES).samplesPerSecondPerSensor(LOAD_RATE_HZ)
                .faultPlan(FaultPlan.none()).start(Instant.parse("2026-01-05T08:00:00Z")).build();
        FactorySimulator simulator = new FactorySimulator(options);
        long from = simulator.tickMicros(0);
        long step = BATCH_INTERVAL.toNanos() / 1_000;
        List<TelemetryBatch> batches = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            TelemetryBatch.Builder builder = TelemetryBatch.builder("gw-bench", i);
            simulator.next(from + i * step - 1, builder);
            batches.add(builder.build());
        }
        return batches;
    }

    /** An encoder of one batch into its wire bytes. */
    private interface Encoder {
        byte[] encode(TelemetryBatch batch);
    }

    /**
     * One way of handling a batch: encode it, and with a spool append it, peek it back and
     * acknowledge it, as the gateway's publisher does once the broker confirms. Owns its spool and
     * its directory, a temporary one named after {@code spoolPrefix}, which goes with it when the
     * spool does not open.
     */
    private final class Variant implements AutoCloseable {
        private final String name;
        private final Encoder encoder;
        private final Path spoolDir;
        private final Spool spool;
        private long sequence;
        double rate;

        Variant(String name, Encoder encoder, String spoolPrefix) throws IOException {
            this.name = name;
            this.encoder = encoder;
            this.spoolDir = spoolPrefix == null ? null : Files.createTempDirectory(spoolPrefix);
            this.spool = spoolDir == null ? null : openSpool(spoolDir);
        }

        private Spool openSpool(Path directory) throws IOException {
            try {
                // Large enough never to drop; fsync on the spool's default interval.
                return spoolOpener.open(SpoolOptions.builder().directory(directory).maxBytes(1L << 30)
                        .segmentBytes(64 << 20).build());
            } catch (IOException | RuntimeException e) {
                try {
                    deleteTree(directory);
                } catch (IOException deleting) {
                    e.addSuppressed(deleting);
                }
                throw e;
            }
        }

        /** One phase on this thread; sets {@link #rate} in samples per second. */
        void run(List<TelemetryBatch> batches, boolean warmUp) throws IOException, InterruptedException {
            long samples = 0;
            long bytes = 0;
            long start = System.nanoTime();
            long end = start + phase.toNanos();
            long now = start;
            while (now < end) {
                stopIfInterrupted();
                for (TelemetryBatch batch : batches) {
                    sequence++;
                    TelemetryBatch numbered = new TelemetryBatch(batch.gateway(), sequence, batch.timestampsMicros(),
                            batch.machines(), batch.sensors(), batch.values(), batch.qualities());
                    byte[] payload = encoder.encode(numbered);
                    bytes += payload.length;
                    if (spool != null) {
                        long first = Long.MAX_VALUE;
                        long last = Long.MIN_VALUE;
                        for (long t : numbered.timestampsMicros()) {
                            first = Math.min(first, t);
                            last = Math.max(last, t);
                        }
                        // the gateway's own record format: a kind byte, then the batch
                        spool.append(sequence, numbered.size(), first, last,
                                SpoolRecord.wrap(SpoolRecord.TELEMETRY, payload));
                        List<SpooledBatch> peeked = spool.peek(1);
                        if (peeked.isEmpty() || !spool.acknowledge(peeked.get(0).sequence())) {
                            throw new IllegalStateException("the spool lost batch " + sequence);
                        }
                    }
                    samples += numbered.size();
                }
                now = System.nanoTime();
            }
            rate = samples / ((now - start) / 1e9);
            err.printf(Locale.ROOT, "  %s%s: %,.0f samples/s, %.2f bytes/sample%n", name, warmUp ? " (warm-up)" : "",
                    rate, (double) bytes / samples);
        }

        @Override
        public void close() throws IOException {
            try {
                if (spool != null) {
                    spool.close();
                }
            } finally {
                if (spoolDir != null) {
                    deleteTree(spoolDir);
                }
            }
        }
    }

    /** A stop signal interrupts the measuring thread ({@link StopInterrupt}); its loops end here. */
    private static void stopIfInterrupted() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("bench gateway stopped");
        }
    }

    /** The peak resident memory of a gateway child process serving the 1,000-sensor load, in MiB. */
    private Double gatewayRssMb(Map<String, Object> json) throws Exception {
        Path work = Files.createTempDirectory("bench-broker");
        Path log = work.resolve("gateway.log");
        try (EmbeddedBroker broker = EmbeddedBroker.start(work.resolve("broker"), 0)) {
            int httpPort = FreePorts.freePort();
            List<String> command = gatewayCommand(broker.uri(), work, httpPort, rssDuration);
            err.println("gateway RSS: starting a child JVM (" + String.join(" ", GATEWAY_JVM_FLAGS) + ") serving "
                    + LOAD_MACHINES * 6 + " sensors at " + (int) LOAD_RATE_HZ + " Hz against " + broker.uri());
            Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                long maxKb = 0;
                // The child runs for rssDuration after its start-up, then drains and reports.
                long deadline = System.nanoTime() + rssDuration.toNanos() + TimeUnit.SECONDS.toNanos(60);
                long windowStart = -1;
                long nextScrape = 0;
                long[] inWindow = null; // collected, published at the last scrape inside the window
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
                while (child.isAlive() && System.nanoTime() < deadline) {
                    maxKb = Math.max(maxKb, rssKb(child.pid()));
                    long now = System.nanoTime();
                    if (windowStart < 0 && Files.readString(log).contains("publishing to")) {
                        windowStart = now;
                    }
                    // Scrapes stop a second before the child's own duration ends, so none sees its drain.
                    if (windowStart >= 0 && now >= nextScrape
                            && now < windowStart + rssDuration.toNanos() - TimeUnit.SECONDS.toNanos(1)) {
                        long[] scraped = scrape(http, httpPort);
                        if (scraped != null) {
                            inWindow = scraped;
                        }
                        nextScrape = now + TimeUnit.SECONDS.toNanos(1);
                    }
                    Thread.sleep(100);
                }
                if (child.isAlive()) {
                    throw new IllegalStateException("the gateway did not finish within " + seconds(rssDuration) + " s + 60 s: "
                            + tail(log));
                }
                String last = lastLine(log);
                if (child.exitValue() != 0 || !last.startsWith("{")) {
                    throw new IllegalStateException("the gateway exited with code " + child.exitValue() + ": " + tail(log));
                }
                long acknowledged = JSON.readTree(last).path("samples_acknowledged").asLong();
                long generated = JSON.readTree(last).path("samples_generated").asLong();
                double mb = maxKb / 1024.0;
                long expected = expectedSamples(rssDuration);
                err.printf(Locale.ROOT, "gateway RSS: max %.1f MiB over %s s; it generated %,d samples (the load is %,d),"
                        + " all acknowledged after its drain: %,d%n", mb, seconds(rssDuration), generated, expected,
                        acknowledged);
                json.put("gateway_samples_expected", expected);
                json.put("gateway_samples_generated", generated);
                json.put("gateway_samples_acknowledged", acknowledged);
                if (inWindow == null) {
                    err.println("gateway RSS: its /metrics could not be read during the run; whether it kept up is unknown");
                    json.put("gateway_backlog_samples", null);
                    json.put("gateway_kept_up", null);
                } else {
                    long backlog = inWindow[0] - inWindow[1];
                    err.printf(Locale.ROOT, "gateway RSS: near the end of the run it had collected %,d samples and the broker"
                            + " had acknowledged %,d: %,d behind (kept up: under %,d, one second of the load)%n",
                            inWindow[0], inWindow[1], backlog, LOAD_SAMPLES_PER_S);
                    json.put("gateway_backlog_samples", backlog);
                    json.put("gateway_kept_up", keptUp(inWindow[0], inWindow[1]));
                }
                return mb;
            } finally {
                stop(child);
            }
        } finally {
            deleteTree(work);
        }
    }

    /**
     * Stops the child gateway and waits until it is gone, before its folder is deleted and before the
     * command returns; also when a stop signal interrupted the measurement, whose reads of the child's
     * log and memory can leave the interrupt status set.
     */
    static void stop(Process child) {
        if (child.isAlive()) {
            child.destroy();
            Uninterruptibly.await(() -> {
                if (!child.waitFor(10, TimeUnit.SECONDS)) {
                    child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            });
        }
    }

    /**
     * The {@code gateway} child of the memory measurement: the launcher's flags, the load, its spool
     * under {@code work} (deleted with it) and its metrics on loopback {@code httpPort}.
     */
    static List<String> gatewayCommand(String brokerUri, Path work, int httpPort, Duration duration) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(GATEWAY_JVM_FLAGS);
        command.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.werkstrom.app.Werkstrom");
        command.addAll(List.of("gateway", "--broker", brokerUri, "--tenant", "bench", "--gateway", "gw-rss",
                "--machines", Integer.toString(LOAD_MACHINES), "--rate", Double.toString(LOAD_RATE_HZ),
                "--spool-dir", work.resolve("spool").toString(),
                "--http-port", Integer.toString(httpPort), "--http-host", "127.0.0.1",
                "--duration", duration.toMillis() + "ms", "--no-faults")); // exact: a duration is whole milliseconds
        return command;
    }

    /** The samples the load generates in {@code duration}, whole milliseconds counted. */
    static long expectedSamples(Duration duration) {
        return LOAD_SAMPLES_PER_S * duration.toMillis() / 1_000;
    }

    /** A duration of whole milliseconds in seconds, as few decimals as it needs: {@code 20}, {@code 1.5}. */
    private static String seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toMillis(), 3).stripTrailingZeros().toPlainString();
    }

    /** Kept up: what it had collected but the broker had not yet acknowledged is under one second of the load. */
    static boolean keptUp(long collected, long acknowledged) {
        return collected > 0 && collected - acknowledged < LOAD_SAMPLES_PER_S;
    }

    /** Samples collected and acknowledged from the gateway's {@code /metrics}; null when it did not answer. */
    private static long[] scrape(HttpClient http, int port) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            long collected = metric(response.body(), "werkstrom_gateway_samples_collected_total");
            long published = metric(response.body(), "werkstrom_gateway_samples_published_total");
            return response.statusCode() == 200 && collected >= 0 && published >= 0 ? new long[] {collected, published} : null;
        } catch (IOException e) {
            return null; // not listening yet, or busy: the next scrape counts
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The value of the series {@code name} in Prometheus text; -1 when absent. */
    static long metric(String text, String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                String value = line.substring(line.lastIndexOf(' ') + 1).trim();
                try {
                    return Long.parseLong(value);
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    private static String lastLine(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (!lines.get(i).isBlank()) {
                return lines.get(i).trim();
            }
        }
        return "";
    }

    /** VmRSS of a process in KiB; 0 when the process is gone. */
    static long rssKb(long pid) throws IOException {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        List<String> lines;
        try {
            lines = Files.readAllLines(status);
        } catch (java.nio.file.NoSuchFileException e) {
            return 0;
        }
        for (String line : lines) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
            }
        }
        return 0;
    }

    private static String tail(Path log) {
        try {
            String text = Files.readString(log);
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static double round(double value, int digits) {
        double p = Math.pow(10, digits);
        return Math.round(value * p) / p;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
