package io.werkstrom.app.gateway;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.app.cli.StopSignal;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.gateway.Gateway;
import io.werkstrom.gateway.GatewayOptions;
import io.werkstrom.gateway.GatewayStats;
import io.werkstrom.gateway.collect.Collector;
import io.werkstrom.gateway.collect.SimulatorCollector;
import io.werkstrom.gateway.collect.StartRefusedException;
import io.werkstrom.gateway.config.ConfigException;
import io.werkstrom.gateway.config.GatewayConfig;

/**
 * {@code ./werkstrom gateway --config FILE [--duration D]}: one gateway as its YAML file describes
 * it. Runs until stopped, for {@code --duration}, or until a replayed data set is used up; prints
 * the counters as JSON. Batches go through the configured disk spool; the metrics section opens
 * the Prometheus {@code /metrics} and {@code /health} endpoint.
 */
public final class ConfiguredGateway {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfiguredGateway() {
    }

    public static int run(Path file, Duration duration, PrintStream out, PrintStream err) throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new UsageException("gateway: --config " + file + ": file not found");
        }
        GatewayConfig config;
        GatewayOptions options;
        try {
            config = GatewayConfig.load(file, System.getenv());
            options = GatewayOptions.builder().publisher(config.publisherOptions())
                    .batchInterval(config.batchInterval())
                    .spoolDirectory(config.spool().directory())
                    .spoolMaxBytes(config.spool().maxBytes())
                    .spoolSegmentBytes(config.spool().segmentBytes())
                    .fsyncPolicy(config.spool().fsyncPolicy())
                    .httpPort(config.metricsPort().orElse(0))
                    .httpHost(config.metricsHost().orElse(null))
                    .build();
        } catch (ConfigException e) {
            throw new UsageException("gateway: " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UsageException("gateway: " + file + ": " + e.getMessage());
        } catch (IOException e) {
            throw new UsageException("gateway: cannot read " + file + ": " + e.getMessage());
        }
        Collector collector = config.createCollector().orElseGet(() -> new SimulatorCollector(
                ((GatewayConfig.Simulator) config.collector()).options()));
        // The drain, then the report, before the JVM exits on Ctrl-C.
        Duration grace = stopGrace(options.drainTimeout());
        try (StopSignal stop = StopSignal.install("gateway", grace); Gateway gateway = new Gateway(options, collector)) {
            start(gateway);
            err.println("gateway " + config.address() + " publishing to " + config.mqtt().uri()
                    + (duration == null ? " until stopped (Ctrl-C)" : " for " + duration.toSeconds() + "s"));
            long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
            while (!stop.await(Duration.ofMillis(200)) && System.nanoTime() < deadline) {
                if (gateway.failure().isPresent()) {
                    break;
                }
                if (gateway.collectorFinished()) {
                    err.println("gateway " + config.address() + ": " + collector.describe() + " is used up");
                    break;
                }
            }
            GatewayStats stats = gateway.stop();
            throwFailure(gateway);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("collector", collector.describe());
            json.put("samples_generated", stats.samplesCollected());
            json.put("samples_acknowledged", stats.samplesAcknowledged());
            json.put("batches_acknowledged", stats.batchesAcknowledged());
            json.put("batches_pending", stats.spoolRecords());
            json.put("dropped_batches", stats.droppedBatches());
            // Collected but never written to the spool (a spool that refused them until the stop): lost.
            json.put("samples_not_spooled", gateway.samplesNotSpooled());
            out.println(JSON.writeValueAsString(json));
            out.flush();
            return stats.allAcknowledged() ? 0 : 1;
        }
    }

    /**
     * Starts {@code gateway}. A start its collector refuses for its settings (a start time whose
     * samples the cloud would refuse, see {@link StartRefusedException}) is the user's to change,
     * and so a usage error (exit code 2) as a bad option is.
     */
    public static void start(Gateway gateway) throws Exception {
        try {
            gateway.start();
        } catch (StartRefusedException e) {
            throw new UsageException("gateway: " + e.getMessage());
        }
    }

    /**
     * How long a stopped gateway command (SIGTERM, Ctrl-C) holds the JVM to drain its spool for up to
     * {@code drainTimeout}, release what it owns (its clean {@code offline} status with the last
     * sequence included) and print its report. Whatever stops the process must allow at least this
     * long before it kills it (a container's stop grace period).
     */
    public static Duration stopGrace(Duration drainTimeout) {
        return drainTimeout.plusSeconds(15);
    }

    /**
     * Ends the command when an Error stopped the gateway (call after {@link Gateway#stop()}): an
     * {@link OutOfMemoryError} as itself, which the launcher reports as "ran out of memory" with the
     * option to give it more; any other Error as the failure of the command.
     */
    public static void throwFailure(Gateway gateway) {
        java.util.Optional<Error> failure = gateway.failure();
        if (failure.isEmpty()) {
            return;
        }
        if (failure.get() instanceof OutOfMemoryError oom) {
            throw oom;
        }
        throw new IllegalStateException("the gateway stopped: " + failure.get(), failure.get());
    }
}
