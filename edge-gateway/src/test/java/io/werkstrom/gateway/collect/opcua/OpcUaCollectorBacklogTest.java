package io.werkstrom.gateway.collect.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;

import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.junit.jupiter.api.Test;

import io.werkstrom.testing.CapturedLog;

/** A server keeps sending while the gateway does not collect (its spool refuses batches): the backlog is bounded. */
class OpcUaCollectorBacklogTest {

    @Test
    void samplesBeyondTheBoundDropTheOldestCountedAndTheRestAreCollected() throws Exception {
        MonitoredVariable variable = new MonitoredVariable("ns=2;s=a", "m-1", "temperature");
        OpcUaOptions options = OpcUaOptions.builder().endpoint("opc.tcp://127.0.0.1:1").variables(List.of(variable))
                .build();
        try (OpcUaCollector collector = new OpcUaCollector(options)) {
            int extra = 1_000;
            for (int i = 0; i < OpcUaCollector.MAX_UNCOLLECTED + extra; i++) {
                collector.offer(1_000_000L + i, variable, i, Quality.GOOD);
            }
            assertEquals(extra, collector.droppedUncollected());

            TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", 1);
            assertEquals(OpcUaCollector.MAX_UNCOLLECTED, collector.collect(Long.MAX_VALUE, batch));
            TelemetryBatch collected = batch.build();
            assertEquals(extra, collected.values()[0], 0.0, "the oldest went");
            assertEquals(OpcUaCollector.MAX_UNCOLLECTED + extra - 1, collected.values()[collected.size() - 1], 0.0);
        }
    }

    @Test
    void samplesStampedAheadOfTheGatewaysClockCountInTheBoundWhileTheyWaitForTheirBatch() throws Exception {
        MonitoredVariable variable = new MonitoredVariable("ns=2;s=a", "m-1", "temperature");
        OpcUaOptions options = OpcUaOptions.builder().endpoint("opc.tcp://127.0.0.1:1").variables(List.of(variable))
                .build();
        try (OpcUaCollector collector = new OpcUaCollector(options)) {
            // A server whose clock runs ahead of ours: every value waits for a batch that begins later.
            long until = 1_000_000L;
            long stamp = 2_000_000L;
            int extra = 1_000;
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < (OpcUaCollector.MAX_UNCOLLECTED + extra) / 3; i++) {
                    collector.offer(stamp, variable, stamp, Quality.GOOD);
                    stamp++;
                }
                assertEquals(0, collector.collect(until++, TelemetryBatch.builder("gw-1", 1)));
            }
            int offered = (int) (stamp - 2_000_000L);
            assertEquals(offered - OpcUaCollector.MAX_UNCOLLECTED, collector.droppedUncollected());

