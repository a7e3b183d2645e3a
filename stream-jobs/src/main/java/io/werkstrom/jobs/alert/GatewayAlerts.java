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
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.jobs.storage.DetectedAnomaly;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * The alert rules of one gateway, evaluated over everything the job learns about it: its
 * telemetry, its anomalies, scrap predictions for its machines, its status and its events.
 * Each method returns the alerts to open or resolve; flapping is absorbed by
 * {@link ConditionTracker}'s hold times.
 *
 * <p>Clocks: threshold and scrap conditions run on the data's own time (sample time, cycle end),
 * so a backlog replayed from a gateway's spool is judged as it happened. Anomaly, data gap and
 * offline conditions run on the wall clock ({@code nowMillis}), because they end by the absence
 * of events, which only a clock can see; {@link #onTick} drives them.
 *
 * <p>A level condition (threshold, scrap) only moves forward in the data's time: it ignores a
 * sample or prediction at or before the last one it took ({@link ConditionTracker#takesLevelAt}).
 * Batches reach this class as decoded, before the storage drops repeats, so a batch the broker
 * delivers again (after a failover of the job, or a gateway's resend after a lost acknowledgement)
 * comes with the times already taken; judged again, it would set a condition that has since ended,
 * or reopen its alert from stale data. A gateway sends its spool oldest first, in sequence order,
 * so the backlog after an outage still comes in time order and is judged as it happened. A batch
 * handled after a newer one (with several readers sharing a subscription one can overtake another)
 * is late: level rules ignore its samples, as alerts are about the condition now, and its rows are
 * stored all the same. An equal time counts as taken, since a repeat carries exactly the times
 * taken: of two different samples of one machine's sensor at the same microsecond (which a gateway
 * should not send; the storage keeps both) the condition judges the first it keeps a time for.
 *
 * <p>To recognise a repeat after its alert resolved, a level condition that has been under way
 * keeps its tracker when idle, with the time of its last observation, as long as its rule is in
 * force and watches the same (a version that watches another sensor or direction starts afresh).
 * One that never went active keeps nothing, so machine names whose values stay within limits grow
 * no state, and takes any sample (nothing it was sent before set it). At most
 * {@link #MAX_IDLE_LEVEL_CONDITIONS} idle ones are kept per gateway; past that, the one whose last
 * observation is oldest is forgotten and, like a calm one, takes any sample again.
 *
 * <p>{@code sensor_silent} rules are evaluated by {@link SensorSilence}, in a keyed state entry of
 * their own; this class ignores them.
 *
 * <p>The rules passed in must be those of this gateway's tenant. Mutable, not thread-safe: one per
 * gateway in keyed state, written in a versioned form of its own ({@link #snapshot()},
 * {@link GatewayAlertsSerializer}). Savepoints of releases before that form hold it in Flink's
 * generic (Kryo) form, which writes the fields one after the other: they are read through it once,
 * on restore, so the fields stay as they are.
 */
public final class GatewayAlerts implements Serializable {

    private static final long serialVersionUID = 1L;

    /**
     * The version of {@link #snapshot()}'s form. Version 2 added each condition's last level
     * observation time; version 1 is still read, its conditions knowing none.
     */
    private static final int VERSION = 2;
    /**
     * Idle level conditions kept per gateway for the time of their last observation: several level
     * rules for each of the 1,024 machines {@link SensorSilence} remembers, at about 130 bytes of
     * state each.
     */
    static final int MAX_IDLE_LEVEL_CONDITIONS = 4_096;
    private static final String WHAT = "gateway alert state";

    private String site;
    private long lastActivityMillis = Long.MIN_VALUE;
    private boolean saidOffline;
    private final HashMap<String, ConditionTracker> trackers = new HashMap<>();
    /** Set by the owner at every use ({@link #watchingSince}); transient, so the stored form is unchanged. */
    private transient long watchingSinceMillis;
    /**
     * When the cloud received the status in force, {@code Long.MIN_VALUE} when none; kept by the
     * owner ({@link #statusReceivedAt(long)}), transient like {@link #watchingSinceMillis}.
     */
    private transient long statusReceivedAtMicros = Long.MIN_VALUE;
    /**
     * The last sequence named by the status in force, an {@code offline} of a clean shutdown;
     * {@link GatewaySignal#NO_SEQUENCE} when it names none. Kept by the owner
     * ({@link #offlineLastSequence(long)}), transient like {@link #watchingSinceMillis}.
     */
    private transient long offlineLastSequence = GatewaySignal.NO_SEQUENCE;

    /**
     * Telemetry arrived: threshold rules see every good or uncertain sample, and the gateway is alive
     * unless the cloud received the batch no later than the offline status in force, or that status
     * names a last sequence and the batch's is not above it. Batches and status come through
     * different streams, so the last batch before a clean shutdown may be handled after its offline
     * status, and after a failover of the job the broker delivers it again, received anew; it does
     * not bring the gateway back. A batch received in the same microsecond as the offline status
     * keeps the gateway offline too: a gateway that comes back says {@code online} first, received
     * after its {@code offline}.
     */
    public List<AlertTransition> onBatch(ReceivedBatch received, List<AlertRule> rules, long nowMillis) {
        List<AlertTransition> out = new ArrayList<>();
        String gateway = received.source().gateway();
        site = received.source().site();
        if (!saidOffline || (received.receivedAtMicros() > statusReceivedAtMicros
                && received.batch().sequence() > offlineLastSequence)) {
            lastActivityMillis = nowMillis;
            saidOffline = false;
        }
        TelemetryBatch batch = received.batch();
        for (AlertRule rule : rules) {
            if (rule.kind() != RuleKind.THRESHOLD || !rule.appliesTo(gateway, null)) {
                continue;
            }
            for (int row = 0; row < batch.size(); row++) {
                String machine = batch.machines()[row];
                if (!rule.sensor().equals(batch.sensors()[row]) || !rule.appliesTo(gateway, machine)
                        || batch.quality(row) == Quality.BAD) {
                    continue;
                }
                double value = batch.values()[row];
                observeLevel(rule, gateway, machine, value, batch.timestampsMicros()[row], out);
            }
        }
        evaluateOffline(rules, gateway, nowMillis, out);
        return out;
    }

    /** A predicted scrap probability: scrap rules compare it with their limit, at the cycle's end. */
    public List<AlertTransition> onPrediction(ScrapPrediction prediction, List<AlertRule> rules) {
        List<AlertTransition> out = new ArrayList<>();
        site = prediction.site();
        for (AlertRule rule : rules) {
            if (rule.kind() == RuleKind.SCRAP && rule.appliesTo(prediction.gateway(), prediction.machine())) {
                observeLevel(rule, prediction.gateway(), prediction.machine(), prediction.probability(),
                        prediction.cycleEndMicros(), out);
            }
        }
        return out;
    }

    /** An anomaly of this gateway: anomaly rules fire when its score reaches their level (any score when none). */
    public List<AlertTransition> onAnomaly(DetectedAnomaly detected, List<AlertRule> rules, long nowMillis) {
        List<AlertTransition> out = new ArrayList<>();
        Anomaly anomaly = detected.anomaly();
        String gateway = detected.source().gateway();
        site = detected.source().site();
        for (AlertRule rule : rules) {
            if (rule.kind() != RuleKind.ANOMALY || !rule.appliesTo(gateway, anomaly.machine())
                    || (rule.sensor() != null && !rule.sensor().equals(anomaly.sensor()))
                    || anomaly.score() <= anomaly.threshold()
                    || (!Double.isNaN(rule.triggerLevel()) && anomaly.score() < rule.triggerLevel())) {
                continue;
            }
            // An anomaly is an event, not a level: it opens at once; the clear hold is the quiet period.
            if (observe(rule, gateway, anomaly.machine(), true, nowMillis, 0, anomaly.score(), out)
                    == ConditionTracker.Change.OPEN) {
                out.add(transition(AlertTransition.Type.OPENED, rule, gateway, anomaly.machine(), anomaly.sensor(),
                        nowMillis, anomaly.score(), String.format(Locale.ROOT,
                                "anomaly on %s/%s: %s score %.3g above its threshold %.3g", anomaly.machine(),
                                anomaly.sensor(), anomaly.detector(), anomaly.score(), anomaly.threshold())));
            }
        }
        return out;
    }

    /**
     * A status change or event of this gateway. A status the cloud received before the status in
     * force changes nothing: parallel readers of a shared subscription may hand over a gateway's
     * {@code offline} and {@code online} of a restart in the other order.
     */
    public List<AlertTransition> onSignal(GatewaySignal signal, List<AlertRule> rules, long nowMillis) {
        List<AlertTransition> out = new ArrayList<>();
        String gateway = signal.source().gateway();
        site = signal.source().site();
        switch (signal.type()) {
            case ONLINE, OFFLINE -> {
                if (signal.receivedAtMicros() >= statusReceivedAtMicros) {
                    statusReceivedAtMicros = signal.receivedAtMicros();
                    saidOffline = signal.type() == GatewaySignal.Type.OFFLINE;
                    offlineLastSequence = saidOffline ? signal.lastSequence() : GatewaySignal.NO_SEQUENCE;
                    if (!saidOffline) {
                        lastActivityMillis = nowMillis;
                    }
                }
            }
            case DATA_GAP -> {
                for (AlertRule rule : rules) {
                    if (rule.kind() == RuleKind.DATA_GAP && rule.appliesTo(gateway, null) && observe(rule, gateway,
                            null, true, nowMillis, 0, Double.NaN, out) == ConditionTracker.Change.OPEN) {
                        out.add(transition(AlertTransition.Type.OPENED, rule, gateway, null, null, nowMillis,
                                Double.NaN, "gateway " + gateway + " lost data: " + signal.detail()));
                    }
                }
            }
            default -> throw new IllegalStateException("unknown signal " + signal.type());
        }
        evaluateOffline(rules, gateway, nowMillis, out);
        return out;
    }

    /**
     * The clock moved: event conditions that saw no new event end (their clear hold counts from
     * here), silence is checked, and conditions whose rule was removed or disabled resolve.
     */
    public List<AlertTransition> onTick(List<AlertRule> rules, String gateway, long nowMillis) {
        List<AlertTransition> out = new ArrayList<>();
        Map<String, AlertRule> inForce = new HashMap<>();
        for (AlertRule rule : rules) {
            inForce.put(rule.ruleId(), rule);
        }
        Iterator<Map.Entry<String, ConditionTracker>> entries = trackers.entrySet().iterator();
        while (entries.hasNext()) {
            Map.Entry<String, ConditionTracker> entry = entries.next();
            ConditionTracker tracker = entry.getValue();
            AlertRule last = tracker.rule();
            AlertRule current = inForce.get(last.ruleId());
            String machine = ConditionTracker.machineOf(entry.getKey());
            if (current == null || !current.watchesSameAs(last) || !current.appliesTo(gateway, machine)) {
                resolveAbandoned(tracker, gateway, machine, nowMillis, out);
                entries.remove();
                continue;
            }
            if ((current.kind() == RuleKind.ANOMALY || current.kind() == RuleKind.DATA_GAP)
                    && tracker.phase() != ConditionTracker.Phase.IDLE
                    && tracker.observe(current, false, nowMillis, 0, Double.NaN) == ConditionTracker.Change.RESOLVE) {
                out.add(transition(AlertTransition.Type.RESOLVED, current, gateway, machine, sensorOf(current), nowMillis,
                        Double.NaN, "no " + (current.kind() == RuleKind.ANOMALY ? "anomaly" : "data gap") + " for "
                                + current.clearHoldMillis() / 1000.0 + " s"));
            }
            if (tracker.phase() == ConditionTracker.Phase.IDLE && !onDataTime(current)) {
                entries.remove();
            }
        }
        evaluateOffline(rules, gateway, nowMillis, out);
        return out;
    }

    /**
     * Silence opens a {@code gateway_offline} alert only once it lasted since {@code millis} too: the
     * owner calls this, after reading the state, with the time it started watching (a job restored
     * from a checkpoint after an outage of its own), so that a gateway is not called offline for the
     * time the cloud was not listening. An alert already open stays open. Not part of the state.
     */
    public void watchingSince(long millis) {
        watchingSinceMillis = millis;
    }

    /**
     * The receipt time of the status in force ({@code Long.MIN_VALUE}: none), which the owner keeps
     * in a keyed state entry of its own and sets, after reading the state, at every use; not part of
     * the state, so that state stored before it restores as it was.
     */
    public void statusReceivedAt(long micros) {
        statusReceivedAtMicros = micros;
    }

    /** The receipt time of the status in force, for the owner to keep; {@code Long.MIN_VALUE}: none. */
    public long statusReceivedAt() {
        return statusReceivedAtMicros;
    }

    /**
     * The last sequence named by the offline status in force ({@link GatewaySignal#NO_SEQUENCE}:
     * none), which the owner keeps in a keyed state entry of its own and sets, after reading the
     * state, at every use, as {@link #statusReceivedAt(long)}.
     */
    public void offlineLastSequence(long sequence) {
        offlineLastSequence = sequence;
    }

    /**
     * The last sequence named by the offline status in force, for the owner to keep;
     * {@link GatewaySignal#NO_SEQUENCE}: none.
     */
    public long offlineLastSequence() {
        return offlineLastSequence;
    }

    /** Whether any condition is under way, so the owner keeps ticking this gateway. */
    public boolean hasActiveConditions() {
        return trackers.values().stream().anyMatch(t -> t.phase() != ConditionTracker.Phase.IDLE);
    }

    /** The gateway's site, once any input named it. */
    public String site() {
        return site;
    }

    /** Conditions under way (pending, open or resolving), for tests. */
    int trackedConditions() {
        return (int) trackers.values().stream().filter(t -> t.phase() != ConditionTracker.Phase.IDLE).count();
    }

    /** Idle level conditions kept for the time of their last observation, for tests. */
    int idleLevelConditions() {
        return trackers.size() - trackedConditions();
    }

    /** Open alerts of this gateway, for tests and metrics. */
    public long openAlerts() {
        return trackers.values().stream().filter(ConditionTracker::alertOpen).count();
    }

    /**
     * The state in a stable, versioned binary form: the site, the last activity, whether the
     * gateway said it is offline, and the conditions kept, with their rules and the time of their
     * last level observation. The values the owner keeps in entries of their own
     * ({@link #watchingSince}, {@link #statusReceivedAt}, {@link #offlineLastSequence}) are not part
     * of it.
     */
    byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(VERSION);
            AlertStateFormat.writeNullable(out, site);
            out.writeLong(lastActivityMillis);
            out.writeBoolean(saidOffline);
            AlertStateFormat.writeConditions(out, trackers, true);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads {@link #snapshot()}'s form, of this version or version 1 (whose conditions know no time
     * of their last level observation, so each takes the next one it sees).
     *
     * @throws IllegalArgumentException when the bytes are not such a snapshot
     */
    static GatewayAlerts fromSnapshot(byte[] snapshot) {
        GatewayAlerts alerts = new GatewayAlerts();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot))) {
            int version = in.readInt();
            if (version < 1 || version > VERSION) {
                throw new IllegalArgumentException(WHAT + " version " + version + " is unknown (expected 1 to "
                        + VERSION + ").");
            }
            alerts.site = AlertStateFormat.readNullable(in);
            alerts.lastActivityMillis = in.readLong();
            alerts.saidOffline = in.readBoolean();
            AlertStateFormat.readConditions(in, alerts.trackers, WHAT, version >= 2);
            if (in.available() > 0) {
                throw new IllegalArgumentException(WHAT + " has " + in.available() + " trailing bytes.");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(WHAT + " is truncated or malformed.", e);
        }
        return alerts;
    }

    /** A deep copy: the conditions and the owner's values too. */
    GatewayAlerts copy() {
        GatewayAlerts copy = fromSnapshot(snapshot());
        copy.watchingSinceMillis = watchingSinceMillis;
        copy.statusReceivedAtMicros = statusReceivedAtMicros;
        copy.offlineLastSequence = offlineLastSequence;
        return copy;
    }

    private void evaluateOffline(List<AlertRule> rules, String gateway, long nowMillis, List<AlertTransition> out) {
        if (lastActivityMillis == Long.MIN_VALUE) {
            // Silence counts from the first time this gateway was heard of.
            lastActivityMillis = nowMillis;
        }
        for (AlertRule rule : rules) {
            if (rule.kind() != RuleKind.GATEWAY_OFFLINE || !rule.appliesTo(gateway, null)) {
                continue;
            }
            long silent = nowMillis - lastActivityMillis;
            ConditionTracker tracker = trackers.get(ConditionTracker.key(rule.ruleId(), null));
            boolean open = tracker != null && tracker.alertOpen() && rule.watchesSameAs(tracker.rule());
            long unheard = open ? silent : nowMillis - Math.max(lastActivityMillis, watchingSinceMillis);
            boolean active = saidOffline || unheard > rule.silenceMillis();
            ConditionTracker.Change change = observe(rule, gateway, null, active, nowMillis, rule.holdMillis(),
                    Double.NaN, out);
            if (change == ConditionTracker.Change.OPEN) {
                out.add(transition(AlertTransition.Type.OPENED, rule, gateway, null, null, nowMillis, Double.NaN,
                        saidOffline ? "gateway " + gateway + " is offline (status or last will)"
                                : "gateway " + gateway + " sent nothing for " + silent / 1000 + " s"));
            } else if (change == ConditionTracker.Change.RESOLVE) {
                out.add(transition(AlertTransition.Type.RESOLVED, rule, gateway, null, null, nowMillis, Double.NaN,
                        "gateway " + gateway + " is back online"));
            }
        }
    }

    /**
     * Feeds a sample or prediction of data time {@code micros} to a level rule's condition for
     * {@code machine}, unless the condition took one at that time or later (see the class comment).
     */
    private void observeLevel(AlertRule rule, String gateway, String machine, double value, long micros,
                              List<AlertTransition> out) {
        long timeMillis = micros / 1000;
        String key = ConditionTracker.key(rule.ruleId(), machine);
        ConditionTracker tracker = trackers.get(key);
        if (tracker != null && !rule.watchesSameAs(tracker.rule())) {
            // A new version that watches another sensor or direction does not inherit the old one's alert,
            // nor its time: another series starts afresh.
            abandon(key, tracker, gateway, timeMillis, out);
            tracker = null;
        }
        if (tracker != null && !tracker.takesLevelAt(micros)) {
            return;
        }
        ConditionTracker.Phase before = tracker == null ? ConditionTracker.Phase.IDLE : tracker.phase();
        boolean active = rule.levelActive(tracker != null && tracker.levelActive(), value);
        ConditionTracker.Change change = observe(rule, gateway, machine, active, timeMillis, rule.holdMillis(), value,
                out);
        ConditionTracker kept = trackers.get(key);
        if (kept != null) {
            kept.levelActive(active);
            kept.levelTaken(micros);
            if (kept.phase() == ConditionTracker.Phase.IDLE && before != ConditionTracker.Phase.IDLE) {
                forgetIdleLevelConditionsOverCap();
            }
        }
        String what = rule.kind() == RuleKind.SCRAP ? "scrap probability of " + machine
                : rule.sensor() + " of " + machine;
        if (change == ConditionTracker.Change.OPEN) {
            out.add(transition(AlertTransition.Type.OPENED, rule, gateway, machine, sensorOf(rule), timeMillis, value,
                    String.format(Locale.ROOT, "%s is %.4g (%s %.4g)", what, value, rule.above() ? "above" : "below",
                            rule.triggerLevel())));
        } else if (change == ConditionTracker.Change.RESOLVE) {
            out.add(transition(AlertTransition.Type.RESOLVED, rule, gateway, machine, sensorOf(rule), timeMillis, value,
                    String.format(Locale.ROOT, "%s is back at %.4g (clear level %.4g)", what, value, rule.clearLevel())));
        }
    }

    /**
     * Past {@link #MAX_IDLE_LEVEL_CONDITIONS} idle level conditions, forgets the one whose last
     * observation is oldest. Called when a condition becomes idle, the only way their number grows.
     */
    private void forgetIdleLevelConditionsOverCap() {
        if (trackers.size() <= MAX_IDLE_LEVEL_CONDITIONS) {
            return;
        }
        int idle = 0;
        String oldest = null;
        long oldestMicros = Long.MAX_VALUE;
        for (Map.Entry<String, ConditionTracker> entry : trackers.entrySet()) {
            ConditionTracker tracker = entry.getValue();
            if (tracker.phase() == ConditionTracker.Phase.IDLE) {
                idle++;
                if (oldest == null || tracker.levelMicros() < oldestMicros) {
                    oldest = entry.getKey();
                    oldestMicros = tracker.levelMicros();
                }
            }
        }
        if (idle > MAX_IDLE_LEVEL_CONDITIONS) {
            trackers.remove(oldest);
        }
    }

    private void abandon(String key, ConditionTracker tracker, String gateway, long nowMillis,
                         List<AlertTransition> out) {
        resolveAbandoned(tracker, gateway, ConditionTracker.machineOf(key), nowMillis, out);
        trackers.remove(key);
    }

    /** Ends a condition whose rule was removed, disabled or now watches something else. */
    private void resolveAbandoned(ConditionTracker tracker, String gateway, String machine, long nowMillis,
                                  List<AlertTransition> out) {
        AlertRule last = tracker.rule();
        if (tracker.abandon() == ConditionTracker.Change.RESOLVE) {
            out.add(transition(AlertTransition.Type.RESOLVED, last, gateway, machine, sensorOf(last), nowMillis,
                    Double.NaN, "rule " + last.ruleId() + " was removed or changed", AlertTransition.ENGINE
                            + " (rule changed)"));
        }
    }

    private AlertTransition transition(AlertTransition.Type type, AlertRule rule, String gateway, String machine,
                                       String sensor, long atMillis, double value, String message) {
        return transition(type, rule, gateway, machine, sensor, atMillis, value, message, AlertTransition.ENGINE);
    }

    private AlertTransition transition(AlertTransition.Type type, AlertRule rule, String gateway, String machine,
                                       String sensor, long atMillis, double value, String message, String actor) {
        return new AlertTransition(type, rule, site == null ? "unknown" : site, gateway, machine, sensor,
                Instant.ofEpochMilli(atMillis), value, message, actor);
    }

    /**
     * Feeds one observation to the tracker of {@code rule} for {@code machine}. An idle tracker of an
     * event or offline condition holds nothing a fresh one would not, so none is kept; an idle level
     * condition's keeps the time of its last observation (see the class comment). A tracker is made
     * only for an active observation, so a gateway sending ever new machine names within limits grows
     * no state. A tracker of an earlier version that watched something else (another kind: a rule id
     * given a new kind shares its trackers' keys) is abandoned first, its alert resolved into
     * {@code out}, so that the new version neither takes over that alert nor ends it as one of its
     * own kind, which the store would not find.
     */
    private ConditionTracker.Change observe(AlertRule rule, String gateway, String machine, boolean active, long now,
                                            long holdMillis, double value, List<AlertTransition> out) {
        String key = ConditionTracker.key(rule.ruleId(), machine);
        ConditionTracker tracker = trackers.get(key);
        if (tracker != null && !rule.watchesSameAs(tracker.rule())) {
            abandon(key, tracker, gateway, now, out);
            tracker = null;
        }
        if (tracker == null) {
            if (!active) {
                return ConditionTracker.Change.NONE;
            }
            tracker = new ConditionTracker();
            trackers.put(key, tracker);
        }
        ConditionTracker.Change change = tracker.observe(rule, active, now, holdMillis, value);
        if (tracker.phase() == ConditionTracker.Phase.IDLE && !onDataTime(rule)) {
            trackers.remove(key);
        }
        return change;
    }

    /** Whether {@code rule} watches a level on the data's own time, whose idle conditions keep their time. */
    private static boolean onDataTime(AlertRule rule) {
        return rule.kind() == RuleKind.THRESHOLD || rule.kind() == RuleKind.SCRAP;
    }

    private static String sensorOf(AlertRule rule) {
        return rule.kind() == RuleKind.THRESHOLD ? rule.sensor() : null;
    }
}
