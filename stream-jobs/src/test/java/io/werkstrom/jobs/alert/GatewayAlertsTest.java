package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.jobs.storage.DetectedAnomaly;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

import org.junit.jupiter.api.Test;

class GatewayAlertsTest {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");
    private static final long T0 = 1_800_000_000_000L;

    private long sequence;

    /** One sample per second of {@code sensor} on {@code machine}, starting at {@code startMillis}. */
    private ReceivedBatch batch(String machine, String sensor, long startMillis, double... values) {
        TelemetryBatch.Builder builder = TelemetryBatch.builder(GATEWAY.gateway(), sequence++);
        for (int i = 0; i < values.length; i++) {
            builder.add((startMillis + i * 1_000L) * 1_000L, machine, sensor, values[i], Quality.GOOD);
        }
        builder.add(startMillis * 1_000L, machine, "other_sensor", 1_000.0, Quality.GOOD);
        return new ReceivedBatch(GATEWAY, builder.build(), startMillis * 1_000L);
    }

    @Test
    void thresholdOpensAfterItsHoldOncePerMachineAndResolvesBelowTheClearLevel() {
        AlertRule rule = Rules.threshold("acme", "hot", "temp", 80, 70, 3_000, 2_000);
        GatewayAlerts alerts = new GatewayAlerts();
        List<AlertTransition> out = new ArrayList<>();
        // Above for 2 s only: no alert.
        out.addAll(alerts.onBatch(batch("press-1", "temp", T0, 85, 85, 60), List.of(rule), T0));
        assertEquals(List.of(), out);
        // Above for 3 s: one alert; staying above adds nothing.
        out.addAll(alerts.onBatch(batch("press-1", "temp", T0 + 10_000, 85, 90, 95, 99, 91), List.of(rule), T0));
        assertEquals(1, out.size());
        AlertTransition opened = out.get(0);
        assertEquals(AlertTransition.Type.OPENED, opened.type());
        assertEquals("press-1", opened.machine());
        assertEquals("temp", opened.sensor());
        assertEquals("plant-1", opened.site());
        assertEquals(T0 + 13_000, opened.at().toEpochMilli());
        // Between clear and trigger level (hysteresis): still open. Another machine opens its own alert.
        out.addAll(alerts.onBatch(batch("press-1", "temp", T0 + 20_000, 75, 75, 75, 75), List.of(rule), T0));
        out.addAll(alerts.onBatch(batch("press-2", "temp", T0 + 20_000, 81, 81, 81, 81), List.of(rule), T0));
        assertEquals(2, out.size());
        assertEquals("press-2", out.get(1).machine());
        // Below the clear level for 2 s: resolved.
        out.addAll(alerts.onBatch(batch("press-1", "temp", T0 + 30_000, 60, 60, 60), List.of(rule), T0));
        assertEquals(3, out.size());
        assertEquals(AlertTransition.Type.RESOLVED, out.get(2).type());
        assertEquals("press-1", out.get(2).machine());
        assertEquals(T0 + 32_000, out.get(2).at().toEpochMilli());
    }

