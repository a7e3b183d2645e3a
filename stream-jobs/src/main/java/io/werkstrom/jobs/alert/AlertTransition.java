package io.werkstrom.jobs.alert;

import java.time.Instant;
import java.util.Objects;

/**
 * An alert that the job opens or resolves. The store applies it idempotently: an open for a
 * (tenant, gateway, machine, rule, kind) that already has an active alert, or a resolve without one,
 * changes nothing, so replays after a restart notify nobody twice. Immutable.
 *
 * @param type    OPENED or RESOLVED
 * @param rule    the rule (the version that fired)
 * @param site    the gateway's site
 * @param gateway the gateway whose data fired the rule
 * @param machine the machine, or null for gateway-level rules
 * @param sensor  the sensor for threshold rules, else null
 * @param at      when it happened (sample time for level rules, wall clock otherwise)
 * @param value   the value that fired it (score, probability, sample value) or NaN
 * @param message a human-readable line
 * @param actor   who made the change: {@code rule-engine}, or {@code rule-engine (rule changed)} (its rule was
 *                removed, disabled or now watches something else)
 */
public record AlertTransition(Type type, AlertRule rule, String site, String gateway, String machine, String sensor,
                              Instant at, double value, String message, String actor) {

    /** What happens to the alert. */
    public enum Type { OPENED, RESOLVED }

    public static final String ENGINE = "rule-engine";

    public AlertTransition {
        Objects.requireNonNull(type, "type must not be null.");
        Objects.requireNonNull(rule, "rule must not be null.");
        Objects.requireNonNull(site, "site must not be null.");
        Objects.requireNonNull(gateway, "gateway must not be null.");
        Objects.requireNonNull(at, "at must not be null.");
        Objects.requireNonNull(message, "message must not be null.");
        Objects.requireNonNull(actor, "actor must not be null.");
    }

    public String tenant() {
        return rule.tenant();
    }
}
