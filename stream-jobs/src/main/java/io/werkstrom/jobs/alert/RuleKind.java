package io.werkstrom.jobs.alert;

import java.util.Arrays;
import java.util.List;

/**
 * What an alert rule watches; {@link #sqlName()} is the value of {@code alert_rules.kind}, and the
 * alert operator's keyed state stores a kind by it. Savepoints of releases that kept that state in
 * Flink's generic form store a kind by its position, and are read through that form as the job
 * restores: a new kind goes last, or such a savepoint would restore its conditions as other kinds.
 */
public enum RuleKind {
    /** A sensor's value beyond a level, with hysteresis and a minimum duration. */
    THRESHOLD("threshold", false),
    /** An anomaly score above the detector's threshold (and above the rule's level, when it has one). */
    ANOMALY("anomaly", false),
    /** A predicted scrap probability above a limit. */
    SCRAP("scrap", false),
    /** A sensor of a machine sent no good value for a while (sample time) while the machine's other samples went on. */
    SENSOR_SILENT("sensor_silent", false),
    /** The gateway said {@code offline} (or its last will did), or sent nothing for a while. */
    GATEWAY_OFFLINE("gateway_offline", true),
    /** The gateway reported a {@code data_gap}: its spool dropped batches. */
    DATA_GAP("data_gap", true);

    private final String sqlName;
    private final boolean gatewayLevel;

    RuleKind(String sqlName, boolean gatewayLevel) {
        this.sqlName = sqlName;
        this.gatewayLevel = gatewayLevel;
    }

    public String sqlName() {
        return sqlName;
    }

    /** Whether alerts of this kind are about a whole gateway (no machine). */
    public boolean gatewayLevel() {
        return gatewayLevel;
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(RuleKind::sqlName).toList();
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static RuleKind of(String sqlName) {
        for (RuleKind kind : values()) {
            if (kind.sqlName.equals(sqlName)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("kind '" + sqlName + "' is not one of " + names() + ".");
    }
}
