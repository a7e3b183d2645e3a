package io.werkstrom.jobs.alert;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;

/**
 * The parts that {@link GatewayAlerts}' and {@link SensorSilence}'s versioned snapshots share: the
 * conditions under way, each with the version of the rule it last saw, written field by field. A
 * rule's kind and a condition's phase are written by name, so that a kind or phase added anywhere
 * in its enum changes no stored state. A form may hold each condition's last level observation time
 * too ({@link ConditionTracker#levelMicros()}); one without it restores conditions that know none.
 */
final class AlertStateFormat {

    /** More of anything in a snapshot is corruption: far beyond any rule book or gateway kept. */
    private static final int MAX_COUNT = 1 << 24;

    private AlertStateFormat() {
    }

    /** The conditions, without their level observation times. */
    static void writeConditions(DataOutputStream out, Map<String, ConditionTracker> trackers) throws IOException {
        writeConditions(out, trackers, false);
    }

    /** The conditions, each followed by its last level observation time when {@code levelTimes}. */
    static void writeConditions(DataOutputStream out, Map<String, ConditionTracker> trackers, boolean levelTimes)
            throws IOException {
        out.writeInt(trackers.size());
        for (Map.Entry<String, ConditionTracker> entry : trackers.entrySet()) {
            ConditionTracker tracker = entry.getValue();
            out.writeUTF(entry.getKey());
            out.writeUTF(tracker.phase().name());
            out.writeLong(tracker.since());
            out.writeBoolean(tracker.levelActive());
            out.writeDouble(tracker.lastValue());
            out.writeBoolean(tracker.rule() != null);
            if (tracker.rule() != null) {
                writeRule(out, tracker.rule());
            }
            if (levelTimes) {
                out.writeLong(tracker.levelMicros());
            }
        }
    }

    /**
     * Reads {@link #writeConditions(DataOutputStream, Map)}'s form.
     *
     * @throws IllegalArgumentException naming what is damaged
     */
    static void readConditions(DataInputStream in, Map<String, ConditionTracker> into, String what)
            throws IOException {
        readConditions(in, into, what, false);
    }

    /**
     * Reads {@link #writeConditions(DataOutputStream, Map, boolean)}'s form; without
     * {@code levelTimes}, every condition knows no level observation time.
     *
     * @throws IllegalArgumentException naming what is damaged
     */
    static void readConditions(DataInputStream in, Map<String, ConditionTracker> into, String what,
                               boolean levelTimes) throws IOException {
        int n = count(in.readInt(), "conditions", what);
        for (int i = 0; i < n; i++) {
            String key = in.readUTF();
            if (key.indexOf('\n') < 0) {
                throw new IllegalArgumentException(what + " holds a condition key without its machine part.");
            }
            ConditionTracker.Phase phase = phase(in.readUTF(), what);
            long since = in.readLong();
            boolean levelActive = in.readBoolean();
            double lastValue = in.readDouble();
            AlertRule rule = in.readBoolean() ? readRule(in) : null;
            long levelMicros = levelTimes ? in.readLong() : ConditionTracker.NO_LEVEL_TIME;
            into.put(key, new ConditionTracker(phase, since, rule, levelActive, lastValue, levelMicros));
        }
    }

    private static ConditionTracker.Phase phase(String name, String what) {
        for (ConditionTracker.Phase phase : ConditionTracker.Phase.values()) {
            if (phase.name().equals(name)) {
                return phase;
            }
        }
        throw new IllegalArgumentException(what + " holds a condition in the unknown phase '" + name + "'.");
    }

    static void writeNullable(DataOutputStream out, String text) throws IOException {
        out.writeBoolean(text != null);
        if (text != null) {
            out.writeUTF(text);
        }
    }

    static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    /** @throws IllegalArgumentException when {@code n} is no count of {@code things} a state can hold */
    static int count(int n, String things, String what) {
        if (n < 0 || n > MAX_COUNT) {
            throw new IllegalArgumentException(what + " claims " + n + " " + things + ".");
        }
        return n;
    }

    private static void writeRule(DataOutputStream out, AlertRule rule) throws IOException {
        out.writeUTF(rule.tenant());
        out.writeUTF(rule.ruleId());
        out.writeInt(rule.version());
        out.writeUTF(rule.kind().sqlName());
        out.writeUTF(rule.severity());
        writeNullable(out, rule.gateway());
        writeNullable(out, rule.machine());
        writeNullable(out, rule.sensor());
        out.writeBoolean(rule.above());
        out.writeDouble(rule.triggerLevel());
        out.writeDouble(rule.clearLevel());
        out.writeLong(rule.holdMillis());
        out.writeLong(rule.clearHoldMillis());
        out.writeLong(rule.silenceMillis());
    }

    private static AlertRule readRule(DataInputStream in) throws IOException {
        return new AlertRule(in.readUTF(), in.readUTF(), in.readInt(), RuleKind.of(in.readUTF()), in.readUTF(),
                readNullable(in), readNullable(in), readNullable(in), in.readBoolean(), in.readDouble(),
                in.readDouble(), in.readLong(), in.readLong(), in.readLong());
    }
}
