package io.werkstrom.jobs.alert;

import java.io.Serializable;
import java.util.Objects;

/**
 * The life of one rule's condition for one subject (a machine, or a gateway), with the two hold
 * times that keep a flapping condition from producing notifications:
 *
 * <pre>
 * IDLE ──active──► PENDING ──active for hold──► FIRING (opens the alert)
 *   ▲                 │ inactive                    │ inactive
 *   │                 ▼                             ▼
 *   └──────────── IDLE ◄──inactive for clear hold── RESOLVING ──active──► FIRING (no new alert)
 * </pre>
 *
 * A condition that comes and goes faster than the hold never opens an alert; one that goes and
 * comes back faster than the clear hold never resolves it. With a hold of 0 the alert opens at the
 * first active observation. Times are milliseconds of whichever clock the caller uses for this
 * tracker (sample time for level rules, wall clock for event and offline rules); a time before
 * the last one counts as no time passing. A level condition only moves forward in the data's time:
 * its owner feeds it no observation at or before the last one it took ({@link #takesLevelAt}), as a
 * batch delivered again carries, since even "no time passing" would change its phase and hysteresis.
 * Mutable, not thread-safe: one per keyed state entry.
 *
 * <p>Savepoints of releases before the versioned state form hold trackers in Flink's generic (Kryo)
 * form, which writes the fields one after the other, so the fields stay as they are; what was added
 * since is transient and written by the owner's versioned form ({@link AlertStateFormat}).
 */
public final class ConditionTracker implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Where the condition stands. */
    public enum Phase { IDLE, PENDING, FIRING, RESOLVING }

    /** What an observation changed: nothing, an alert to open, or the open alert to resolve. */
    public enum Change { NONE, OPEN, RESOLVE }

    /**
     * The key of the tracker of {@code ruleId} for {@code machine} (null: a gateway-level rule) in
     * its owner's map. Rule ids cannot contain a newline (AlertRule.RULE_ID), so the key splits back
     * unambiguously ({@link #machineOf}).
     */
    static String key(String ruleId, String machine) {
        return ruleId + "\n" + (machine == null ? "" : machine);
    }

    /** The machine of a {@link #key}, null for a gateway-level rule. */
    static String machineOf(String key) {
        String machine = key.substring(key.indexOf('\n') + 1);
        return machine.isEmpty() ? null : machine;
    }

    private Phase phase = Phase.IDLE;
    private long since;
    private AlertRule rule;
    /** Hysteresis memory of level conditions: whether the raw condition held at the last sample. */
    private boolean levelActive;
    private double lastValue = Double.NaN;
    /**
     * Level conditions: the data time (epoch microseconds) of the last observation taken,
     * {@link #NO_LEVEL_TIME} before the first, and in a condition restored from a form that did not
     * keep it. Transient, like every field added after the generic form.
     */
    private transient long levelMicros = NO_LEVEL_TIME;

    /** {@link #levelMicros()} of a condition that took no level observation, or does not know when. */
    static final long NO_LEVEL_TIME = Long.MIN_VALUE;

    public ConditionTracker() {
    }

    /** A condition as a state snapshot holds it ({@link AlertStateFormat}). */
    ConditionTracker(Phase phase, long since, AlertRule rule, boolean levelActive, double lastValue,
                     long levelMicros) {
        this.phase = Objects.requireNonNull(phase, "phase must not be null.");
        this.since = since;
        this.rule = rule;
        this.levelActive = levelActive;
        this.lastValue = lastValue;
        this.levelMicros = levelMicros;
    }

    public Phase phase() {
        return phase;
    }

    /** When the phase under way (PENDING or RESOLVING) started; its hold counts from here. */
    long since() {
        return since;
    }

    /** Whether an alert is open for this condition (FIRING or RESOLVING). */
    public boolean alertOpen() {
        return phase == Phase.FIRING || phase == Phase.RESOLVING;
    }

    public boolean levelActive() {
        return levelActive;
    }

    public void levelActive(boolean active) {
        this.levelActive = active;
    }

    public double lastValue() {
        return lastValue;
    }

    /**
     * Whether a level observation of data time {@code micros} moves this condition forward: only a
     * time after the last one taken does, any time before the first. A repeat of a batch carries
     * exactly the times already taken, and a late batch only older ones; neither may set a
     * condition that has moved on, nor its hysteresis. Of two samples at the same microsecond, the
     * first taken is the one judged.
     */
    boolean takesLevelAt(long micros) {
        return levelMicros == NO_LEVEL_TIME || micros > levelMicros;
    }

    /** Records that a level observation of data time {@code micros} was taken. */
    void levelTaken(long micros) {
        levelMicros = micros;
    }

    /** The data time of the last level observation taken (epoch microseconds), or {@link #NO_LEVEL_TIME}. */
    long levelMicros() {
        return levelMicros;
    }

    /** The rule version of the last observation, or null before the first. */
    public AlertRule rule() {
        return rule;
    }

    /** Feeds one observation of the condition at {@code now}; says whether an alert opens or resolves. */
    public Change observe(AlertRule rule, boolean active, long now, long holdMillis, double value) {
        this.rule = rule;
        long clearHoldMillis = rule.clearHoldMillis();
        lastValue = value;
        switch (phase) {
            case IDLE -> {
                if (active) {
                    if (holdMillis == 0) {
                        phase = Phase.FIRING;
                        return Change.OPEN;
                    }
                    phase = Phase.PENDING;
                    since = now;
                }
            }
            case PENDING -> {
                if (!active) {
                    phase = Phase.IDLE;
                } else if (now - since >= holdMillis) {
                    phase = Phase.FIRING;
                    return Change.OPEN;
                }
            }
            case FIRING -> {
                if (!active) {
                    if (clearHoldMillis == 0) {
                        phase = Phase.IDLE;
                        return Change.RESOLVE;
                    }
                    phase = Phase.RESOLVING;
                    since = now;
                }
            }
            case RESOLVING -> {
                if (active) {
                    phase = Phase.FIRING;
                } else if (now - since >= clearHoldMillis) {
                    phase = Phase.IDLE;
                    return Change.RESOLVE;
                }
            }
            default -> throw new IllegalStateException("unknown phase " + phase);
        }
        return Change.NONE;
    }

    /** Ends the condition at once (its rule was removed or disabled): RESOLVE when an alert was open. */
    public Change abandon() {
        boolean open = alertOpen();
        phase = Phase.IDLE;
        levelActive = false;
        return open ? Change.RESOLVE : Change.NONE;
    }
}
