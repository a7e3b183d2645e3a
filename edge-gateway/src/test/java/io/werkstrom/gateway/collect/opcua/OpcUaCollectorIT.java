package io.werkstrom.gateway.collect.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.junit.jupiter.api.Test;

import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

/** The OPC UA collector against a real Milo server on loopback. */
class OpcUaCollectorIT {

    /** Fast sampling of the test server's temp variable as machine m-1's temperature. */
    private static OpcUaOptions.Builder oneTemperature(String endpoint) {
        return OpcUaOptions.builder().endpoint(endpoint)
                .samplingInterval(Duration.ofMillis(20)).publishingInterval(Duration.ofMillis(50))
                .variables(List.of(new MonitoredVariable(TestOpcUaServer.nodeId("temp"), "m-1", "temperature")));
    }

    private static final Duration WAIT = Duration.ofSeconds(20);

    private record Got(long micros, String machine, String sensor, double value, Quality quality) {
    }

    /** Collects from {@code collector} (as the gateway would, every 50 ms) until {@code done} holds; returns all collected. */
    private static boolean collectUntil(OpcUaCollector collector, List<Got> got, Predicate<List<Got>> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            TelemetryBatch.Builder out = TelemetryBatch.builder("gw", 0);
            int n = collector.collect(BatchValidator.micros(Instant.now()), out);
            assertEquals(out.size(), n);
            TelemetryBatch b = out.build();
            for (int i = 0; i < b.size(); i++) {
                got.add(new Got(b.timestampsMicros()[i], b.machines()[i], b.sensors()[i], b.values()[i], b.quality(i)));
            }
            if (done.test(got)) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static List<Got> of(List<Got> got, String sensor) {
        return got.stream().filter(g -> g.sensor().equals(sensor)).toList();
    }

    @Test
    void valuesArriveWithTheQualityOfTheirStatusAndTheDeadbandHoldsBackSmallChanges() throws Exception {
        try (TestOpcUaServer server = TestOpcUaServer.start("temp", "pressure", "flow")) {
            OpcUaOptions options = OpcUaOptions.builder().endpoint(server.endpoint())
                    .samplingInterval(Duration.ofMillis(20)).publishingInterval(Duration.ofMillis(50))
                    .variables(List.of(
                            new MonitoredVariable(TestOpcUaServer.nodeId("temp"), "press-1", "temperature"),
                            new MonitoredVariable(TestOpcUaServer.nodeId("pressure"), "press-1", "pressure", Deadband.absolute(0.5)),
                            new MonitoredVariable(TestOpcUaServer.nodeId("flow"), "press-1", "flow"),
                            new MonitoredVariable(TestOpcUaServer.nodeId("absent"), "press-1", "ghost")))
                    .build();
            List<Got> got = new ArrayList<>();
            try (OpcUaCollector collector = new OpcUaCollector(options)) {
                assertEquals(server.endpoint() + " (4 items)", collector.describe());
                collector.start(Long.MIN_VALUE);
                assertTrue(collectUntil(collector, got, g -> of(g, "pressure").size() >= 1 && of(g, "flow").size() >= 1),
                        "initial values: " + got);
                assertEquals(1, collector.refusedVariables(), "the unknown node is refused, the others are monitored");
                server.set("pressure", 10.0);
                assertTrue(collectUntil(collector, got, g -> of(g, "pressure").stream().anyMatch(x -> x.value() == 10.0)),
                        "pressure 10.0: " + got);
                for (double p : new double[] {10.2, 10.4, 11.0}) {
                    server.set("pressure", p);
                    Thread.sleep(150); // several sampling intervals, so that each value is sampled
                }
                server.set("temp", 20.5);
                server.set("flow", 3.0, new StatusCode(StatusCodes.Uncertain_LastUsableValue));
                assertTrue(collectUntil(collector, got, g -> of(g, "flow").stream().anyMatch(x -> x.value() == 3.0)),
                        "flow 3.0: " + got);
                server.set("flow", 4.0, new StatusCode(StatusCodes.Bad_SensorFailure));
                assertTrue(collectUntil(collector, got, g -> of(g, "flow").stream().anyMatch(x -> x.quality() == Quality.BAD)
                        && of(g, "pressure").stream().anyMatch(x -> x.value() == 11.0)
                        && of(g, "temperature").stream().anyMatch(x -> x.value() == 20.5)), "values: " + got);
            }
            // A restarted gateway resumes after the last spooled sample: the current values it already has are not collected again.
            long lastSpooled = got.stream().filter(x -> x.quality() == Quality.GOOD).mapToLong(Got::micros).max().orElseThrow();
            List<Got> resumed = new ArrayList<>();
            try (OpcUaCollector collector = new OpcUaCollector(options)) {
                collector.start(lastSpooled);
                // The subscription's initial values first: set before they arrive, 21.5 would be the
                // initial value of the temperature itself, and nothing of it would be skipped.
                assertTrue(collectUntil(collector, resumed, g -> collector.skippedBeforeResume() >= 2),
                        "temperature and pressure were already spooled; skipped " + collector.skippedBeforeResume());
                server.set("temp", 21.5);
                assertTrue(collectUntil(collector, resumed, g -> of(g, "temperature").stream().anyMatch(x -> x.value() == 21.5)),
                        "values after resuming: " + resumed);
            }
            assertTrue(resumed.stream().allMatch(x -> x.micros() > lastSpooled), "nothing at or before the resume point: " + resumed);
            assertEquals(List.of(21.5), of(resumed, "temperature").stream().map(Got::value).toList());

            List<Got> ghost = of(got, "ghost");
            assertEquals(1, ghost.size());
            assertEquals(Quality.BAD, ghost.get(0).quality());
            assertTrue(Double.isNaN(ghost.get(0).value()));

            List<Double> pressures = of(got, "pressure").stream().map(Got::value).toList();
            assertEquals(List.of(0.0, 10.0, 11.0), pressures, "changes within the 0.5 deadband are not reported");

            List<Got> flow = of(got, "flow");
            assertTrue(flow.stream().anyMatch(x -> x.value() == 3.0 && x.quality() == Quality.UNCERTAIN), flow.toString());
            assertTrue(flow.stream().anyMatch(x -> x.quality() == Quality.BAD), flow.toString());
            assertTrue(got.stream().allMatch(x -> x.machine().equals("press-1")));
            assertTrue(of(got, "temperature").stream().anyMatch(x -> x.value() == 20.5 && x.quality() == Quality.GOOD));
        }
    }

    @Test
    void afterTheServerRestartsTheSubscriptionIsRestoredAndValuesFlowAgain() throws Exception {
        ScheduledExecutorService plc = Executors.newSingleThreadScheduledExecutor();
        try (TestOpcUaServer server = TestOpcUaServer.start("counter")) {
            AtomicLong counter = new AtomicLong();
            plc.scheduleAtFixedRate(() -> server.set("counter", (double) counter.incrementAndGet()), 0, 100,
                    TimeUnit.MILLISECONDS);
            OpcUaOptions options = OpcUaOptions.builder().endpoint(server.endpoint())
                    .samplingInterval(Duration.ofMillis(50)).publishingInterval(Duration.ofMillis(100))
                    .variables(List.of(new MonitoredVariable(TestOpcUaServer.nodeId("counter"), "m-1", "count")))
                    .build();
            List<Got> got = new ArrayList<>();
            try (OpcUaCollector collector = new OpcUaCollector(options)) {
                collector.start(Long.MIN_VALUE);
                assertTrue(collectUntil(collector, got, g -> g.size() >= 5), "values before the outage: " + got);
                long stoppedAt = BatchValidator.micros(Instant.now());
                server.stop();
                Thread.sleep(2_000);
                server.restart();
                long restartedAt = BatchValidator.micros(Instant.now());
                long outage = restartedAt - stoppedAt;
                assertTrue(collectUntil(collector, got, g -> g.stream().filter(x -> x.quality() == Quality.GOOD
                        && x.micros() > restartedAt).count() >= 5), "values after the restart: " + got);
                assertEquals(2, collector.subscriptionsCreated(), "the subscription was created again");
                assertTrue(collector.isConnected());

                List<Got> good = got.stream().filter(x -> x.quality() == Quality.GOOD).toList();
                long lastBefore = good.stream().filter(x -> x.micros() <= stoppedAt).mapToLong(Got::micros).max().orElseThrow();
                long firstAfter = good.stream().filter(x -> x.micros() > stoppedAt).mapToLong(Got::micros).min().orElseThrow();
                long gap = firstAfter - lastBefore;
                // Milo retries the connection after 1 s, then 2 s, 4 s, ...: its delays so far add up to one second less
                // than the next, so its first retry after the restart comes within the outage plus 1 s. Allow that
                // retry, and 4 s for the session and the subscription.
                assertTrue(gap <= 2 * outage + 5_000_000L, "gap of " + gap / 1000 + " ms for an outage of " + outage / 1000
                        + " ms");
                assertTrue(got.stream().anyMatch(x -> x.quality() == Quality.BAD && x.micros() >= lastBefore
                        && x.micros() <= firstAfter), "the lost session is marked with a bad sample: " + got);
                for (int i = 1; i < good.size(); i++) {
                    assertTrue(good.get(i).value() >= good.get(i - 1).value(), "values in order: " + good);
                }
                assertFalse(got.stream().anyMatch(x -> x.quality() == Quality.UNCERTAIN));
            }
        } finally {
            plc.shutdownNow();
        }
    }

    @Test
    void variablesWhoseNamespaceTheServerLacksAreRefusedOnceWithoutASubscriptionLeftForNothing() throws Exception {
        try (TestOpcUaServer server = TestOpcUaServer.start("temp")) {
            // A typo in the namespace URI: the node id resolves to nothing on this server.
            OpcUaOptions options = OpcUaOptions.builder().endpoint(server.endpoint())
                    .connectRetryDelay(Duration.ofMillis(20))
                    .variables(List.of(new MonitoredVariable("nsu=urn:io.werkstrom:test:plx;s=temp", "m-1", "temperature")))
                    .build();
            List<Got> got = new ArrayList<>();
            try (OpcUaCollector collector = new OpcUaCollector(options)) {
                collector.start(Long.MIN_VALUE); // returns once the first attempt connected and subscribed
                assertTrue(collector.isConnected());
                Thread.sleep(500); // 25 retry delays: time enough for a retry loop to show
                collectUntil(collector, got, g -> true);
                assertEquals(1, collector.refusedVariables(), "refused once, not once per retry");
                assertEquals(0, server.subscriptionCount(), "no subscription without a monitored item");
                assertEquals(Optional.of(collector.describe() + ": none of the 1 variables can be monitored (their node ids"
                        + " do not resolve on this server; the log names each)"), collector.problem());
            }
            assertEquals(1, got.size(), "one bad sample marks the refused variable: " + got);
            assertEquals(Quality.BAD, got.get(0).quality());
        }
    }

    @Test
    void variablesNoneOfWhichCouldBeMonitoredAreTriedAgainInTheNextSessionOnce() throws Exception {
        try (TestOpcUaServer server = TestOpcUaServer.start("temp");
                CuttableProxy link = new CuttableProxy(server.port())) {
            OpcUaOptions options = OpcUaOptions.builder().endpoint("opc.tcp://127.0.0.1:" + link.port() + "/plc")
                    .connectRetryDelay(Duration.ofMillis(20))
                    .variables(List.of(new MonitoredVariable("nsu=urn:io.werkstrom:test:plx;s=temp", "m-1", "temperature")))
                    .build();
            try (OpcUaCollector collector = new OpcUaCollector(options)) {
                collector.start(Long.MIN_VALUE);
                assertEquals(1, collector.refusedVariables());
                // A new session reads the server's namespaces anew (a PLC may have loaded the one named meanwhile).
                link.cut();
                List<Got> got = new ArrayList<>();
                assertTrue(collectUntil(collector, got, g -> collector.refusedVariables() == 2),
                        "tried again in the new session: refused " + collector.refusedVariables());
                Thread.sleep(300);
                assertEquals(2, collector.refusedVariables(), "once per session");
                assertEquals(0, server.subscriptionCount());
                assertTrue(collector.isConnected());
            }
        }
    }

    @Test
    void aServerThatRenumbersItsNamespacesWhenItRestartsIsSubscribedByItsNewNumbers() throws Exception {
        try (TestOpcUaServer server = TestOpcUaServer.start("temp")) {
            OpcUaOptions options = oneTemperature(server.endpoint()).build();
            List<Got> got = new ArrayList<>();
            try (OpcUaCollector collector = new OpcUaCollector(options)) {
                collector.start(Long.MIN_VALUE);
                assertTrue(collectUntil(collector, got, g -> !g.isEmpty()), "the current value: " + got);
                server.restartRenumberingNamespaces();
                server.set("temp", 7.5);
                assertTrue(collectUntil(collector, got, g -> g.stream().anyMatch(x -> x.value() == 7.5)),
                        "the value after the restart: " + got);
                assertEquals(2, collector.subscriptionsCreated());
                assertEquals(0, collector.refusedVariables(), "the node resolved by the new session's namespaces");
            }
        }
    }

    @Test
    void monitoredItemsCreatedTooLateForTheRequestLeaveNoSubscriptionBehindOnTheServer() throws Exception {
        try (TestOpcUaServer server = TestOpcUaServer.start("temp")) {
            OpcUaOptions options = oneTemperature(server.endpoint())
                    .requestTimeout(Duration.ofMillis(300)).connectRetryDelay(Duration.ofMillis(20))
                    .build();
            // A loaded PLC creates the items but answers after the request timed out.
            server.answerNextItemCreationAfter(800);
            List<Got> got = new ArrayList<>();
            try (OpcUaCollector collector = new OpcUaCollector(options)) {
                collector.start(Long.MIN_VALUE);
                assertTrue(collectUntil(collector, got, g -> !g.isEmpty()), "values once the retry subscribed");
                assertEquals(1, collector.subscriptionsCreated());
                // The late answer comes 800 ms after the request; then its subscription is deleted.
                long deadline = System.nanoTime() + WAIT.toNanos();
                while ((server.subscriptionCount() != 1 || server.monitoredItemCount() != 1)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertEquals(1, server.subscriptionCount(), "the subscription whose items came too late is deleted");
                assertEquals(1, server.monitoredItemCount(), "and its items with it");
            }
        }
    }

    @Test
    void aSubscriptionRestoredAfterAConnectionDropStartsWithTheCurrentValueAfterTheGapNotAgainBehindIt() throws Exception {
        try (TestOpcUaServer server = TestOpcUaServer.start("temp");
                CuttableProxy link = new CuttableProxy(server.port())) {
            server.set("temp", 20.0); // and unchanged from then on, as a set point or a machine state
            OpcUaOptions options = oneTemperature("opc.tcp://127.0.0.1:" + link.port() + "/plc").build();
            List<Got> got = new ArrayList<>();
            try (OpcUaCollector collector = new OpcUaCollector(options)) {
                collector.start(Long.MIN_VALUE);
                assertTrue(collectUntil(collector, got, g -> !g.isEmpty()), "the current value: " + got);
                // The server keeps running. Whether Milo carries the subscription over to its new session or (as
                // here: this server carries no anonymous session's subscription over) creates it anew, the server
                // starts it with the current value, stamped with its last change.
                link.cut();
                assertTrue(collectUntil(collector, got, g -> {
                    int bad = g.stream().map(Got::quality).toList().indexOf(Quality.BAD);
                    return bad >= 0 && g.subList(bad, g.size()).stream().anyMatch(x -> x.quality() == Quality.GOOD);
                }), "the lost session's bad sample, then the value: " + got);
            }
            assertEquals(got.size(), got.stream().map(Got::micros).distinct().count(), "no sample twice: " + got);
            Got latest = got.stream().max(java.util.Comparator.comparingLong(Got::micros)).orElseThrow();
            assertEquals(Quality.GOOD, latest.quality(), "the series ends on the value, not on the gap: " + got);
            assertEquals(20.0, latest.value(), 0.0);
        }
    }
}
