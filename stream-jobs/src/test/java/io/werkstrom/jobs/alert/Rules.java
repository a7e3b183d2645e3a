package io.werkstrom.jobs.alert;

/** Rules for tests, with the defaults of {@code alert_rules}. */
final class Rules {

    private Rules() {
    }

    static AlertRule threshold(String tenant, String id, String sensor, double trigger, double clear, long holdMillis,
                               long clearHoldMillis) {
        return new AlertRule(tenant, id, 1, RuleKind.THRESHOLD, "warning", null, null, sensor, true, trigger, clear,
                holdMillis, clearHoldMillis, 0);
    }

    static AlertRule scrap(String tenant, String id, double limit) {
        return new AlertRule(tenant, id, 1, RuleKind.SCRAP, "critical", null, null, null, true, limit, Double.NaN,
                0, 0, 0);
    }

    static AlertRule anomaly(String tenant, String id, long quietMillis) {
        return new AlertRule(tenant, id, 1, RuleKind.ANOMALY, "warning", null, null, null, true, Double.NaN, Double.NaN,
                0, quietMillis, 0);
    }

    static AlertRule offline(String tenant, String id, long silenceMillis, long clearHoldMillis) {
        return new AlertRule(tenant, id, 1, RuleKind.GATEWAY_OFFLINE, "critical", null, null, null, true, Double.NaN,
                Double.NaN, 0, clearHoldMillis, silenceMillis);
    }

    static AlertRule dataGap(String tenant, String id, long quietMillis) {
        return new AlertRule(tenant, id, 1, RuleKind.DATA_GAP, "info", null, null, null, true, Double.NaN, Double.NaN,
                0, quietMillis, 0);
    }

    static AlertRule sensorSilent(String tenant, String id, String machine, String sensor, long silenceMillis,
                                  long holdMillis, long clearHoldMillis) {
        return new AlertRule(tenant, id, 1, RuleKind.SENSOR_SILENT, "warning", null, machine, sensor, true, Double.NaN,
                Double.NaN, holdMillis, clearHoldMillis, silenceMillis);
    }
}
