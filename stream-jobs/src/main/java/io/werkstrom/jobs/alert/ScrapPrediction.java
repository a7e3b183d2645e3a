package io.werkstrom.jobs.alert;

import java.util.Objects;

/**
 * A model's prediction that the part of one production cycle is scrap; the input of
 * {@link RuleKind#SCRAP} rules. Immutable.
 *
 * @param tenant        the tenant (from the topic the data came in on)
 * @param site          the gateway's site
 * @param gateway       the gateway that sent the cycle
 * @param machine       the machine that made the part
 * @param cycleEndMicros when the cycle ended, microseconds since the epoch (UTC)
 * @param probability   predicted scrap probability, 0..1
 */
public record ScrapPrediction(String tenant, String site, String gateway, String machine, long cycleEndMicros,
                              double probability) {

    public ScrapPrediction {
        Objects.requireNonNull(tenant, "tenant must not be null.");
        Objects.requireNonNull(site, "site must not be null.");
        Objects.requireNonNull(gateway, "gateway must not be null.");
        Objects.requireNonNull(machine, "machine must not be null.");
        if (!(probability >= 0.0 && probability <= 1.0)) {
            throw new IllegalArgumentException("probability must lie in [0, 1], got " + probability + ".");
        }
    }
}
