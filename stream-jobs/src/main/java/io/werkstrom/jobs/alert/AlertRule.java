package io.werkstrom.jobs.alert;

import java.io.Serializable;
import java.util.Objects;

/**
 * One version of one alert rule of a tenant, as stored in {@code alert_rules}. Immutable.
 *
 * @param tenant       the tenant whose data the rule watches (and only that tenant's)
 * @param ruleId       the rule's id within the tenant
 * @param version      the rule's version; the highest enabled-or-not version is in force
 * @param kind         what the rule watches
 * @param severity     {@code info}, {@code warning} or {@code critical}
 * @param gateway      the gateway it applies to, or null for every gateway of the tenant
 * @param machine      the machine it applies to, or null for every machine
 * @param sensor       threshold rules: the sensor; anomaly and sensor_silent rules: the sensor, or null for
 *                     every sensor; otherwise ignored
 * @param above        threshold and scrap rules: true when values above the trigger level are bad
 * @param triggerLevel threshold: the level; scrap: the probability limit; anomaly: the minimum score
 *                     (NaN: any anomaly the detector reports)
 * @param clearLevel   the level the value must cross back for the condition to end (hysteresis);
 *                     equal to the trigger level when there is none
 * @param holdMillis   how long the condition must last before an alert opens
 * @param clearHoldMillis how long the condition must be gone before the alert resolves
 * @param silenceMillis gateway_offline: how long without data counts as offline; sensor_silent: how long (sample
 *                      time) a sensor may send no good value while its machine reports (0 for other kinds)
 */
public record AlertRule(String tenant, String ruleId, int version, RuleKind kind, String severity, String gateway,
                        String machine, String sensor, boolean above, double triggerLevel, double clearLevel,
                        long holdMillis, long clearHoldMillis, long silenceMillis) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** What a rule id may look like. */
    public static final java.util.regex.Pattern RULE_ID = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

    public AlertRule {
        Objects.requireNonNull(tenant, "tenant must not be null.");
        Objects.requireNonNull(ruleId, "ruleId must not be null.");
        Objects.requireNonNull(kind, "kind must not be null.");
        Objects.requireNonNull(severity, "severity must not be null.");
        if (!RULE_ID.matcher(ruleId).matches()) {
            throw new IllegalArgumentException("rule_id '" + ruleId + "' must match " + RULE_ID.pattern() + ".");
        }
        if (version < 1) {
            throw new IllegalArgumentException("version must be at least 1, got " + version + ".");
        }
        if (holdMillis < 0 || clearHoldMillis < 0 || silenceMillis < 0) {
            throw new IllegalArgumentException("hold, clear hold and silence must not be negative.");
        }
        if (kind == RuleKind.THRESHOLD && (sensor == null || Double.isNaN(triggerLevel))) {
            throw new IllegalArgumentException("a threshold rule needs sensor and trigger_level.");
        }
        if (kind == RuleKind.SCRAP && Double.isNaN(triggerLevel)) {
            throw new IllegalArgumentException("a scrap rule needs trigger_level.");
        }
        if (kind == RuleKind.GATEWAY_OFFLINE && silenceMillis <= 0) {
            throw new IllegalArgumentException("a gateway_offline rule needs silence_s > 0.");
        }
        if (kind == RuleKind.SENSOR_SILENT && silenceMillis <= 0) {
            throw new IllegalArgumentException("sensor_silent rule '" + ruleId + "' of tenant '" + tenant
                    + "' needs silence_s > 0.");
        }
        if (Double.isNaN(clearLevel)) {
            clearLevel = triggerLevel;
        }
        if (!Double.isNaN(triggerLevel) && (above ? clearLevel > triggerLevel : clearLevel < triggerLevel)) {
            throw new IllegalArgumentException("clear_level " + clearLevel + " must lie on the good side of trigger_level "
                    + triggerLevel + ".");
        }
    }

    /**
     * Milliseconds of a duration column of {@code alert_rules} ({@code hold_s}, {@code clear_hold_s}),
     * as the telemetry job reads it. The columns' checks let a NaN or an {@code Infinity} written in
     * SQL pass (PostgreSQL orders NaN above every number, and infinity is not negative): rounding
     * would make a NaN 0, and an infinite hold or silence would keep its rule from ever opening.
     *
     * @throws IllegalArgumentException naming the column when {@code seconds} is NaN or infinite
     */
    public static long durationMillis(String column, double seconds) {
        if (!Double.isFinite(seconds)) {
            throw new IllegalArgumentException(column + " must be a finite number of seconds, got " + seconds + ".");
        }
        return Math.round(seconds * 1000.0);
    }

    /**
     * Milliseconds of {@code silence_s} of a rule of {@code kind}: as {@link #durationMillis}, but a
     * NaN or infinity gives 0 for a kind that reads no silence (the column is not read there, so such
     * a value loses nothing).
     *
     * @throws IllegalArgumentException naming the column when a gateway_offline or sensor_silent rule's
     *                                  is NaN or infinite
     */
    public static long silenceMillis(RuleKind kind, double seconds) {
        if (kind != RuleKind.GATEWAY_OFFLINE && kind != RuleKind.SENSOR_SILENT && !Double.isFinite(seconds)) {
            return 0;
        }
        return durationMillis("silence_s", seconds);
    }

    /**
     * Whether this rule (a version of it) watches the same condition as {@code other}: the same kind,
     * sensor and direction. A version that changes only levels, holds, scope or severity keeps the
     * alerts already open; one that watches something else does not inherit them.
     */
    public boolean watchesSameAs(AlertRule other) {
        return other != null && kind == other.kind && Objects.equals(sensor, other.sensor) && above == other.above;
    }

    /** Whether the rule applies to data of {@code gateway} and {@code machine} (null: a gateway-level signal). */
    public boolean appliesTo(String gateway, String machine) {
        return (this.gateway == null || this.gateway.equals(gateway))
                && (machine == null || this.machine == null || this.machine.equals(machine));
    }

    /**
     * One step of the level condition with hysteresis: whether it holds after {@code value}, given
     * whether it held before. It starts beyond the trigger level and ends only at or behind the clear level.
     */
    public boolean levelActive(boolean wasActive, double value) {
        if (Double.isNaN(value)) {
            return wasActive;
        }
        if (above) {
            return wasActive ? value > clearLevel : value > triggerLevel;
        }
        return wasActive ? value < clearLevel : value < triggerLevel;
    }
}