            TelemetryBatch.Builder batch = TelemetryBatch.builder("gw-1", 1);
            assertEquals(OpcUaCollector.MAX_UNCOLLECTED, collector.collect(Long.MAX_VALUE, batch));
            TelemetryBatch collected = batch.build();
            assertEquals(stamp - OpcUaCollector.MAX_UNCOLLECTED, collected.values()[0], 0.0, "the oldest went");
            assertEquals(stamp - 1, collected.values()[collected.size() - 1], 0.0);
        }
    }

    @Test
    void callsForOneUntilTakeOnlyTheValuesArrivedByTheFirstAndSoComeToAnEnd() throws Exception {
        MonitoredVariable variable = new MonitoredVariable("ns=2;s=a", "m-1", "temperature");
        OpcUaOptions options = OpcUaOptions.builder().endpoint("opc.tcp://127.0.0.1:1").variables(List.of(variable))
                .build();
        long until = 2_000_000L;
        try (OpcUaCollector collector = new OpcUaCollector(options)) {
            for (int i = 0; i < 5; i++) {
                collector.offer(1_000_000L + i, variable, i, Quality.GOOD);
            }
            assertEquals(3, collector.collect(until, 3, TelemetryBatch.builder("gw-1", 1)));
            // A server whose clock lags ours: values stamped before until keep arriving.
            collector.offer(1_000_010L, variable, 10, Quality.GOOD);
            TelemetryBatch.Builder rest = TelemetryBatch.builder("gw-1", 1);
            assertEquals(2, collector.collect(until, 3, rest));
            assertEquals(4, rest.build().values()[1], 0.0);
            collector.offer(1_000_011L, variable, 11, Quality.GOOD);
            assertEquals(0, collector.collect(until, 3, TelemetryBatch.builder("gw-1", 1)));

            TelemetryBatch.Builder next = TelemetryBatch.builder("gw-1", 1);
            assertEquals(2, collector.collect(until + 100_000L, 3, next));
            assertEquals(10, next.build().values()[0], 0.0);
        }
    }

    private static final MonitoredVariable FLOW = new MonitoredVariable("ns=2;s=flow", "m-1", "flow");
    private static final MonitoredVariable TEMPERATURE = new MonitoredVariable("ns=2;s=temp", "m-1", "temperature");

    /** A collector of {@link #FLOW} and {@link #TEMPERATURE}, never started: values are fed to it directly. */
    private static OpcUaCollector flowAndTemperature() {
        return new OpcUaCollector(OpcUaOptions.builder().endpoint("opc.tcp://127.0.0.1:1")
                .variables(List.of(FLOW, TEMPERATURE)).build());
    }

    private static void assertTheCloudTakes(TelemetryBatch batch) {
        assertEquals(java.util.Optional.empty(), new BatchValidator().violation(batch,
                new GatewayAddress("acme", "plant-1", "gw-1"), Instant.now()));
    }

    @Test
    void aBadStatusGivesABadSampleWithNaNNotTheNumberSentWithIt() throws Exception {
        try (OpcUaCollector collector = flowAndTemperature()) {
            DateTime now = DateTime.now();
            // A PLC whose sensor failed sends its last reading, or a substitute, with the bad status.
            collector.accept(FLOW, new DataValue(new Variant(4.0), new StatusCode(StatusCodes.Bad_SensorFailure), now, now));
            collector.accept(FLOW, new DataValue(new Variant(3.0), new StatusCode(StatusCodes.Uncertain_LastUsableValue),
                    now, now));

            TelemetryBatch.Builder out = TelemetryBatch.builder("gw-1", 1);
            assertEquals(2, collector.collect(Long.MAX_VALUE, out));
            TelemetryBatch batch = out.build();
            assertEquals(Quality.BAD, batch.quality(0));
            assertTrue(Double.isNaN(batch.values()[0]), "value " + batch.values()[0]);
            assertEquals(Quality.UNCERTAIN, batch.quality(1));
            assertEquals(3.0, batch.values()[1], 0.0, "an uncertain value is kept");
            assertTheCloudTakes(batch);
        }
    }

    @Test
    void aNonFiniteNumberIsBadWhateverItsStatusSoThatTheCloudTakesTheBatch() throws Exception {
        try (OpcUaCollector collector = flowAndTemperature()) {
            DateTime now = DateTime.now();
            collector.accept(FLOW, new DataValue(new Variant(Double.NaN), StatusCode.GOOD, now, now));
            collector.accept(FLOW, new DataValue(new Variant(Float.POSITIVE_INFINITY),
                    new StatusCode(StatusCodes.Uncertain_LastUsableValue), now, now));
            collector.accept(TEMPERATURE, new DataValue(new Variant(21.5), StatusCode.GOOD, now, now));

            TelemetryBatch.Builder out = TelemetryBatch.builder("gw-1", 1);
            assertEquals(3, collector.collect(Long.MAX_VALUE, out));
            TelemetryBatch batch = out.build();
            assertEquals(List.of(Quality.BAD, Quality.BAD, Quality.GOOD),
                    List.of(batch.quality(0), batch.quality(1), batch.quality(2)));
            assertEquals(21.5, batch.values()[2], 0.0);
            assertTheCloudTakes(batch);
        }
    }

    @Test
    void aVariableThatSendsNoNumberIsWarnedAboutOnceUntilItSendsANumberAgain() throws Exception {
        try (OpcUaCollector collector = flowAndTemperature();
             CapturedLog log = CapturedLog.of(OpcUaCollector.class)) {
            DateTime now = DateTime.now();
            for (int i = 0; i < 5; i++) {
                collector.accept(FLOW, new DataValue(new Variant("OFF-" + i), StatusCode.GOOD, now, now));
                collector.accept(TEMPERATURE, new DataValue(new Variant(Double.NaN), StatusCode.GOOD, now, now));
            }
            collector.accept(FLOW, new DataValue(new Variant(2.5), StatusCode.GOOD, now, now));
            collector.accept(FLOW, new DataValue(new Variant("OFF"), StatusCode.GOOD, now, now));

            List<String> warnings = log.warnings();
            assertEquals(3, warnings.size(), "flow once, temperature once, flow again after its number: " + warnings);
            assertTrue(warnings.get(0).contains("ns=2;s=flow sent a value that is not a number (String)"),
                    warnings.get(0));
            assertTrue(warnings.get(1).contains("ns=2;s=temp sent NaN (status good)"), warnings.get(1));
            TelemetryBatch.Builder out = TelemetryBatch.builder("gw-1", 1);
            assertEquals(4, collector.collect(Long.MAX_VALUE, out), "a bad sample each, the same one at one time stamp"
                    + " once, and the number");
        }
    }

    @Test
    void aTimeStampTheCloudWouldRefuseGivesWayToTheServersOrTheArrivalSoThatTheBatchIsTaken() throws Exception {
        try (OpcUaCollector collector = flowAndTemperature()) {
            Instant before = Instant.now();
            DateTime now = DateTime.now();
            // A PLC with an unset clock; a value unchanged for two years; a clock a day ahead.
            DateTime unset = new DateTime(Instant.parse("2000-01-01T00:00:00Z"));
            DateTime twoYearsAgo = new DateTime(before.minus(730, java.time.temporal.ChronoUnit.DAYS));
            DateTime ahead = new DateTime(before.plus(1, java.time.temporal.ChronoUnit.DAYS));
            collector.accept(FLOW, new DataValue(new Variant(1.0), StatusCode.GOOD, unset, now));
            collector.accept(FLOW, new DataValue(new Variant(2.0), StatusCode.GOOD, twoYearsAgo, twoYearsAgo));
            collector.accept(FLOW, new DataValue(new Variant(3.0), StatusCode.GOOD, ahead, null));
            collector.accept(TEMPERATURE, new DataValue(new Variant(21.5), StatusCode.GOOD, now, now));

            TelemetryBatch.Builder out = TelemetryBatch.builder("gw-1", 1);
            assertEquals(4, collector.collect(Long.MAX_VALUE, out));
            TelemetryBatch batch = out.build();
            assertEquals(BatchValidator.micros(now.getJavaInstant()), batch.timestampsMicros()[0], "the server's");
            for (int i = 1; i < 3; i++) {
                long micros = batch.timestampsMicros()[i];
                assertTrue(micros >= BatchValidator.micros(before) && micros <= BatchValidator.micros(Instant.now()),
                        "row " + i + " at its arrival: " + micros);
            }
            assertTheCloudTakes(batch);
        }
    }

    @Test
    void aValueSentAgainIsTakenOnceAndAfterALostSessionAgainAtItsArrivalAfterTheGap() throws Exception {
        try (OpcUaCollector collector = flowAndTemperature()) {
            // A set point unchanged for a minute: a restored subscription starts with it, stamped then.
            DateTime changed = new DateTime(Instant.now().minusSeconds(60));
            DataValue current = new DataValue(new Variant(21.5), StatusCode.GOOD, changed, changed);
            collector.accept(TEMPERATURE, current);
            collector.accept(TEMPERATURE, current);
            assertEquals(1, collector.repeatedValues(), "the same sample twice");
            collector.sessionLost();
            collector.accept(TEMPERATURE, current);

            TelemetryBatch.Builder out = TelemetryBatch.builder("gw-1", 1);
            assertEquals(4, collector.collect(Long.MAX_VALUE, out));
            TelemetryBatch batch = out.build();
            assertEquals(List.of("temperature", "flow", "temperature", "temperature"), List.of(batch.sensors()));
            assertEquals(BatchValidator.micros(changed.getJavaInstant()), batch.timestampsMicros()[0]);
            assertEquals(Quality.BAD, batch.quality(2), "the lost session");
            assertEquals(Quality.GOOD, batch.quality(3));
            assertEquals(21.5, batch.values()[3], 0.0);
            assertTrue(batch.timestampsMicros()[3] > batch.timestampsMicros()[2], "after the gap, not behind it");
            assertEquals(1, collector.repeatedValues());
            assertTheCloudTakes(batch);
        }
    }

    @Test
    void valuesTheServerDiscardedFromAFullQueueAreReportedOncePerVariableAndCounted() throws Exception {
        try (OpcUaCollector collector = flowAndTemperature();
             CapturedLog log = CapturedLog.of(OpcUaCollector.class)) {
            DateTime now = DateTime.now();
            // The server marks the value after those it discarded with the overflow bit; the value itself is good.
            StatusCode overflow = StatusCode.GOOD.withOverflow();
            collector.accept(FLOW, new DataValue(new Variant(1.0), overflow, now, now));
            collector.accept(FLOW, new DataValue(new Variant(2.0), overflow, now, now));
            collector.accept(TEMPERATURE, new DataValue(new Variant(21.5), StatusCode.GOOD, now, now));

            List<String> about = log.warnings().stream().filter(w -> w.contains("overflowed")).toList();
            assertEquals(1, about.size(), "once per variable: " + log.lines());
            assertTrue(about.get(0).contains("the server discarded values of ns=2;s=flow (m-1/flow)"), about.get(0));
            assertEquals(2, collector.serverQueueOverflows());
            TelemetryBatch.Builder out = TelemetryBatch.builder("gw-1", 1);
            assertEquals(3, collector.collect(Long.MAX_VALUE, out));
            TelemetryBatch batch = out.build();
            assertEquals(List.of(Quality.GOOD, Quality.GOOD, Quality.GOOD),
                    List.of(batch.quality(0), batch.quality(1), batch.quality(2)), "the values sent are kept");
        }
    }
}
