package io.werkstrom.jobs.alert;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * The {@code sensor_silent} rules of one gateway: a sensor that has sent a good, finite value
 * before and then sends none for {@code silence_s} of <em>sample time while its machine reports
 * other samples</em>. For every watched machine it remembers the machine's latest sample time (any
 * sensor, any quality) and each sensor's last good sample time; a sensor is silent when the
 * difference reaches the rule's silence. A gateway that goes quiet as a whole stops the machine's
 * sample clock too, so it opens nothing here ({@code gateway_offline} covers it); when the machine
 * reports again after a gap in its samples longer than the shortest silence watched, the gap counts
 * as no sensor's silence, so sensors that report after the others open nothing either (an alert
 * already open stays open: its sensors have sent no good value since; a sensor that reports after
 * the others joins its silent sensors until it does). A backlog
 * replayed from a spool is judged as it happened. The condition is per machine and rule and runs
 * through {@link ConditionTracker} on the machine's sample clock, so {@code hold_s} and
 * {@code clear_hold_s} apply as for threshold rules; it ends when every silent sensor the rule
 * watches sends a good value again.
 *
 * <p>Memory is bounded: at most {@link #MAX_MACHINES} machines and {@link #MAX_SENSORS} sensors
 * (all machines together) per gateway are remembered, and only those some rule watches. When a new
 * name would pass a cap, the machine that has been quiet longest is forgotten to make room, if it has
 * been quiet for longer than every watched silence and has no condition pending or open (a machine
 * taken out of service, or renamed; {@link #forgottenMachines()}). When it reports again it is learnt
 * anew, so a sensor that died while it was away opens nothing. Without such a machine, samples of
 * the new name are counted in {@link #refusedSamples()} and otherwise ignored. Memory of machines and
 * sensors that no rule watches any more is dropped at the next tick.
 *
 * <p>Kept in its own keyed state entry, next to {@link GatewayAlerts}, so that state written
 * before this rule kind existed restores unchanged, in a versioned form of its own
 * ({@link #snapshot()}, {@link SensorSilenceSerializer}); savepoints of releases before that form hold
 * it in Flink's generic (Kryo) form, read through it once on restore, so the fields stay as they are.
 * The rules passed in must be those of this gateway's tenant. Mutable, not thread-safe: one per
 * gateway in keyed state.
 */
public final class SensorSilence implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The version of {@link #snapshot()}'s form. */
    private static final int VERSION = 1;
    private static final String WHAT = "sensor silence state";

    /** Machines remembered per gateway. */
    public static final int MAX_MACHINES = 1_024;
    /** Sensors remembered per gateway, all machines together. */
    public static final int MAX_SENSORS = 8_192;
    /** How many silent sensors an alert message names before it only counts the rest. */
    private static final int NAMED_IN_MESSAGE = 5;

    private String site;
    private final HashMap<String, MachineClock> machines = new HashMap<>();
    private int sensors;
    private long refusedSamples;
    /** Not in the checkpoint (the state's layout stays as it was); counts since the job's start. */
    private transient long forgottenMachines;
    /** Set when no machine could be forgotten, so that the rest of the batch does not search again. */
    private transient boolean nothingToForget;
    /**
     * The watching rules the memory was last pruned for ({@link #rulesFingerprint}), so a tick prunes
     * only after a change; kept in the snapshot, so the same rules after a restart are no change.
     */
    private int prunedForRules;
    private final HashMap<String, ConditionTracker> trackers = new HashMap<>();

    /** One machine's sample clock and its sensors' last good sample times (epoch milliseconds). */
    static final class MachineClock implements Serializable {

        private static final long serialVersionUID = 1L;

        long latestMillis = Long.MIN_VALUE;
        /**
         * When the machine reported again after being quiet as a whole for longer than the shortest
         * silence watched: the time before does not count as any sensor's silence.
         */
        long resumedMillis = Long.MIN_VALUE;
        final HashMap<String, Long> lastGoodMillis = new HashMap<>();
    }

    /** Telemetry arrived: updates the machines' clocks and evaluates the rules for every machine in the batch. */
    public List<AlertTransition> onBatch(ReceivedBatch received, List<AlertRule> rules) {
        String gateway = received.source().gateway();
        List<AlertRule> watching = watching(rules, gateway);
        if (watching.isEmpty()) {
            return List.of();
        }
        site = received.source().site();
        TelemetryBatch batch = received.batch();
        long quietMillis = Long.MAX_VALUE;
        long longestSilenceMillis = 0;
        for (AlertRule rule : watching) {
            quietMillis = Math.min(quietMillis, rule.silenceMillis());
            longestSilenceMillis = Math.max(longestSilenceMillis, rule.silenceMillis());
        }
        nothingToForget = false;
        // The whole batch first: a machine's sensors usually share a batch, and judging after each row
        // would make the later sensors of a sample look silent for an instant.
        Set<String> seen = new LinkedHashSet<>();
        for (int row = 0; row < batch.size(); row++) {
            String machine = batch.machines()[row];
            String sensor = batch.sensors()[row];
            MachineClock clock = machines.get(machine);
            long timeMillis = batch.timestampsMicros()[row] / 1000;
            if (clock == null) {
                if (!watchesMachine(watching, gateway, machine)) {
                    continue;
                }
                if (machines.size() >= MAX_MACHINES && !makeRoom(timeMillis, longestSilenceMillis, seen)) {
                    refusedSamples++;
                    continue;
                }
                clock = new MachineClock();
                machines.put(machine, clock);
            }
            if (clock.latestMillis != Long.MIN_VALUE && timeMillis - clock.latestMillis > quietMillis) {
                // The machine as a whole was quiet (off, or its gateway down): no sensor was silent then.
                clock.resumedMillis = timeMillis;
            }
            clock.latestMillis = Math.max(clock.latestMillis, timeMillis);
            seen.add(machine);
            if (batch.quality(row) != Quality.GOOD || !Double.isFinite(batch.values()[row])) {
                continue;
            }
            Long lastGood = clock.lastGoodMillis.get(sensor);
            if (lastGood != null) {
                clock.lastGoodMillis.put(sensor, Math.max(lastGood, timeMillis));
            } else if (watchesSensor(watching, gateway, machine, sensor)) {
                if (!roomForSensor(timeMillis, longestSilenceMillis, seen)) {
                    refusedSamples++;
                    continue;
                }
                clock.lastGoodMillis.put(sensor, timeMillis);
                sensors++;
            }
        }
        List<AlertTransition> out = new ArrayList<>();
        for (String machine : seen) {
            for (AlertRule rule : watching) {
                if (rule.appliesTo(gateway, machine)) {
                    evaluate(rule, gateway, machine, machines.get(machine), out);
                }
            }
        }
        return out;
    }

    /**
     * The clock moved: conditions whose rule was removed, disabled or narrowed away resolve (at
     * {@code nowMillis}, wall clock); after a change of the rules, memory that no rule needs any more
     * is dropped and the remaining conditions are judged again under the changed rules (at their
     * machine's sample time).
     */
    public List<AlertTransition> onTick(List<AlertRule> rules, String gateway, long nowMillis) {
        List<AlertTransition> out = new ArrayList<>();
        List<AlertRule> watching = watching(rules, gateway);
        Map<String, AlertRule> inForce = new HashMap<>();
        for (AlertRule rule : watching) {
            inForce.put(rule.ruleId(), rule);
        }
        Iterator<Map.Entry<String, ConditionTracker>> entries = trackers.entrySet().iterator();
        while (entries.hasNext()) {
            Map.Entry<String, ConditionTracker> entry = entries.next();
            ConditionTracker tracker = entry.getValue();
            AlertRule last = tracker.rule();
            String machine = ConditionTracker.machineOf(entry.getKey());
            AlertRule current = inForce.get(last.ruleId());
            if (current == null || !current.appliesTo(gateway, machine)) {
                if (tracker.abandon() == ConditionTracker.Change.RESOLVE) {
                    out.add(transition(AlertTransition.Type.RESOLVED, last, gateway, machine, last.sensor(), nowMillis,
                            Double.NaN, "rule " + last.ruleId() + " was removed or changed",
                            AlertTransition.ENGINE + " (rule changed)"));
                }
                entries.remove();
            }
        }
        int fingerprint = rulesFingerprint(watching);
        if (fingerprint != prunedForRules) {
            prune(watching, gateway);
            prunedForRules = fingerprint;
            // A changed rule (another sensor, a longer silence) is judged at once, on the machine's own clock,
            // rather than at the machine's next batch, which may never come.
            for (String key : new ArrayList<>(trackers.keySet())) {
                String machine = ConditionTracker.machineOf(key);
                MachineClock clock = machines.get(machine);
                if (clock != null) {
                    evaluate(inForce.get(trackers.get(key).rule().ruleId()), gateway, machine, clock, out);
                }
            }
        }
        return out;
    }

    /**
     * A value of {@code rules} that every JVM computes alike: the hash of each rule's text, in which
     * the kind is its name. The rules' own hash would not do: an enum's hash is its identity hash,
     * another in each JVM, so every restart would see changed rules (and prune and judge once more).
     */
    static int rulesFingerprint(List<AlertRule> rules) {
        int hash = 1;
        for (AlertRule rule : rules) {
            hash = 31 * hash + rule.toString().hashCode();
        }
        return hash;
    }

    /** Whether nothing is remembered, so the owner need not keep this in state. */
    public boolean isEmpty() {
        return machines.isEmpty() && trackers.isEmpty() && refusedSamples == 0;
    }

    /** Samples ignored because their machine or sensor name was beyond the caps; never decreases. */
    public long refusedSamples() {
        return refusedSamples;
    }

    /** Machines forgotten to make room for new names since the job started (not checkpointed). */
    public long forgottenMachines() {
        return forgottenMachines;
    }

    /** Machines remembered. */
    public int machines() {
        return machines.size();
    }

    /** Sensors remembered, all machines together. */
    public int sensors() {
        return sensors;
    }

    /** Open alerts of this gateway's sensor_silent rules. */
    public long openAlerts() {
        return trackers.values().stream().filter(ConditionTracker::alertOpen).count();
    }

    /** The gateway's site, once a batch named it. */
    public String site() {
        return site;
    }

    /**
     * The state in a stable, versioned binary form: the site, each machine's clock with its
     * sensors' last good times, the counts, and the conditions under way with their rules. The
     * counts since the job's start ({@link #forgottenMachines()}) are not part of it.
     */
    byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(VERSION);
            AlertStateFormat.writeNullable(out, site);
            out.writeInt(machines.size());
            for (Map.Entry<String, MachineClock> machine : machines.entrySet()) {
                MachineClock clock = machine.getValue();
                out.writeUTF(machine.getKey());
                out.writeLong(clock.latestMillis);
                out.writeLong(clock.resumedMillis);
                out.writeInt(clock.lastGoodMillis.size());
                for (Map.Entry<String, Long> sensor : clock.lastGoodMillis.entrySet()) {
                    out.writeUTF(sensor.getKey());
                    out.writeLong(sensor.getValue());
                }
            }
            out.writeLong(refusedSamples);
            out.writeInt(prunedForRules);
            AlertStateFormat.writeConditions(out, trackers);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads {@link #snapshot()}'s form; the sensors are counted as read, so the count cannot disagree
     * with the machines.
     *
     * @throws IllegalArgumentException when the bytes are not such a snapshot
     */
    static SensorSilence fromSnapshot(byte[] snapshot) {
        SensorSilence silence = new SensorSilence();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot))) {
            int version = in.readInt();
            if (version != VERSION) {
                throw new IllegalArgumentException(WHAT + " version " + version + " is unknown (expected " + VERSION
                        + ").");
            }
            silence.site = AlertStateFormat.readNullable(in);
            int machines = AlertStateFormat.count(in.readInt(), "machines", WHAT);
            for (int m = 0; m < machines; m++) {
                String machine = in.readUTF();
                MachineClock clock = new MachineClock();
                clock.latestMillis = in.readLong();
                clock.resumedMillis = in.readLong();
                int sensors = AlertStateFormat.count(in.readInt(), "sensors", WHAT);
                for (int s = 0; s < sensors; s++) {
                    clock.lastGoodMillis.put(in.readUTF(), in.readLong());
                }
                silence.machines.put(machine, clock);
                silence.sensors += clock.lastGoodMillis.size();
            }
            silence.refusedSamples = in.readLong();
            silence.prunedForRules = in.readInt();
            AlertStateFormat.readConditions(in, silence.trackers, WHAT);
            if (in.available() > 0) {
                throw new IllegalArgumentException(WHAT + " has " + in.available() + " trailing bytes.");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(WHAT + " is truncated or malformed.", e);
        }
        return silence;
    }

    /** A deep copy, the counts since the job's start too. */
    SensorSilence copy() {
        SensorSilence copy = fromSnapshot(snapshot());
        copy.forgottenMachines = forgottenMachines;
        return copy;
    }

    private void evaluate(AlertRule rule, String gateway, String machine, MachineClock clock,
                          List<AlertTransition> out) {
        long now = clock.latestMillis;
        String key = ConditionTracker.key(rule.ruleId(), machine);
        ConditionTracker tracker = trackers.get(key);
        // A pause of the whole machine opens nothing, but it does not end an open alert either: that ends
        // only when its sensors send good values again.
        long resumed = tracker != null && tracker.alertOpen() ? Long.MIN_VALUE : clock.resumedMillis;
        Map<String, Long> silent = new TreeMap<>();
        for (Map.Entry<String, Long> sensor : clock.lastGoodMillis.entrySet()) {
            long since = Math.max(sensor.getValue(), resumed);
            if ((rule.sensor() == null || rule.sensor().equals(sensor.getKey()))
                    && now - since >= rule.silenceMillis()) {
                silent.put(sensor.getKey(), now - since);
            }
        }
        if (tracker == null) {
            if (silent.isEmpty()) {
                // Idle trackers carry nothing; not creating them keeps the map as small as the silences.
                return;
            }
            tracker = new ConditionTracker();
            trackers.put(key, tracker);
        }
        long longest = silent.values().stream().mapToLong(Long::longValue).max().orElse(0);
        ConditionTracker.Change change = tracker.observe(rule, !silent.isEmpty(), now, rule.holdMillis(),
                longest / 1000.0);
        if (change == ConditionTracker.Change.OPEN) {
            String sensor = rule.sensor() != null ? rule.sensor()
                    : silent.size() == 1 ? silent.keySet().iterator().next() : null;
            out.add(transition(AlertTransition.Type.OPENED, rule, gateway, machine, sensor, now, longest / 1000.0,
                    silenceMessage(machine, silent), AlertTransition.ENGINE));
        } else if (change == ConditionTracker.Change.RESOLVE) {
            out.add(transition(AlertTransition.Type.RESOLVED, rule, gateway, machine, rule.sensor(), now, Double.NaN,
                    (rule.sensor() != null ? "sensor " + rule.sensor() : "every watched sensor") + " of machine "
                            + machine + " sends good values again", AlertTransition.ENGINE));
        }
        if (tracker.phase() == ConditionTracker.Phase.IDLE) {
            trackers.remove(key);
        }
    }

    /** E.g. {@code sensor vibration_mm_s of machine l01-m-004 sent no good value for 95 s while the machine reported}. */
    static String silenceMessage(String machine, Map<String, Long> silentMillis) {
        if (silentMillis.size() == 1) {
            Map.Entry<String, Long> only = silentMillis.entrySet().iterator().next();
            return String.format(Locale.ROOT, "sensor %s of machine %s sent no good value for %d s while the machine"
                    + " reported", only.getKey(), machine, only.getValue() / 1000);
        }
        StringBuilder names = new StringBuilder();
        int named = 0;
        for (Map.Entry<String, Long> sensor : silentMillis.entrySet()) {
            if (named == NAMED_IN_MESSAGE) {
                names.append(" and ").append(silentMillis.size() - named).append(" more");
                break;
            }
            names.append(named == 0 ? "" : ", ").append(sensor.getKey()).append(" (")
                    .append(sensor.getValue() / 1000).append(" s)");
            named++;
        }
        return "sensors " + names + " of machine " + machine + " sent no good value while the machine reported";
    }

    /** Whether a new sensor fits, after forgetting machines if need be (a machine may have no sensors). */
    private boolean roomForSensor(long nowMillis, long longestSilenceMillis, Set<String> keep) {
        while (sensors >= MAX_SENSORS) {
            if (!makeRoom(nowMillis, longestSilenceMillis, keep)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a machine was forgotten to make room for a new name (see {@link #forgetQuietMachine}). */
    private boolean makeRoom(long nowMillis, long longestSilenceMillis, Set<String> keep) {
        if (nothingToForget) {
            return false;
        }
        nothingToForget = !forgetQuietMachine(nowMillis, longestSilenceMillis, keep);
        return !nothingToForget;
    }

    /**
     * Forgets the machine quiet longest, other than those in {@code keep} (this batch's), if its latest
     * sample is older than {@code nowMillis} by more than every watched silence and it has no condition
     * pending or open. Returns whether one was forgotten.
     */
    private boolean forgetQuietMachine(long nowMillis, long longestSilenceMillis, Set<String> keep) {
        Set<String> judged = new HashSet<>();
        for (String key : trackers.keySet()) {
            judged.add(ConditionTracker.machineOf(key));
        }
        String quietest = null;
        long quietSince = Long.MAX_VALUE;
        for (Map.Entry<String, MachineClock> entry : machines.entrySet()) {
            long latest = entry.getValue().latestMillis;
            if (latest < quietSince && !keep.contains(entry.getKey()) && !judged.contains(entry.getKey())) {
                quietest = entry.getKey();
                quietSince = latest;
            }
        }
        if (quietest == null || nowMillis - quietSince <= longestSilenceMillis) {
            return false;
        }
        sensors -= machines.remove(quietest).lastGoodMillis.size();
        forgottenMachines++;
        return true;
    }

    /** Drops machines and sensors that no rule in force watches; their conditions were abandoned already. */
    private void prune(List<AlertRule> watching, String gateway) {
        Iterator<Map.Entry<String, MachineClock>> entries = machines.entrySet().iterator();
        while (entries.hasNext()) {
            Map.Entry<String, MachineClock> entry = entries.next();
            String machine = entry.getKey();
            if (!watchesMachine(watching, gateway, machine)) {
                sensors -= entry.getValue().lastGoodMillis.size();
                entries.remove();
                continue;
            }
            Iterator<String> names = entry.getValue().lastGoodMillis.keySet().iterator();
            while (names.hasNext()) {
                if (!watchesSensor(watching, gateway, machine, names.next())) {
                    names.remove();
                    sensors--;
                }
            }
        }
    }

    /** Whether one of {@code rules} is a sensor_silent rule for {@code gateway}. */
    public static boolean watches(List<AlertRule> rules, String gateway) {
        return !watching(rules, gateway).isEmpty();
    }

    private static List<AlertRule> watching(List<AlertRule> rules, String gateway) {
        List<AlertRule> watching = new ArrayList<>();
        for (AlertRule rule : rules) {
            if (rule.kind() == RuleKind.SENSOR_SILENT && rule.appliesTo(gateway, null)) {
                watching.add(rule);
            }
        }
        return watching;
    }

    private static boolean watchesMachine(List<AlertRule> watching, String gateway, String machine) {
        for (AlertRule rule : watching) {
            if (rule.appliesTo(gateway, machine)) {
                return true;
            }
        }
        return false;
    }

    private static boolean watchesSensor(List<AlertRule> watching, String gateway, String machine, String sensor) {
        for (AlertRule rule : watching) {
            if (rule.appliesTo(gateway, machine) && (rule.sensor() == null || rule.sensor().equals(sensor))) {
                return true;
            }
        }
        return false;
    }

    private AlertTransition transition(AlertTransition.Type type, AlertRule rule, String gateway, String machine,
                                       String sensor, long atMillis, double value, String message, String actor) {
        return new AlertTransition(type, rule, site == null ? "unknown" : site, gateway, machine, sensor,
                Instant.ofEpochMilli(atMillis), value, message, actor);
    }
}
