package io.werkstrom.jobs.alert;

import java.io.Serializable;
import java.time.Duration;

/**
 * How the job evaluates alert rules. Immutable.
 *
 * @param enabled        whether the job evaluates alert rules at all
 * @param ruleReload     how often each evaluating subtask reloads {@code alert_rules}
 * @param tickInterval   how often a gateway's clock-driven conditions (silence, quiet periods after
 *                       anomalies and data gaps, removed rules) are checked
 */
public record AlertOptions(boolean enabled, Duration ruleReload, Duration tickInterval) implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final Duration DEFAULT_RULE_RELOAD = Duration.ofSeconds(30);
    public static final Duration DEFAULT_TICK_INTERVAL = Duration.ofSeconds(5);

    public AlertOptions {
        if (ruleReload == null || ruleReload.toMillis() < 100) {
            throw new IllegalArgumentException("ruleReload must be at least 100 ms, got " + ruleReload + ".");
        }
        if (tickInterval == null || tickInterval.toMillis() < 100) {
            throw new IllegalArgumentException("tickInterval must be at least 100 ms, got " + tickInterval + ".");
        }
    }

    public static AlertOptions defaults() {
        return new AlertOptions(true, DEFAULT_RULE_RELOAD, DEFAULT_TICK_INTERVAL);
    }
}
