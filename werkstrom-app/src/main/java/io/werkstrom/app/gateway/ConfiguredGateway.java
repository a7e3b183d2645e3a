package io.werkstrom.app.gateway;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.app.cli.UsageException;
import io.werkstrom.gateway.GatewayOptions;
import io.werkstrom.gateway.GatewayStats;
import io.werkstrom.gateway.SimulatedGateway;
import io.werkstrom.gateway.collect.Collector;
import io.werkstrom.gateway.config.ConfigException;
import io.werkstrom.gateway.config.GatewayConfig;

/**
 * {@code ./werkstrom gateway --config FILE [--duration D]}: one gateway as its YAML file describes
 * it. Runs until stopped, for {@code --duration}, or until a replayed data set is used up; prints
 * the counters as JSON. The spool and metrics sections are validated; this gateway keeps its
 * unacknowledged batches in memory.
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
            GatewayOptions.Builder b = GatewayOptions.builder().publisher(config.publisherOptions())
                    .batchInterval(config.batchInterval());
            if (config.collector() instanceof GatewayConfig.Simulator sim) {
                b.simulator(sim.options());
            }
            options = b.build();
        } catch (ConfigException e) {
            throw new UsageException("gateway: " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UsageException("gateway: " + file + ": " + e.getMessage());
        } catch (IOException e) {
            throw new UsageException("gateway: cannot read " + file + ": " + e.getMessage());
        }
        Collector collector = config.createCollector().orElse(null);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "gateway-shutdown"));
        try (SimulatedGateway gateway = new SimulatedGateway(options, collector)) {
            gateway.start();
            err.println("gateway " + config.address() + " publishing to " + config.mqtt().uri()
                    + (duration == null ? " until stopped (Ctrl-C)" : " for " + duration.toSeconds() + "s"));
            long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
            while (!stop.await(200, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
                if (collector != null && collector.finished()) {
                    err.println("gateway " + config.address() + ": " + collector.describe() + " is used up");
                    break;
                }
            }
            GatewayStats stats = gateway.stop();
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("collector", collector == null ? "simulator" : collector.describe());
            json.put("samples_generated", stats.samplesGenerated());
            json.put("samples_acknowledged", stats.samplesAcknowledged());
            json.put("batches_acknowledged", stats.batchesAcknowledged());
            json.put("batches_pending", stats.batchesPending());
            out.println(JSON.writeValueAsString(json));
            return stats.allAcknowledged() ? 0 : 1;
        }
    }
}