    /**
     * The broker delivers a batch again (after a failover of the job, or a gateway's resend after a
     * lost acknowledgement) before the storage drops the repeat: its samples are older than those the
     * condition took since, and set nothing again. (The repeat used to open the alert just resolved
     * again, the same row, so the store opened nothing, and left the condition firing: the real breach
     * after it opened nothing until the value dropped back.)
     */
    @Test
    void aBatchDeliveredAgainAfterItsAlertResolvedDoesNotSetTheConditionAgain() {
        AlertRule rule = Rules.threshold("acme", "hot", "temp", 80, 70, 2_000, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        ReceivedBatch hot = batch("press-1", "temp", T0, 90, 90, 90);
        assertEquals(List.of(AlertTransition.Type.OPENED), types(alerts.onBatch(hot, List.of(rule), T0)));
        assertEquals(List.of(AlertTransition.Type.RESOLVED),
                types(alerts.onBatch(batch("press-1", "temp", T0 + 10_000, 60), List.of(rule), T0 + 10_000)));

        assertEquals(List.of(), alerts.onBatch(hot, List.of(rule), T0 + 20_000), "a repeat opens nothing");
        assertEquals(0, alerts.openAlerts());
        List<AlertTransition> breach = alerts.onBatch(batch("press-1", "temp", T0 + 20_000, 95, 95, 95),
                List.of(rule), T0 + 20_000);
        assertEquals(List.of(AlertTransition.Type.OPENED), types(breach), "the real breach opens after its hold");
        assertEquals(T0 + 22_000, breach.get(0).at().toEpochMilli());
    }

    @Test
    void withoutAHoldNeitherARepeatNorAnOlderSampleReopensAnAlert() {
        AlertRule rule = Rules.threshold("acme", "hot", "temp", 80, 80, 0, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        ReceivedBatch hot = batch("press-1", "temp", T0, 95);
        assertEquals(List.of(AlertTransition.Type.OPENED), types(alerts.onBatch(hot, List.of(rule), T0)));
        assertEquals(List.of(AlertTransition.Type.RESOLVED),
                types(alerts.onBatch(batch("press-1", "temp", T0 + 2_000, 60), List.of(rule), T0 + 2_000)));

        assertEquals(List.of(), alerts.onBatch(hot, List.of(rule), T0 + 3_000), "the repeat");
        assertEquals(List.of(), alerts.onBatch(batch("press-1", "temp", T0 + 1_000, 99), List.of(rule), T0 + 3_000),
                "a late sample from before the last one taken");
        assertEquals(0, alerts.openAlerts());
        List<AlertTransition> breach = alerts.onBatch(batch("press-1", "temp", T0 + 3_000, 95), List.of(rule),
                T0 + 3_000);
        assertEquals(List.of(AlertTransition.Type.OPENED), types(breach));
        assertEquals(T0 + 3_000, breach.get(0).at().toEpochMilli());
    }

    @Test
    void aRepeatedBatchDoesNotSetTheHysteresisOfAResolvingAlertAgain() {
        AlertRule rule = Rules.threshold("acme", "hot", "temp", 80, 70, 0, 5_000);
        GatewayAlerts alerts = new GatewayAlerts();
        ReceivedBatch hot = batch("press-1", "temp", T0, 95);
        assertEquals(List.of(AlertTransition.Type.OPENED), types(alerts.onBatch(hot, List.of(rule), T0)));
        assertEquals(List.of(), alerts.onBatch(batch("press-1", "temp", T0 + 10_000, 60), List.of(rule), T0 + 10_000),
                "its clear hold begins");

        assertEquals(List.of(), alerts.onBatch(hot, List.of(rule), T0 + 12_000));
        // 75 lies between the clear and the trigger level: beyond neither, the condition stays ended.
        List<AlertTransition> resolved = alerts.onBatch(batch("press-1", "temp", T0 + 20_000, 75), List.of(rule),
                T0 + 20_000);
        assertEquals(List.of(AlertTransition.Type.RESOLVED), types(resolved));
        assertEquals(T0 + 20_000, resolved.get(0).at().toEpochMilli());
    }

    /**
     * Two samples of one machine's sensor at the same microsecond: a repeat carries exactly the times
     * already taken, so an equal time counts as taken, and the first of the two is the one judged.
     */
    @Test
    void ofTwoSamplesOfOneSensorAtOneInstantTheFirstIsJudged() {
        AlertRule rule = Rules.threshold("acme", "hot", "temp", 80, 80, 0, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        TelemetryBatch twice = TelemetryBatch.builder(GATEWAY.gateway(), sequence++)
                .add(T0 * 1_000, "press-1", "temp", 95, Quality.GOOD)
                .add(T0 * 1_000, "press-1", "temp", 20, Quality.GOOD).build();
        ReceivedBatch received = new ReceivedBatch(GATEWAY, twice, T0 * 1_000);
        assertEquals(List.of(AlertTransition.Type.OPENED), types(alerts.onBatch(received, List.of(rule), T0)));
        assertEquals(1, alerts.openAlerts(), "the second sample of the instant does not end it");
        assertEquals(List.of(), alerts.onBatch(received, List.of(rule), T0 + 1_000), "nor does its repeat");
        assertEquals(1, alerts.openAlerts());
    }

    /**
     * A gateway's spool sends its backlog oldest first, in sequence order, after its link comes back
     * (edge-gateway's sender): each batch is newer than the one before, so the backlog is judged as it
     * happened, on sample time, however long after.
     */
    @Test
    void aBacklogSentOldestFirstAfterAnOutageIsJudgedAsItHappened() {
        AlertRule rule = Rules.threshold("acme", "hot", "temp", 80, 70, 2_000, 1_000);
        GatewayAlerts alerts = new GatewayAlerts();
        assertEquals(List.of(), alerts.onBatch(batch("press-1", "temp", T0, 60), List.of(rule), T0));
        long now = T0 + 600_000;
        List<AlertTransition> out = new ArrayList<>();
        out.addAll(alerts.onBatch(batch("press-1", "temp", T0 + 60_000, 85, 85), List.of(rule), now));
        ReceivedBatch middle = batch("press-1", "temp", T0 + 62_000, 90, 90);
        out.addAll(alerts.onBatch(middle, List.of(rule), now));
        out.addAll(alerts.onBatch(batch("press-1", "temp", T0 + 64_000, 60, 60), List.of(rule), now));
        assertEquals(List.of(AlertTransition.Type.OPENED, AlertTransition.Type.RESOLVED), types(out));
        assertEquals(T0 + 62_000, out.get(0).at().toEpochMilli());
        assertEquals(T0 + 65_000, out.get(1).at().toEpochMilli());
        // Its acknowledgement was lost: the gateway sends that batch again.
        assertEquals(List.of(), alerts.onBatch(middle, List.of(rule), now + 1_000));
    }

    @Test
    void thresholdBelowDirectionAndBadSamplesIgnored() {
        AlertRule low = new AlertRule("acme", "low-pressure", 1, RuleKind.THRESHOLD, "critical", null, "press-1",
                "pressure", false, 2.0, 2.5, 0, 0, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        TelemetryBatch bad = TelemetryBatch.builder("gw-1", 0).add(T0 * 1000, "press-1", "pressure", Double.NaN,
                Quality.BAD).add(T0 * 1000, "press-2", "pressure", 0.5, Quality.GOOD).build();
        assertEquals(List.of(), alerts.onBatch(new ReceivedBatch(GATEWAY, bad, 0), List.of(low), T0),
                "bad samples and other machines do not fire");
        List<AlertTransition> out = alerts.onBatch(batch("press-1", "pressure", T0, 1.5, 2.2, 2.6), List.of(low), T0);
        assertEquals(List.of(AlertTransition.Type.OPENED, AlertTransition.Type.RESOLVED),
                out.stream().map(AlertTransition::type).toList());
        assertEquals(T0 + 2_000, out.get(1).at().toEpochMilli(), "resolved only above the clear level 2.5");
    }

    @Test
    void scrapPredictionsAboveTheLimitOpenAndBelowResolve() {
        AlertRule rule = Rules.scrap("acme", "scrap", 0.8);
        GatewayAlerts alerts = new GatewayAlerts();
        assertEquals(List.of(), alerts.onPrediction(prediction(0, 0.5), List.of(rule)));
        List<AlertTransition> opened = alerts.onPrediction(prediction(1, 0.93), List.of(rule));
        assertEquals(1, opened.size());
        assertEquals("press-1", opened.get(0).machine());
        assertEquals(0.93, opened.get(0).value());
        assertEquals(List.of(), alerts.onPrediction(prediction(2, 0.85), List.of(rule)));
        assertEquals(AlertTransition.Type.RESOLVED, alerts.onPrediction(prediction(3, 0.2), List.of(rule)).get(0).type());
    }

    @Test
    void aBadSampleBeyondTheLevelNeitherOpensNorEndsAThresholdAlert() {
        AlertRule hot = Rules.threshold("acme", "hot", "temp", 80, 80, 0, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        TelemetryBatch bad = TelemetryBatch.builder("gw-1", 0).add(T0 * 1000, "press-1", "temp", 99, Quality.BAD)
                .build();
        assertEquals(List.of(), alerts.onBatch(new ReceivedBatch(GATEWAY, bad, 0), List.of(hot), T0));
        assertEquals(1, alerts.onBatch(batch("press-1", "temp", T0 + 1_000, 99), List.of(hot), T0).size());
        TelemetryBatch badLow = TelemetryBatch.builder("gw-1", 1).add((T0 + 2_000) * 1000, "press-1", "temp", 20,
                Quality.BAD).build();
        assertEquals(List.of(), alerts.onBatch(new ReceivedBatch(GATEWAY, badLow, 0), List.of(hot), T0));
        assertEquals(1, alerts.openAlerts());
    }

    @Test
    void aScrapProbabilityOf0Or1IsTakenAndOneOutside0To1IsRefused() {
        assertEquals(0.0, prediction(0, 0.0).probability());
        assertEquals(1.0, prediction(0, 1.0).probability());
        for (double bad : new double[] {-0.01, 1.01, Double.NaN}) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> prediction(0, bad));
            assertEquals("probability must lie in [0, 1], got " + bad + ".", e.getMessage());
        }
    }

    @Test
    void aScrapAlertOpensAtTheCycleEnd() {
        List<AlertTransition> opened = new GatewayAlerts().onPrediction(prediction(1, 0.93),
                List.of(Rules.scrap("acme", "scrap", 0.8)));
        assertEquals(T0 + 30_000, opened.get(0).at().toEpochMilli());
    }

    @Test
    void aScrapPredictionOfAnOlderCycleAfterANewerOneIsIgnored() {
        AlertRule rule = Rules.scrap("acme", "scrap", 0.8);
        GatewayAlerts alerts = new GatewayAlerts();
        assertEquals(List.of(AlertTransition.Type.OPENED), types(alerts.onPrediction(prediction(2, 0.93),
                List.of(rule))));
        assertEquals(List.of(AlertTransition.Type.RESOLVED), types(alerts.onPrediction(prediction(3, 0.2),
                List.of(rule))));

        assertEquals(List.of(), alerts.onPrediction(prediction(2, 0.93), List.of(rule)), "the same cycle again");
        assertEquals(List.of(), alerts.onPrediction(prediction(1, 0.99), List.of(rule)), "an older cycle");
        assertEquals(0, alerts.openAlerts());
        List<AlertTransition> opened = alerts.onPrediction(prediction(4, 0.9), List.of(rule));
        assertEquals(List.of(AlertTransition.Type.OPENED), types(opened));
        assertEquals(T0 + 120_000, opened.get(0).at().toEpochMilli());
    }

    private static List<AlertTransition.Type> types(List<AlertTransition> transitions) {
        return transitions.stream().map(AlertTransition::type).toList();
    }

    private static ScrapPrediction prediction(int cycle, double probability) {
        return new ScrapPrediction("acme", "plant-1", "gw-1", "press-1", (T0 + cycle * 30_000L) * 1000, probability);
    }

    @Test
    void anomaliesOpenAtOnceAndResolveAfterAQuietPeriod() {
        AlertRule rule = Rules.anomaly("acme", "anomalies", 10_000);
        GatewayAlerts alerts = new GatewayAlerts();
        DetectedAnomaly anomaly = new DetectedAnomaly(GATEWAY, new Anomaly(T0 * 1000, "press-1", "temp", 99, 12, 6,
                "robust-z"));
        assertEquals(1, alerts.onAnomaly(anomaly, List.of(rule), T0).size());
        assertEquals(List.of(), alerts.onAnomaly(anomaly, List.of(rule), T0 + 1_000), "one alert while open");
        assertEquals(List.of(), alerts.onTick(List.of(rule), "gw-1", T0 + 2_000));
        assertEquals(List.of(), alerts.onAnomaly(anomaly, List.of(rule), T0 + 8_000), "a new anomaly restarts the quiet period");
        assertEquals(List.of(), alerts.onTick(List.of(rule), "gw-1", T0 + 9_000));
        assertEquals(List.of(), alerts.onTick(List.of(rule), "gw-1", T0 + 18_000));
        List<AlertTransition> resolved = alerts.onTick(List.of(rule), "gw-1", T0 + 19_000);
        assertEquals(AlertTransition.Type.RESOLVED, resolved.get(0).type());
        assertEquals("press-1", resolved.get(0).machine());

        AlertRule strict = new AlertRule("acme", "big-anomalies", 1, RuleKind.ANOMALY, "warning", null, null, null,
                true, 20, Double.NaN, 0, 0, 0);
        assertEquals(List.of(), new GatewayAlerts().onAnomaly(anomaly, List.of(strict), T0), "score below the rule's level");
    }

    @Test
    void anAnomalyRuleWatchesItsSensorAndFiresFromItsLevelOnOnlyAboveTheDetectorsThreshold() {
        AlertRule tempOnly = new AlertRule("acme", "odd-temp", 1, RuleKind.ANOMALY, "warning", null, null, "temp",
                true, 20, Double.NaN, 0, 60_000, 0);
        assertEquals(List.of(), new GatewayAlerts().onAnomaly(new DetectedAnomaly(GATEWAY, new Anomaly(T0 * 1000,
                "press-1", "pressure", 9, 30, 6, "robust-z")), List.of(tempOnly), T0), "another sensor");
        assertEquals(1, new GatewayAlerts().onAnomaly(new DetectedAnomaly(GATEWAY, new Anomaly(T0 * 1000,
                "press-1", "temp", 99, 20, 6, "robust-z")), List.of(tempOnly), T0).size(), "a score at the level");
        assertEquals(List.of(), new GatewayAlerts().onAnomaly(new DetectedAnomaly(GATEWAY, new Anomaly(T0 * 1000,
                "press-1", "temp", 99, 6, 6, "robust-z")), List.of(Rules.anomaly("acme", "odd", 60_000)), T0),
                "a score at the detector's threshold is no anomaly");
    }

    @Test
    void aRuleNarrowedToAnotherMachineResolvesTheAlertsOutsideItAtTheNextTick() {
        AlertRule everyMachine = Rules.threshold("acme", "hot", "temp", 80, 80, 0, 0);
        AlertRule press2Only = new AlertRule("acme", "hot", 2, RuleKind.THRESHOLD, "warning", null, "press-2",
                "temp", true, 80, 80, 0, 0, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        assertEquals(1, alerts.onBatch(batch("press-1", "temp", T0, 99), List.of(everyMachine), T0).size());
        List<AlertTransition> resolved = alerts.onTick(List.of(press2Only), "gw-1", T0 + 1_000);
        assertEquals(List.of(AlertTransition.Type.RESOLVED), resolved.stream().map(AlertTransition::type).toList());
        assertEquals("press-1", resolved.get(0).machine());
        assertEquals(0, alerts.openAlerts());
    }

    @Test
    void aGatewayFirstHeardOfThroughAnEventIsNotCalledOfflineAtOnceAndAnOfflineRuleOfAnotherGatewayIgnoresIt() {
        AlertRule offline = Rules.offline("acme", "offline", 60_000, 0);
        GatewaySignal event = new GatewaySignal(GATEWAY, GatewaySignal.Type.DATA_GAP, 0, "{\"type\":\"data_gap\"}");
        assertEquals(List.of(), new GatewayAlerts().onSignal(event, List.of(offline), T0));
        AlertRule otherGateway = new AlertRule("acme", "gw-2-offline", 1, RuleKind.GATEWAY_OFFLINE, "critical", "gw-2",
                null, null, true, Double.NaN, Double.NaN, 0, 0, 60_000);
        assertEquals(List.of(), new GatewayAlerts().onSignal(new GatewaySignal(GATEWAY, GatewaySignal.Type.OFFLINE, 1,
                ""), List.of(otherGateway), T0));
    }

    @Test
    void offlineByStatusOrSilenceAndBackOnline() {
        AlertRule rule = Rules.offline("acme", "offline", 60_000, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        assertEquals(List.of(), alerts.onBatch(batch("press-1", "temp", T0, 1), List.of(rule), T0));
        List<AlertTransition> opened = alerts.onSignal(new GatewaySignal(GATEWAY, GatewaySignal.Type.OFFLINE, 0, ""),
                List.of(rule), T0 + 1_000);
        assertEquals(1, opened.size());
        assertTrue(opened.get(0).message().contains("offline"), opened.get(0).message());
        assertEquals(null, opened.get(0).machine());
        List<AlertTransition> back = alerts.onSignal(new GatewaySignal(GATEWAY, GatewaySignal.Type.ONLINE, 0, ""),
                List.of(rule), T0 + 2_000);
        assertEquals(AlertTransition.Type.RESOLVED, back.get(0).type());

        assertEquals(List.of(), alerts.onTick(List.of(rule), "gw-1", T0 + 61_000));
        List<AlertTransition> silent = alerts.onTick(List.of(rule), "gw-1", T0 + 62_001);
        assertEquals(AlertTransition.Type.OPENED, silent.get(0).type());
        assertTrue(silent.get(0).message().contains("sent nothing"), silent.get(0).message());
        assertEquals(AlertTransition.Type.RESOLVED,
                alerts.onBatch(batch("press-1", "temp", T0, 1), List.of(rule), T0 + 70_000).get(0).type());
    }

    @Test
    void dataGapsOpenOneAlertAndRemovedRulesResolveTheirAlerts() {
        AlertRule gap = Rules.dataGap("acme", "gaps", 60_000);
        AlertRule hot = Rules.threshold("acme", "hot", "temp", 80, 80, 0, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        GatewaySignal event = new GatewaySignal(GATEWAY, GatewaySignal.Type.DATA_GAP, 0, "{\"type\":\"data_gap\"}");
        assertEquals(1, alerts.onSignal(event, List.of(gap, hot), T0).size());
        assertEquals(List.of(), alerts.onSignal(event, List.of(gap, hot), T0 + 1));
        assertEquals(1, alerts.onBatch(batch("press-1", "temp", T0, 90), List.of(gap, hot), T0).size());
        assertEquals(2, alerts.openAlerts());

        // Both rules are gone from the book (deleted or disabled): their alerts resolve at the next tick.
        List<AlertTransition> resolved = alerts.onTick(List.of(), "gw-1", T0 + 2);
        assertEquals(2, resolved.size());
        assertTrue(resolved.stream().allMatch(t -> t.type() == AlertTransition.Type.RESOLVED));
        assertTrue(resolved.stream().allMatch(t -> t.actor().contains("rule changed")));
        assertEquals(0, alerts.openAlerts());
    }

    @Test
    void aDataGapAlertResolvesAfterItsClearHoldWithoutAnotherGap() {
        AlertRule gap = Rules.dataGap("acme", "gaps", 10_000);
        GatewayAlerts alerts = new GatewayAlerts();
        GatewaySignal event = new GatewaySignal(GATEWAY, GatewaySignal.Type.DATA_GAP, 0, "{\"type\":\"data_gap\"}");
        assertEquals(1, alerts.onSignal(event, List.of(gap), T0).size());
        assertEquals(List.of(), alerts.onTick(List.of(gap), "gw-1", T0 + 1_000), "its quiet period begins");
        assertEquals(List.of(), alerts.onTick(List.of(gap), "gw-1", T0 + 10_000));
        List<AlertTransition> resolved = alerts.onTick(List.of(gap), "gw-1", T0 + 11_000);
        assertEquals(List.of(AlertTransition.Type.RESOLVED), resolved.stream().map(AlertTransition::type).toList());
        assertEquals("no data gap for 10.0 s", resolved.get(0).message());
    }

    @Test
    void onlyConditionsUnderWayAreKeptSoNewMachineNamesGrowNoState() {
        AlertRule rule = Rules.threshold("acme", "hot", "temp", 80, 70, 1_000, 1_000);
        GatewayAlerts alerts = new GatewayAlerts();
        for (int m = 0; m < 1_000; m++) {
            alerts.onBatch(batch("press-" + m, "temp", T0, 20), List.of(rule), T0);
        }
        assertEquals(0, alerts.trackedConditions(), "values within limits leave nothing behind");

        alerts.onBatch(batch("press-7", "temp", T0, 90), List.of(rule), T0);
        assertEquals(1, alerts.trackedConditions(), "pending its hold");
        assertEquals(List.of(), alerts.onBatch(batch("press-7", "temp", T0 + 500, 20), List.of(rule), T0));
        assertEquals(0, alerts.trackedConditions(), "gone before its hold: idle again");

        List<AlertTransition> opened = alerts.onBatch(batch("press-7", "temp", T0 + 10_000, 90, 90), List.of(rule), T0);
        assertEquals(List.of(AlertTransition.Type.OPENED), opened.stream().map(AlertTransition::type).toList());
        // Between clear and trigger level it stays open (the hysteresis is kept while the condition lives).
        assertEquals(List.of(), alerts.onBatch(batch("press-7", "temp", T0 + 20_000, 75, 75), List.of(rule), T0));
        List<AlertTransition> resolved = alerts.onBatch(batch("press-7", "temp", T0 + 30_000, 60, 60), List.of(rule), T0);
        assertEquals(List.of(AlertTransition.Type.RESOLVED), resolved.stream().map(AlertTransition::type).toList());
        assertEquals(0, alerts.trackedConditions());
        assertEquals(1, alerts.idleLevelConditions(), "press-7 keeps the time of its last sample, idle");
        assertEquals(List.of(), alerts.onTick(List.of(), "gw-1", T0 + 40_000));
        assertEquals(0, alerts.idleLevelConditions(), "a removed rule's are dropped at the next tick");

        AlertRule anomalies = Rules.anomaly("acme", "odd", 60_000);
        alerts.onAnomaly(new DetectedAnomaly(GATEWAY, new Anomaly(T0 * 1000, "press-1", "temp", 99, 12, 6, "robust-z")),
                List.of(anomalies), T0);
        assertEquals(1, alerts.trackedConditions());
        assertEquals(List.of(), alerts.onTick(List.of(anomalies), "gw-1", T0 + 1_000), "its quiet period begins");
        assertEquals(1, alerts.trackedConditions());
        assertEquals(1, alerts.onTick(List.of(anomalies), "gw-1", T0 + 61_000).size());
        assertEquals(0, alerts.trackedConditions(), "resolved after its quiet period");
        assertEquals(0, alerts.idleLevelConditions(), "an event condition keeps nothing once it has ended");
    }

    @Test
    void aNewVersionWatchingAnotherSensorResolvesTheOldVersionsAlert() {
        AlertRule temp = Rules.threshold("acme", "hot", "temp", 80, 80, 0, 0);
        AlertRule pressure = new AlertRule("acme", "hot", 2, RuleKind.THRESHOLD, "warning", null, null, "pressure",
                true, 80, 80, 0, 0, 0);
        AlertRule hotter = new AlertRule("acme", "hot", 2, RuleKind.THRESHOLD, "critical", null, null, "temp",
                true, 90, 90, 0, 0, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        assertEquals(1, alerts.onBatch(batch("press-1", "temp", T0, 99), List.of(temp), T0).size());

        // New levels only: the open alert is kept and judged by them.
        assertEquals(List.of(), alerts.onBatch(batch("press-1", "temp", T0 + 1_000, 95), List.of(hotter), T0));
        assertEquals(1, alerts.openAlerts());

        // Another sensor: the pressure rule must not take over (and resolve) the temperature alert by a pressure value.
        List<AlertTransition> changed = alerts.onBatch(batch("press-1", "pressure", T0 + 2_000, 5), List.of(pressure), T0);
        assertEquals(1, changed.size(), changed.toString());
        assertEquals(AlertTransition.Type.RESOLVED, changed.get(0).type());
        assertEquals("rule-engine (rule changed)", changed.get(0).actor());
        assertEquals("temp", changed.get(0).sensor());
        assertEquals(0, alerts.openAlerts());
        List<AlertTransition> opened = alerts.onBatch(batch("press-1", "pressure", T0 + 3_000, 99), List.of(pressure),
                T0);
        assertEquals(List.of(AlertTransition.Type.OPENED), opened.stream().map(AlertTransition::type).toList());
        assertEquals("pressure", opened.get(0).sensor());
    }

    @Test
    void aNewVersionWatchingTheSameKeepsTheConditionsTimeAndOneWatchingAnotherStartsAfresh() {
        AlertRule temp = Rules.threshold("acme", "hot", "temp", 80, 80, 0, 0);
        AlertRule hotter = new AlertRule("acme", "hot", 2, RuleKind.THRESHOLD, "critical", null, null, "temp",
                true, 90, 90, 0, 0, 0);
        AlertRule pressure = new AlertRule("acme", "hot", 3, RuleKind.THRESHOLD, "warning", null, null, "pressure",
                true, 80, 80, 0, 0, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        ReceivedBatch hot = batch("press-1", "temp", T0 + 5_000, 99);
        assertEquals(List.of(AlertTransition.Type.OPENED), types(alerts.onBatch(hot, List.of(temp), T0)));
        assertEquals(List.of(AlertTransition.Type.RESOLVED),
                types(alerts.onBatch(batch("press-1", "temp", T0 + 6_000, 20), List.of(temp), T0)));

        assertEquals(List.of(), alerts.onBatch(hot, List.of(hotter), T0), "new levels: still a repeat");
        assertEquals(List.of(), alerts.onTick(List.of(hotter), "gw-1", T0));
        assertEquals(1, alerts.idleLevelConditions(), "kept through a tick: it watches the same");
        // Another sensor is another series: its samples are taken from its first on, whatever the old one's time.
        List<AlertTransition> opened = alerts.onBatch(batch("press-1", "pressure", T0 + 1_000, 99), List.of(pressure),
                T0);
        assertEquals(List.of(AlertTransition.Type.OPENED), types(opened));
        assertEquals("pressure", opened.get(0).sensor());
    }

    @Test
    void atMostTheCapOfIdleLevelConditionsIsKeptTheOneSeenLongestAgoForgottenFirst() {
        AlertRule rule = Rules.threshold("acme", "hot", "temp", 80, 80, 0, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        List<ReceivedBatch> breaches = new ArrayList<>();
        for (int m = 0; m <= GatewayAlerts.MAX_IDLE_LEVEL_CONDITIONS; m++) {
            ReceivedBatch breach = batch("press-" + m, "temp", T0 + m * 10_000L, 99);
            breaches.add(breach);
            alerts.onBatch(breach, List.of(rule), T0);
            alerts.onBatch(batch("press-" + m, "temp", T0 + m * 10_000L + 1_000, 20), List.of(rule), T0);
        }
        assertEquals(GatewayAlerts.MAX_IDLE_LEVEL_CONDITIONS, alerts.idleLevelConditions());
        assertEquals(0, alerts.openAlerts());

        assertEquals(List.of(), alerts.onBatch(breaches.get(1), List.of(rule), T0), "press-1 is still known");
        // press-0 was forgotten: its repeat is judged as a first sample, as every sample of a calm condition.
        assertEquals(List.of(AlertTransition.Type.OPENED), types(alerts.onBatch(breaches.get(0), List.of(rule), T0)));
    }

    /**
     * Idle level conditions are forgotten only past the cap: with one fewer than the cap idle and two
     * under way, the first of those to end makes exactly the cap, and every one is kept.
     */
    @Test
    void exactlyTheCapOfIdleLevelConditionsIsKeptWhileOthersAreUnderWay() {
        AlertRule rule = Rules.threshold("acme", "hot", "temp", 80, 80, 0, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        ReceivedBatch first = null;
        for (int m = 0; m < GatewayAlerts.MAX_IDLE_LEVEL_CONDITIONS - 1; m++) {
            ReceivedBatch breach = batch("press-" + m, "temp", T0 + m * 10_000L, 99);
            first = first == null ? breach : first;
            alerts.onBatch(breach, List.of(rule), T0);
            alerts.onBatch(batch("press-" + m, "temp", T0 + m * 10_000L + 1_000, 20), List.of(rule), T0);
        }
        long later = T0 + GatewayAlerts.MAX_IDLE_LEVEL_CONDITIONS * 10_000L;
        alerts.onBatch(batch("mill-1", "temp", later, 99), List.of(rule), T0);
        alerts.onBatch(batch("mill-2", "temp", later, 99), List.of(rule), T0);
        assertEquals(2, alerts.openAlerts());

        assertEquals(List.of(AlertTransition.Type.RESOLVED),
                types(alerts.onBatch(batch("mill-1", "temp", later + 1_000, 20), List.of(rule), T0)));
        assertEquals(GatewayAlerts.MAX_IDLE_LEVEL_CONDITIONS, alerts.idleLevelConditions());
        assertEquals(List.of(), alerts.onBatch(first, List.of(rule), T0), "press-0, seen longest ago, is still known");
    }

    /** An online status is a sign of life: the silence of a gateway_offline rule counts from it. */
    @Test
    void anOnlineStatusRestartsTheSilenceOfAnOfflineRule() {
        AlertRule rule = Rules.offline("acme", "offline", 60_000, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        assertEquals(List.of(), alerts.onBatch(batch("press-1", "temp", T0, 1), List.of(rule), T0));
        assertEquals(List.of(), alerts.onSignal(new GatewaySignal(GATEWAY, GatewaySignal.Type.ONLINE,
                (T0 + 50_000) * 1_000, ""), List.of(rule), T0 + 50_000));
        assertEquals(List.of(), alerts.onTick(List.of(rule), "gw-1", T0 + 110_000),
                "60 s after the online status, not after the last batch");
        List<AlertTransition> silent = alerts.onTick(List.of(rule), "gw-1", T0 + 110_001);
        assertEquals(List.of(AlertTransition.Type.OPENED), types(silent));
        assertEquals("gateway gw-1 sent nothing for 60 s", silent.get(0).message());
    }

    @Test
    void anOpenedLevelAlertNamesTheValueTheLevelAndWhichSideOfItIsBad() {
        AlertRule hot = Rules.threshold("acme", "hot", "temp", 80, 70, 0, 0);
        AlertRule low = new AlertRule("acme", "low-pressure", 1, RuleKind.THRESHOLD, "critical", null, null,
                "pressure", false, 2.0, 2.5, 0, 0, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        assertEquals("temp of press-1 is 85.00 (above 80.00)",
                alerts.onBatch(batch("press-1", "temp", T0, 85), List.of(hot), T0).get(0).message());
        assertEquals("pressure of press-1 is 1.500 (below 2.000)",
                alerts.onBatch(batch("press-1", "pressure", T0, 1.5), List.of(low), T0).get(0).message());
        assertEquals("scrap probability of press-1 is 0.9300 (above 0.8000)",
                alerts.onPrediction(prediction(1, 0.93), List.of(Rules.scrap("acme", "scrap", 0.8))).get(0).message());
    }

    @Test
    void aRuleGivenAnotherKindResolvesTheOldKindsAlertBeforeItsNextTick() {
        // A data gap rule given the kind gateway_offline: the next batch, before any tick, must end the data gap
        // alert as the data gap alert it is, not resolve a gateway_offline alert that was never opened.
        AlertRule gap = Rules.dataGap("acme", "gw-health", 600_000);
        AlertRule offline = new AlertRule("acme", "gw-health", 2, RuleKind.GATEWAY_OFFLINE, "critical", null, null,
                null, true, Double.NaN, Double.NaN, 0, 0, 60_000);
        GatewayAlerts alerts = new GatewayAlerts();
        GatewaySignal event = new GatewaySignal(GATEWAY, GatewaySignal.Type.DATA_GAP, 0, "{\"type\":\"data_gap\"}");
        assertEquals(RuleKind.DATA_GAP, alerts.onSignal(event, List.of(gap), T0).get(0).rule().kind());
        List<AlertTransition> changed = alerts.onBatch(batch("press-1", "temp", T0, 1), List.of(offline), T0 + 1_000);
        assertEquals(1, changed.size(), changed.toString());
        assertEquals(AlertTransition.Type.RESOLVED, changed.get(0).type());
        assertEquals(RuleKind.DATA_GAP, changed.get(0).rule().kind(), changed.get(0).toString());
        assertEquals("rule-engine (rule changed)", changed.get(0).actor());
        assertEquals(0, alerts.openAlerts());

        // Back again: the offline alert the new kind opens is its own, and resolves as such.
        List<AlertTransition> offlineNow = alerts.onSignal(new GatewaySignal(GATEWAY, GatewaySignal.Type.OFFLINE, 1,
                ""), List.of(offline), T0 + 2_000);
        assertEquals(List.of(AlertTransition.Type.OPENED), offlineNow.stream().map(AlertTransition::type).toList());
        assertEquals(RuleKind.GATEWAY_OFFLINE, offlineNow.get(0).rule().kind());
        List<AlertTransition> gapNow = alerts.onSignal(event, List.of(gap), T0 + 3_000);
        assertEquals(List.of(AlertTransition.Type.RESOLVED, AlertTransition.Type.OPENED),
                gapNow.stream().map(AlertTransition::type).toList(), gapNow.toString());
        assertEquals(RuleKind.GATEWAY_OFFLINE, gapNow.get(0).rule().kind());
        assertEquals(RuleKind.DATA_GAP, gapNow.get(1).rule().kind());
    }

    @Test
    void aThresholdRuleGivenTheKindAnomalyResolvesItsAlertAndOpensTheAnomalysOwn() {
        AlertRule hot = Rules.threshold("acme", "press-watch", "temp", 80, 80, 0, 0);
        AlertRule odd = new AlertRule("acme", "press-watch", 2, RuleKind.ANOMALY, "warning", null, null, null, true,
                Double.NaN, Double.NaN, 0, 60_000, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        assertEquals(1, alerts.onBatch(batch("press-1", "temp", T0, 99), List.of(hot), T0).size());
        List<AlertTransition> changed = alerts.onAnomaly(new DetectedAnomaly(GATEWAY, new Anomaly(T0 * 1000, "press-1",
                "temp", 99, 12, 6, "robust-z")), List.of(odd), T0 + 1_000);
        assertEquals(List.of(AlertTransition.Type.RESOLVED, AlertTransition.Type.OPENED),
                changed.stream().map(AlertTransition::type).toList(), changed.toString());
        assertEquals(RuleKind.THRESHOLD, changed.get(0).rule().kind());
        assertEquals("rule-engine (rule changed)", changed.get(0).actor());
        assertEquals(RuleKind.ANOMALY, changed.get(1).rule().kind());
        assertEquals(1, alerts.openAlerts());
    }

    @Test
    void afterTheJobsOwnOutageSilenceCountsFromWhenItWatchesAgain() {
        AlertRule rule = Rules.offline("acme", "offline", 60_000, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        alerts.onBatch(batch("press-1", "temp", T0, 1), List.of(rule), T0);

        // Restored 10 minutes later: the gateway is not called silent for the time nobody listened.
        long restored = T0 + 600_000;
        alerts.watchingSince(restored);
        assertEquals(List.of(), alerts.onTick(List.of(rule), "gw-1", restored + 1_000));
        assertEquals(List.of(), alerts.onTick(List.of(rule), "gw-1", restored + 60_000));
        List<AlertTransition> silent = alerts.onTick(List.of(rule), "gw-1", restored + 60_001);
        assertEquals(List.of(AlertTransition.Type.OPENED), silent.stream().map(AlertTransition::type).toList());
        assertTrue(silent.get(0).message().contains("sent nothing for 660 s"), silent.get(0).message());

        // An alert that was open before the outage stays open after it.
        alerts.watchingSince(restored + 900_000);
        assertEquals(List.of(), alerts.onTick(List.of(rule), "gw-1", restored + 900_001));
        assertEquals(1, alerts.openAlerts());
    }

    @Test
    void aBatchReceivedBeforeTheOfflineStatusButHandledAfterItLeavesTheAlertOpen() {
        AlertRule rule = Rules.offline("acme", "offline", 60_000, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        alerts.onBatch(batch("press-1", "temp", T0, 1), List.of(rule), T0);
        // A clean shutdown: the last batch, then the status. They come through different streams, so the
        // status may be handled first.
        List<AlertTransition> out = new ArrayList<>(alerts.onSignal(
                new GatewaySignal(GATEWAY, GatewaySignal.Type.OFFLINE, (T0 + 1_001) * 1_000, ""), List.of(rule),
                T0 + 1_002));
        assertEquals(List.of(AlertTransition.Type.OPENED), out.stream().map(AlertTransition::type).toList());
        out.addAll(alerts.onBatch(batch("press-1", "temp", T0 + 1_000, 1), List.of(rule),
                T0 + 1_003));
        for (long now = T0 + 2_000; now <= T0 + 200_000; now += 1_000) {
            out.addAll(alerts.onTick(List.of(rule), "gw-1", now));
        }
        assertEquals(List.of(AlertTransition.Type.OPENED), out.stream().map(AlertTransition::type).toList(),
                "no resolve and no second open");
        assertEquals(1, alerts.openAlerts());
        assertEquals((T0 + 1_001) * 1_000, alerts.statusReceivedAt(), "the owner keeps it");
    }

    /**
     * A batch received in the same microsecond as the offline status is taken as the last one before it:
     * a gateway that comes back says online first, which the cloud receives after its offline.
     */
    @Test
    void aBatchReceivedInTheSameMicrosecondAsTheOfflineStatusLeavesTheAlertOpen() {
        AlertRule rule = Rules.offline("acme", "offline", 60_000, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        alerts.onBatch(batch("press-1", "temp", T0, 1), List.of(rule), T0);
        assertEquals(1, alerts.onSignal(new GatewaySignal(GATEWAY, GatewaySignal.Type.OFFLINE, (T0 + 1_001) * 1_000,
                ""), List.of(rule), T0 + 1_002).size());
        assertEquals(List.of(), alerts.onBatch(batch("press-1", "temp", T0 + 1_001, 1), List.of(rule), T0 + 1_003));
        assertEquals(1, alerts.openAlerts());
    }

    @Test
    void aBatchReceivedAfterTheOfflineStatusResolvesTheAlert() {
        AlertRule rule = Rules.offline("acme", "offline", 60_000, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        alerts.onBatch(batch("press-1", "temp", T0, 1), List.of(rule), T0);
        assertEquals(1, alerts.onSignal(new GatewaySignal(GATEWAY, GatewaySignal.Type.OFFLINE, (T0 + 1_001) * 1_000,
                ""), List.of(rule), T0 + 1_002).size());
        List<AlertTransition> back = alerts.onBatch(batch("press-1", "temp", T0 + 30_000, 1),
                List.of(rule), T0 + 30_001);
        assertEquals(List.of(AlertTransition.Type.RESOLVED), back.stream().map(AlertTransition::type).toList());
        // Back online: a batch received before the status no longer matters.
        assertEquals(List.of(), alerts.onBatch(batch("press-1", "temp", T0 + 1_000, 1),
                List.of(rule), T0 + 30_002));
    }

    /**
     * After a failover of the job the broker delivers again what the job had not acknowledged, received
     * anew: a gateway's last batch before a clean shutdown can come after its offline status. The
     * status names the gateway's last sequence; a batch at or below it never brings the gateway back.
     */
    @Test
    void aBatchAtOrBelowTheLastSequenceOfTheOfflineStatusLeavesTheAlertOpenWheneverItArrives() {
        AlertRule rule = Rules.offline("acme", "offline", 60_000, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        sequence = 4_710;
        alerts.onBatch(batch("press-1", "temp", T0, 1), List.of(rule), T0);
        List<AlertTransition> out = new ArrayList<>(alerts.onSignal(new GatewaySignal(GATEWAY,
                GatewaySignal.Type.OFFLINE, (T0 + 1_001) * 1_000, "", 4_711), List.of(rule), T0 + 1_002));
        assertEquals(4_711, alerts.offlineLastSequence(), "the owner keeps it");
        // Sequence 4711, received (again) long after the status.
        out.addAll(alerts.onBatch(batch("press-1", "temp", T0 + 120_000, 1), List.of(rule), T0 + 120_000));
        for (long now = T0 + 121_000; now <= T0 + 300_000; now += 1_000) {
            out.addAll(alerts.onTick(List.of(rule), "gw-1", now));
        }
        assertEquals(List.of(AlertTransition.Type.OPENED), out.stream().map(AlertTransition::type).toList(),
                "no resolve and no second open");
        List<AlertTransition> back = alerts.onBatch(batch("press-1", "temp", T0 + 300_000, 1), List.of(rule),
                T0 + 300_001);
        assertEquals(List.of(AlertTransition.Type.RESOLVED), back.stream().map(AlertTransition::type).toList(),
                "sequence 4712 is of a later run");
    }

    @Test
    void aLaterStatusEndsTheLastSequenceOfTheOfflineStatusBeforeIt() {
        AlertRule rule = Rules.offline("acme", "offline", 60_000, 0);
        GatewayAlerts alerts = new GatewayAlerts();
        alerts.onSignal(new GatewaySignal(GATEWAY, GatewaySignal.Type.OFFLINE, T0 * 1_000, "", 100), List.of(rule), T0);
        alerts.onSignal(new GatewaySignal(GATEWAY, GatewaySignal.Type.ONLINE, (T0 + 1_000) * 1_000, ""), List.of(rule),
                T0 + 1_000);
        assertEquals(GatewaySignal.NO_SEQUENCE, alerts.offlineLastSequence());
        // The last will, which names no sequence: a batch received after it brings the gateway back, as before.
        assertEquals(List.of(AlertTransition.Type.OPENED), alerts.onSignal(new GatewaySignal(GATEWAY,
                GatewaySignal.Type.OFFLINE, (T0 + 2_000) * 1_000, ""), List.of(rule), T0 + 2_000).stream()
                .map(AlertTransition::type).toList());
        sequence = 50;
        List<AlertTransition> back = alerts.onBatch(batch("press-1", "temp", T0 + 3_000, 1), List.of(rule),
                T0 + 3_000);
        assertEquals(List.of(AlertTransition.Type.RESOLVED), back.stream().map(AlertTransition::type).toList());
    }

    @Test
    void aStatusReceivedBeforeTheStatusInForceChangesNothing() {
        AlertRule rule = Rules.offline("acme", "offline", 60_000, 0);
        GatewayAlerts restarted = new GatewayAlerts();
        // A restart: offline, then online; parallel readers hand them over in the other order.
        GatewaySignal offline = new GatewaySignal(GATEWAY, GatewaySignal.Type.OFFLINE, T0 * 1_000, "");
        GatewaySignal online = new GatewaySignal(GATEWAY, GatewaySignal.Type.ONLINE, (T0 + 2_000) * 1_000, "");
        List<AlertTransition> out = new ArrayList<>(restarted.onSignal(online, List.of(rule), T0 + 2_001));
        out.addAll(restarted.onSignal(offline, List.of(rule), T0 + 2_002));
        out.addAll(restarted.onTick(List.of(rule), "gw-1", T0 + 3_000));
        assertEquals(List.of(), out, "online");
        assertEquals((T0 + 2_000) * 1_000, restarted.statusReceivedAt());

        // Online, then offline for good, handed over in the other order.
        GatewayAlerts stopped = new GatewayAlerts();
        assertEquals(1, stopped.onSignal(offline, List.of(rule), T0 + 2_001).size());
        GatewaySignal earlier = new GatewaySignal(GATEWAY, GatewaySignal.Type.ONLINE, (T0 - 2_000) * 1_000, "");
        assertEquals(List.of(), stopped.onSignal(earlier, List.of(rule), T0 + 2_002), "still offline");
        assertEquals(1, stopped.openAlerts());

        // A later status is in force again.
        List<AlertTransition> back = stopped.onSignal(online, List.of(rule), T0 + 2_003);
        assertEquals(List.of(AlertTransition.Type.RESOLVED), back.stream().map(AlertTransition::type).toList());
    }
}
