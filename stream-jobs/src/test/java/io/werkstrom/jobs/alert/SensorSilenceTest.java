package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class SensorSilenceTest {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");
    private static final long T0 = 1_800_000_000_000L;
    /** The wall clock of ticks: far from the sample clock, to show that silence is not judged by it. */
    private static final long WALL = T0 + 86_400_000L;

    private final SensorSilence silence = new SensorSilence();
    private final List<AlertTransition> out = new ArrayList<>();
    private long sequence;

    /** Sends one batch at {@code second} (sample time) with a GOOD value of each named sensor of {@code machine}. */
    private void good(List<AlertRule> rules, int second, String machine, String... sensors) {
        TelemetryBatch.Builder builder = TelemetryBatch.builder(GATEWAY.gateway(), sequence++);
        for (String sensor : sensors) {
            builder.add(micros(second), machine, sensor, 1.0, Quality.GOOD);
        }
        send(rules, builder.build());
    }

    /**
     * {@link #good} every second from {@code from} to {@code to}: the machine keeps reporting, so a
     * gap in its samples is never taken for the machine being off.
     */
    private void goodEach(List<AlertRule> rules, int from, int to, String machine, String... sensors) {
        for (int second = from; second <= to; second++) {
            good(rules, second, machine, sensors);
        }
    }

    private void send(List<AlertRule> rules, TelemetryBatch batch) {
        out.addAll(silence.onBatch(new ReceivedBatch(GATEWAY, batch, batch.timestampsMicros()[0]), rules));
    }

    /** A batch at {@code second} with a GOOD temp of each of {@code count} machines named {@code prefix}0, 1, ... */
    private TelemetryBatch.Builder machines(int second, String prefix, int count) {
        TelemetryBatch.Builder batch = TelemetryBatch.builder(GATEWAY.gateway(), sequence++);
        for (int m = 0; m < count; m++) {
            batch.add(micros(second), prefix + m, "temp", 1.0, Quality.GOOD);
        }
        return batch;
    }

    private static long micros(int second) {
        return (T0 + second * 1_000L) * 1_000L;
    }

    private List<AlertTransition.Type> types() {
        return out.stream().map(AlertTransition::type).toList();
    }

    @Test
    void opensAfterSilenceOfSampleTimeWhileTheMachineReportsAndResolvesWhenTheSensorReturns() {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "quiet", null, null, 5_000, 0, 0));
        for (int s = 0; s <= 2; s++) {
            good(rules, s, "press-1", "temp", "vibration");
        }
        for (int s = 3; s <= 6; s++) {
            good(rules, s, "press-1", "temp");
        }
        assertEquals(List.of(), out, "4 s of silence is less than silence_s");
        good(rules, 7, "press-1", "temp");
        assertEquals(List.of(AlertTransition.Type.OPENED), types());
        AlertTransition opened = out.get(0);
        assertEquals("press-1", opened.machine());
        assertEquals("vibration", opened.sensor());
        assertEquals("plant-1", opened.site());
        assertEquals("gw-1", opened.gateway());
        assertEquals(T0 + 7_000, opened.at().toEpochMilli(), "at the machine's sample time");
        assertEquals(5.0, opened.value());
        assertEquals("sensor vibration of machine press-1 sent no good value for 5 s while the machine reported",
                opened.message());
        for (int s = 8; s <= 20; s++) {
            good(rules, s, "press-1", "temp");
        }
        assertEquals(1, out.size(), "one alert while it lasts");
        assertEquals(1, silence.openAlerts());
        // Ticks on a wall clock a day ahead change nothing: the rule is in force.
        out.addAll(silence.onTick(rules, "gw-1", WALL));
        assertEquals(1, out.size());

        good(rules, 21, "press-1", "temp", "vibration");
        assertEquals(List.of(AlertTransition.Type.OPENED, AlertTransition.Type.RESOLVED), types());
        assertEquals(T0 + 21_000, out.get(1).at().toEpochMilli());
        assertEquals("press-1", out.get(1).machine());
        assertEquals("every watched sensor of machine press-1 sends good values again", out.get(1).message());
        assertEquals(0, silence.openAlerts());
    }

    @Test
    void aMachineOrGatewaySilentAsAWholeOpensNothing() {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "quiet", null, null, 5_000, 0, 0));
        good(rules, 0, "press-1", "temp", "vibration");
        good(rules, 1, "press-1", "temp", "vibration");
        // press-1 says nothing for an hour while press-2 goes on, and the wall clock ticks along.
        for (int s = 2; s <= 3_600; s += 60) {
            good(rules, s, "press-2", "temp");
            out.addAll(silence.onTick(rules, "gw-1", WALL + s * 1_000L));
        }
        // Then the whole gateway is quiet for a day; then press-1 comes back, its vibration a second
        // after its temperature (another batch): the day counts as no sensor's silence.
        out.addAll(silence.onTick(rules, "gw-1", WALL + 90_000_000L));
        good(rules, 90_000, "press-1", "temp");
        good(rules, 90_000, "press-2", "temp");
        good(rules, 90_001, "press-1", "temp", "vibration");
        assertEquals(List.of(), out);

        // Back at work, a vibration that stops is silent again after 5 s of press-1's samples.
        for (int s = 90_002; s <= 90_008; s++) {
            good(rules, s, "press-1", "temp");
        }
        assertEquals(List.of(AlertTransition.Type.OPENED), types());
        assertTrue(out.get(0).message().contains("vibration") && out.get(0).message().contains("for 5 s"),
                out.get(0).message());
    }

    @Test
    void anOpenAlertStaysOpenWhileItsMachinePausesAndResumesWithoutTheSilentSensor() {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "quiet", null, null, 5_000, 0, 0));
        good(rules, 0, "press-1", "temp", "vibration");
        goodEach(rules, 1, 8, "press-1", "temp");
        assertEquals(List.of(AlertTransition.Type.OPENED), types());
        // The machine is off for an hour (a break, the night) and comes back with its vibration still dead.
        goodEach(rules, 3_600, 3_620, "press-1", "temp");
        assertEquals(List.of(AlertTransition.Type.OPENED), types(), "the sensor never sent a good value again");
        assertEquals(1, silence.openAlerts());
        good(rules, 3_621, "press-1", "temp", "vibration");
        assertEquals(List.of(AlertTransition.Type.OPENED, AlertTransition.Type.RESOLVED), types());
        assertEquals(T0 + 3_621_000, out.get(1).at().toEpochMilli());
    }

    @Test
    void aSensorNeverSeenGoodIsNotSilent() {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "quiet", null, null, 5_000, 0, 0));
        for (int s = 0; s <= 30; s++) {
            TelemetryBatch batch = TelemetryBatch.builder("gw-1", sequence++)
                    .add(micros(s), "press-1", "temp", 20.0, Quality.GOOD)
                    .add(micros(s), "press-1", "broken", 0.0, Quality.BAD)
                    .add(micros(s), "press-1", "unsure", 1.0, Quality.UNCERTAIN)
                    .add(micros(s), "press-1", "nan", Double.NaN, Quality.GOOD)
                    .build();
            send(rules, batch);
        }
        assertEquals(List.of(), out);
        assertEquals(1, silence.sensors(), "only the sensor that sent a good value is remembered");
    }

    @Test
    void aSensorSendingOnlyBadQualityOrNonFiniteValuesIsSilent() {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "quiet", null, null, 3_000, 0, 0));
        good(rules, 0, "press-1", "temp", "pressure");
        Quality[] qualities = {Quality.BAD, Quality.UNCERTAIN, Quality.GOOD};
        double[] values = {5.0, 5.0, Double.POSITIVE_INFINITY};
        for (int s = 1; s <= 3; s++) {
            send(rules, TelemetryBatch.builder("gw-1", sequence++)
                    .add(micros(s), "press-1", "temp", 20.0, Quality.GOOD)
                    .add(micros(s), "press-1", "pressure", values[s - 1], qualities[s - 1])
                    .build());
        }
        assertEquals(List.of(AlertTransition.Type.OPENED), types());
        assertEquals("pressure", out.get(0).sensor());
        assertEquals(T0 + 3_000, out.get(0).at().toEpochMilli());
    }

    @Test
    void aSensorFilterWatchesOnlyThatSensorAndAMachineFilterOnlyThatMachine() {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "quiet", "press-1", "pressure", 3_000, 0, 0));
        good(rules, 0, "press-1", "temp", "pressure");
        good(rules, 0, "press-2", "temp", "pressure");
        for (int s = 1; s <= 10; s++) {
            good(rules, s, "press-1", "pressure");
            good(rules, s, "press-2", "temp");
        }
        assertEquals(List.of(), out, "temp of press-1 and pressure of press-2 are not watched");
        assertEquals(1, silence.machines());
        assertEquals(1, silence.sensors());
        for (int s = 11; s <= 14; s++) {
            good(rules, s, "press-1", "temp");
        }
        assertEquals(List.of(AlertTransition.Type.OPENED), types());
        assertEquals("press-1", out.get(0).machine());
        assertEquals("pressure", out.get(0).sensor());
    }

    @Test
    void everySilentSensorMustReturnBeforeTheAlertResolvesAndTheMessageNamesThemAll() {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "quiet", null, null, 2_000, 0, 0));
        good(rules, 0, "press-1", "a", "b", "c", "d", "e", "f", "g", "h");
        good(rules, 1, "press-1", "a", "b");
        good(rules, 2, "press-1", "a");
        assertEquals(List.of(AlertTransition.Type.OPENED), types());
        assertNull(out.get(0).sensor(), "several silent sensors: the alert is the machine's");
        assertEquals("sensors c (2 s), d (2 s), e (2 s), f (2 s), g (2 s) and 1 more of machine press-1 sent no good"
                + " value while the machine reported", out.get(0).message());
        good(rules, 3, "press-1", "a", "b", "c", "d", "e", "f", "g");
        assertEquals(1, out.size(), "h is still silent");
        good(rules, 4, "press-1", "h");
        assertEquals(List.of(AlertTransition.Type.OPENED, AlertTransition.Type.RESOLVED), types());
    }

    @Test
    void theAlertOfARuleWatchingOneSensorResolvesNamingThatSensor() {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "vib", null, "vibration", 2_000, 0, 0));
        good(rules, 0, "press-1", "temp", "vibration");
        goodEach(rules, 1, 2, "press-1", "temp");
        good(rules, 3, "press-1", "temp", "vibration");
        assertEquals(List.of(AlertTransition.Type.OPENED, AlertTransition.Type.RESOLVED), types());
        assertEquals("sensor vibration of machine press-1 sends good values again", out.get(1).message());
    }

    @Test
    void holdAndClearHoldCountInSampleTime() {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "quiet", null, null, 2_000, 3_000, 2_000));
        good(rules, 0, "press-1", "temp", "vibration");
        good(rules, 2, "press-1", "temp");
        good(rules, 3, "press-1", "temp");
        good(rules, 4, "press-1", "temp", "vibration");
        assertEquals(List.of(), out, "the silence (from 2 s) ended at 4 s, before hold_s had passed");
        for (int s = 5; s <= 9; s++) {
            good(rules, s, "press-1", "temp");
        }
        assertEquals(List.of(AlertTransition.Type.OPENED), types());
        assertEquals(T0 + 9_000, out.get(0).at().toEpochMilli(), "silent from 6 s, open after 3 s of hold");
        good(rules, 10, "press-1", "temp", "vibration");
        good(rules, 11, "press-1", "temp", "vibration");
        assertEquals(1, out.size(), "back for 1 s: the clear hold is under way");
        good(rules, 12, "press-1", "temp", "vibration");
        assertEquals(List.of(AlertTransition.Type.OPENED, AlertTransition.Type.RESOLVED), types());
        assertEquals(T0 + 12_000, out.get(1).at().toEpochMilli());
    }

    @Test
    void aRemovedRuleResolvesItsAlertAndItsMemoryIsDropped() {
        AlertRule rule = Rules.sensorSilent("acme", "quiet", null, null, 1_000, 0, 0);
        good(List.of(rule), 0, "press-1", "temp", "vibration");
        goodEach(List.of(rule), 1, 2, "press-1", "temp");
        assertEquals(List.of(AlertTransition.Type.OPENED), types());
        assertFalse(silence.isEmpty(), "a watched machine is remembered");
        out.addAll(silence.onTick(List.of(Rules.threshold("acme", "hot", "temp", 80, 70, 0, 0)), "gw-1", WALL));
        assertEquals(List.of(AlertTransition.Type.OPENED, AlertTransition.Type.RESOLVED), types());
        assertEquals(WALL, out.get(1).at().toEpochMilli());
        assertTrue(out.get(1).actor().contains("rule changed"), out.get(1).actor());
        assertTrue(silence.isEmpty(), "nothing watched, nothing remembered");
        assertEquals(0, silence.sensors(), "the forgotten machine's sensors are no longer counted");
        // Without sensor_silent rules a gateway's batches are not even looked at.
        good(List.of(), 3, "press-1", "temp");
        assertTrue(silence.isEmpty());
    }

    @Test
    void aChangedRuleIsJudgedAtTheNextTickOnTheMachinesClock() {
        AlertRule any = Rules.sensorSilent("acme", "quiet", null, null, 2_000, 0, 0);
        good(List.of(any), 0, "press-1", "temp", "vibration");
        goodEach(List.of(any), 1, 3, "press-1", "temp");
        assertEquals(List.of(AlertTransition.Type.OPENED), types());
        // Version 2 watches temp only, which is not silent; the machine sends nothing more.
        AlertRule tempOnly = new AlertRule("acme", "quiet", 2, RuleKind.SENSOR_SILENT, "warning", null, null, "temp",
                true, Double.NaN, Double.NaN, 0, 0, 2_000);
        out.addAll(silence.onTick(List.of(tempOnly), "gw-1", WALL));
        assertEquals(List.of(AlertTransition.Type.OPENED, AlertTransition.Type.RESOLVED), types());
        assertEquals(T0 + 3_000, out.get(1).at().toEpochMilli(), "at the machine's latest sample time");
        assertEquals(2, out.get(1).rule().version());
        assertEquals(1, silence.sensors(), "vibration is no longer watched, so no longer remembered");
        assertEquals(1, silence.copy().sensors(), "a copy counts the sensors it holds: vibration is gone");
    }

    @Test
    void namesBeyondTheCapsAreRefusedAndCountedNotRemembered() {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "quiet", null, null, 1_000, 0, 0));
        send(rules, machines(0, "machine-", SensorSilence.MAX_MACHINES + 10).build());
        assertEquals(SensorSilence.MAX_MACHINES, silence.machines());
        assertEquals(10, silence.refusedSamples());

        TelemetryBatch.Builder sensors = TelemetryBatch.builder("gw-1", sequence++);
        for (int s = 0; s < SensorSilence.MAX_SENSORS; s++) {
            sensors.add(micros(0), "machine-0", "sensor-" + s, 1.0, Quality.GOOD);
        }
        send(rules, sensors.build());
        assertEquals(SensorSilence.MAX_SENSORS, silence.sensors());
        assertEquals(10 + SensorSilence.MAX_MACHINES, silence.refusedSamples(),
                "the 1,024 machines' temp sensors took 1,024 places, so the last 1,024 new names did not fit");
        // The remembered ones are still watched: every one of machine-0's sensors but one falls silent.
        goodEach(rules, 1, 5, "machine-0", "sensor-0");
        assertEquals(List.of(AlertTransition.Type.OPENED), types());
        assertTrue(out.get(0).message().endsWith("more of machine machine-0 sent no good value while the machine"
                + " reported"), out.get(0).message());
    }

    @Test
    void aNewMachineTakesThePlaceOfTheMachineQuietLongestThatNoConditionHolds() {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "quiet", null, null, 1_000, 0, 0));
        TelemetryBatch.Builder fleet = machines(0, "machine-", SensorSilence.MAX_MACHINES);
        fleet.add(micros(0), "machine-5", "vibration", 1.0, Quality.GOOD);
        send(rules, fleet.build());
        // machine-5 goes on reporting without its vibration sensor: its alert opens and holds it.
        goodEach(rules, 1, 3, "machine-5", "temp");
        assertEquals(List.of(AlertTransition.Type.OPENED), types());
        // machine-6 reported more recently than the others, and has no condition.
        good(rules, 4, "machine-6", "temp");
        assertEquals(SensorSilence.MAX_MACHINES, silence.machines());

        goodEach(rules, 10, 10, "machine-new", "temp", "vibration");
        assertEquals(SensorSilence.MAX_MACHINES, silence.machines());
        assertEquals(1, silence.forgottenMachines());
        assertEquals(0, silence.refusedSamples());
        assertEquals(SensorSilence.MAX_MACHINES + 1 + 1, silence.sensors(),
                "one temp forgotten, the new machine's two sensors learnt");
        // The new machine is watched: its vibration falls silent and its alert opens.
        goodEach(rules, 11, 12, "machine-new", "temp");
        assertEquals(List.of(AlertTransition.Type.OPENED, AlertTransition.Type.OPENED), types());
        assertEquals("machine-new", out.get(1).machine());
        // Neither the machine with an open alert nor the one quiet for less long was forgotten.
        good(rules, 13, "machine-5", "temp", "vibration");
        assertEquals(AlertTransition.Type.RESOLVED, out.get(2).type());
        assertEquals("machine-5", out.get(2).machine());
        good(rules, 14, "machine-new-2", "temp");
        good(rules, 14, "machine-6", "temp");
        assertEquals(2, silence.forgottenMachines());
        assertEquals(0, silence.refusedSamples(), "machine-6 was still remembered");
    }

    @Test
    void withoutAMachineQuietForLongerThanEverySilenceNewNamesAreRefused() {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "quiet", null, null, 1_000, 0, 0),
                Rules.sensorSilent("acme", "slow", null, null, 60_000, 0, 0));
        send(rules, machines(0, "machine-", SensorSilence.MAX_MACHINES).build());
        send(rules, machines(30, "newcomer-", 3).build());
        assertEquals(0, silence.forgottenMachines(), "30 s of quiet is less than the 60 s silence watched");
        assertEquals(3, silence.refusedSamples());
        good(rules, 61, "newcomer-0", "temp");
        assertEquals(1, silence.forgottenMachines(), "quiet for 61 s now");
        assertEquals(3, silence.refusedSamples());
    }

    @Test
    void aMachineQuietForExactlyTheLongestSilenceIsNotForgotten() {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "slow", null, null, 60_000, 0, 0));
        send(rules, machines(0, "machine-", SensorSilence.MAX_MACHINES).build());
        good(rules, 60, "newcomer", "temp");
        assertEquals(0, silence.forgottenMachines(), "quiet for 60 s, not longer than the 60 s silence");
        assertEquals(1, silence.refusedSamples());
    }

    @Test
    void aNewSensorPastTheSensorCapTakesThePlaceOfAQuietMachinesSensors() {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "quiet", null, null, 1_000, 0, 0));
        TelemetryBatch.Builder sensors = TelemetryBatch.builder("gw-1", sequence++);
        for (int s = 0; s < SensorSilence.MAX_SENSORS; s++) {
            sensors.add(micros(0), "machine-" + s % 8, "sensor-" + s, 1.0, Quality.GOOD);
        }
        send(rules, sensors.build());
        assertEquals(SensorSilence.MAX_SENSORS, silence.sensors());
        goodEach(rules, 1, 1, "machine-0", "sensor-0");
        assertEquals(List.of(AlertTransition.Type.OPENED), types(), "machine-0's other sensors fell silent");
        good(rules, 5, "machine-9", "temp");
        assertEquals(1, silence.forgottenMachines(), "one of machines 1 to 7, quiet since 0 s");
        assertEquals(SensorSilence.MAX_SENSORS - SensorSilence.MAX_SENSORS / 8 + 1, silence.sensors());
        assertEquals(0, silence.refusedSamples());
    }

    @Test
    void aRestoredStateGoesOnWhereItStopped() throws Exception {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "quiet", null, null, 3_000, 2_000, 0),
                Rules.sensorSilent("acme", "vib", null, "vibration", 2_000, 0, 0));
        good(rules, 0, "press-1", "temp", "vibration", "pressure");
        goodEach(rules, 1, 3, "press-1", "temp", "pressure");
        assertEquals(List.of(), out.stream().filter(t -> t.rule().ruleId().equals("quiet")).toList());
        assertEquals(1, out.size(), "vib opened; quiet is pending its hold");

        SensorSilence restored = roundTrip(silence);
        assertEquals(1, restored.openAlerts());
        assertEquals("plant-1", restored.site());
        assertEquals(1, restored.machines());
        assertEquals(3, restored.sensors());
        List<AlertTransition> after = new ArrayList<>(restored.onBatch(batchOf(5, "temp", "pressure"), rules));
        assertEquals(List.of("quiet"), after.stream().map(t -> t.rule().ruleId()).toList(),
                "the hold that began before the restore completes; vib does not open again");
        assertEquals(T0 + 5_000, after.get(0).at().toEpochMilli());
        after.addAll(restored.onBatch(batchOf(6, "temp", "pressure", "vibration"), rules));
        assertEquals(List.of(AlertTransition.Type.OPENED, AlertTransition.Type.RESOLVED, AlertTransition.Type.RESOLVED),
                after.stream().map(AlertTransition::type).toList());
    }

    @Test
    void messageOfOneSilentSensor() {
        Map<String, Long> silent = new TreeMap<>(Map.of("vibration_mm_s", 95_400L));
        assertEquals("sensor vibration_mm_s of machine l01-m-004 sent no good value for 95 s while the machine reported",
                SensorSilence.silenceMessage("l01-m-004", silent));
    }

    private ReceivedBatch batchOf(int second, String... sensors) {
        TelemetryBatch.Builder builder = TelemetryBatch.builder(GATEWAY.gateway(), sequence++);
        for (String sensor : sensors) {
            builder.add(micros(second), "press-1", sensor, 1.0, Quality.GOOD);
        }
        return new ReceivedBatch(GATEWAY, builder.build(), micros(second));
    }

    @Test
    void aStateInTheGenericFormIsMigratedToTheVersionedFormAndGoesOnWhereItStopped() throws Exception {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "vib", null, "vibration", 2_000, 0, 0));
        good(rules, 0, "press-1", "temp", "vibration");
        goodEach(rules, 1, 3, "press-1", "temp");
        assertEquals(List.of(AlertTransition.Type.OPENED), types());
        // Releases before the versioned form kept the state in Flink's generic form.
        TypeSerializer<SensorSilence> generic = TypeInformation.of(SensorSilence.class)
                .createSerializer(new SerializerConfigImpl());
        DataOutputSerializer stored = new DataOutputSerializer(256);
        generic.serialize(silence, stored);
        TypeSerializerSnapshot<SensorSilence> previous = generic.snapshotConfiguration();
        assertTrue(new SensorSilenceSerializer.Snapshot().resolveSchemaCompatibility(previous)
                .isCompatibleAfterMigration());

        SensorSilence migrated = roundTrip(previous.restoreSerializer().deserialize(
                new DataInputDeserializer(stored.getCopyOfBuffer())));
        assertEquals(1, migrated.machines());
        assertEquals(1, migrated.sensors(), "the watched vibration only");
        assertEquals(List.of(), migrated.onBatch(batchOf(4, "temp"), rules), "the open alert stays open, once");
        assertEquals(List.of(AlertTransition.Type.RESOLVED), migrated.onBatch(batchOf(5, "temp", "vibration"), rules)
                .stream().map(AlertTransition::type).toList());
    }

    @Test
    void aRestoredStateKeepsItsCountsAndACopyIsDeep() throws Exception {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "quiet", null, null, 1_000, 0, 0));
        send(rules, machines(0, "machine-", SensorSilence.MAX_MACHINES + 3).build());
        assertEquals(3, silence.refusedSamples());
        silence.onTick(rules, GATEWAY.gateway(), WALL); // prunes for these rules, remembered as done
        good(rules, 5, "machine-1", "temp"); // back after a gap longer than the silence: its resume is kept
        SensorSilence restored = roundTrip(silence);
        assertArrayEquals(silence.snapshot(), restored.snapshot());
        assertEquals(3, restored.refusedSamples());
        assertEquals(SensorSilence.MAX_MACHINES, restored.machines());
        assertEquals(SensorSilence.MAX_MACHINES, restored.sensors());

        SensorSilence copy = SensorSilenceSerializer.INSTANCE.copy(silence);
        good(rules, 6, "machine-0", "temp");
        goodEach(rules, 7, 8, "machine-0", "vibration");
        assertEquals(List.of(AlertTransition.Type.OPENED), types(), "the original's machine-0 lost its temp");
        assertEquals(0, copy.openAlerts(), "the copy's machines are its own");
    }

    /**
     * The rules a state was last pruned for are kept in its snapshot and compared after a restore: a
     * value that moved with the JVM (an enum's identity hash) would see changed rules after every
     * restart. It is the hash of the rules' text, in which the kind is its name.
     */
    @Test
    void theRulesPrunedForAreRememberedByAValueOfTheirTextThatNoJvmChanges() throws Exception {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "quiet", "press-1", "vibration", 5_000, 0, 0),
                Rules.sensorSilent("acme", "quiet-all", null, null, 60_000, 1_000, 2_000));
        silence.onTick(rules, GATEWAY.gateway(), WALL);
        int expected = 1;
        for (AlertRule rule : rules) {
            assertTrue(rule.toString().contains("kind=SENSOR_SILENT"), rule.toString());
            expected = 31 * expected + rule.toString().hashCode();
        }
        // String's hash is specified: these rules give this value in every JVM (a new field of a rule changes it).
        assertEquals(-1662435106, expected);
        try (java.io.DataInputStream in = new java.io.DataInputStream(
                new java.io.ByteArrayInputStream(silence.snapshot()))) {
            in.skipNBytes(4 + 1 + 4 + 8); // version, no site, no machine, refused samples
            assertEquals(expected, in.readInt(), "the rules pruned for");
        }
    }

    @Test
    void theVersionedFormIsCompatibleAsItIs() {
        TypeSerializerSnapshot<SensorSilence> own = SensorSilenceSerializer.INSTANCE.snapshotConfiguration();
        assertTrue(new SensorSilenceSerializer.Snapshot().resolveSchemaCompatibility(own).isCompatibleAsIs());
    }

    @Test
    void aDamagedSnapshotIsRefusedSayingWhatIsWrong() {
        List<AlertRule> rules = List.of(Rules.sensorSilent("acme", "vib", null, "vibration", 2_000, 0, 0));
        good(rules, 0, "press-1", "temp", "vibration");
        byte[] good = silence.snapshot();
        byte[] version = good.clone();
        version[3] = 9;
        assertEquals("sensor silence state version 9 is unknown (expected 1).",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> SensorSilence.fromSnapshot(version)).getMessage());
        assertEquals("sensor silence state is truncated or malformed.",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> SensorSilence.fromSnapshot(java.util.Arrays.copyOf(good, good.length - 1))).getMessage());
        byte[] machines = good.clone();
        int count = 4 + 1 + 2 + "plant-1".length(); // version, site present, site
        java.util.Arrays.fill(machines, count, count + 4, (byte) 0xff);
        assertEquals("sensor silence state claims -1 machines.",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> SensorSilence.fromSnapshot(machines)).getMessage());
    }

    private static SensorSilence roundTrip(SensorSilence state) throws Exception {
        DataOutputSerializer bytes = new DataOutputSerializer(256);
        SensorSilenceSerializer.INSTANCE.serialize(state, bytes);
        return SensorSilenceSerializer.INSTANCE.deserialize(new DataInputDeserializer(bytes.getCopyOfBuffer()));
    }
}
