package io.werkstrom.app.rules;

import java.io.PrintStream;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.app.DatabaseLogin;
import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.Durations;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.app.rules.RuleCatalog.StoredRule;
import io.werkstrom.jobs.alert.AlertRule;
import io.werkstrom.jobs.alert.RuleKind;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.QuotedText;

/**
 * {@code ./werkstrom rules set|disable|list}: a tenant's alert rules in {@code alert_rules}
 * without SQL. {@code set} stores a rule's next version (1 for a new rule), checked first by the
 * same {@link AlertRule} the telemetry job builds when it loads the row, so a rule the job would
 * ignore is a usage error and stores nothing. {@code disable} stores the next version as a copy of
 * the one in force, disabled. {@code list} shows the rules in force. Running jobs pick a change up
 * at their next rule reload ({@code --alerts.rule-reload}, 30 s). Progress and the table go to
 * stderr; the last stdout line is one JSON object.
 */
public final class RulesCommand {

    static final String USAGE = "rules set --jdbc-url URL [--user U] [--password-file F] --tenant T --id RULE"
            + " --kind KIND [--gateway G] [--machine M] [--sensor S] [--direction above|below] [--trigger L]"
            + " [--clear L] [--hold 0s] [--clear-hold 0s] [--silence D] [--severity warning] [--description TEXT],"
            + " rules disable ... --tenant T --id RULE, or rules list ... --tenant T [--all]";

    private static final Set<String> CONNECTION = Set.of("jdbc-url", "user", "password-file", "tenant");
    private static final Set<String> RULE = Set.of("kind", "gateway", "machine", "sensor", "direction", "trigger",
            "clear", "hold", "clear-hold", "silence", "severity", "description");
    private static final Set<String> SEVERITIES = Set.of("info", "warning", "critical");
    private static final Pattern ZERO = Pattern.compile("0+(\\.0*)?\\s*(ms|s|m|h|d)?");
    private static final int MAX_DESCRIPTION = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private RulesCommand() {
    }

    public static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        String action = argv.isEmpty() ? "" : argv.get(0);
        if (!Set.of("set", "disable", "list").contains(action)) {
            throw new UsageException("rules: expected set, disable or list"
                    + (action.isEmpty() ? "" : ", got '" + action + "'") + "; usage: " + USAGE);
        }
        String command = "rules " + action;
        Set<String> options = new HashSet<>(CONNECTION);
        switch (action) {
            case "set" -> {
                options.add("id");
                options.addAll(RULE);
            }
            case "disable" -> options.add("id");
            default -> { }
        }
        Args args = Args.parse(command, argv.subList(1, argv.size()), options,
                action.equals("list") ? Set.of("all") : Set.of());
        String tenant = checked(command, () -> GatewayAddress.requireSegment("--tenant", args.required("tenant")));
        String ruleId = action.equals("list") ? null : ruleId(command, args.required("id"));

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("tenant", tenant);
        switch (action) {
            case "set" -> {
                AlertRule rule = rule(command, args, tenant, ruleId);
                String description = args.string("description", null);
                if (description != null && description.length() > MAX_DESCRIPTION) {
                    throw new UsageException(command + ": --description is longer than " + MAX_DESCRIPTION
                            + " characters");
                }
                int version;
                try (Connection db = DatabaseLogin.connect(command, args)) {
                    version = RuleCatalog.set(db, rule, description);
                }
                err.println(command + ": rule " + ruleId + " of tenant " + tenant + " is now version " + version
                        + " (" + rule.kind().sqlName() + ", enabled); running jobs pick it up at their next rule"
                        + " reload");
                json.put("rule", ruleId);
                json.put("version", version);
                json.put("kind", rule.kind().sqlName());
                json.put("enabled", true);
            }
            case "disable" -> {
                Optional<Integer> version;
                Optional<StoredRule> before;
                try (Connection db = DatabaseLogin.connect(command, args)) {
                    before = RuleCatalog.inForce(db, tenant, ruleId);
                    version = RuleCatalog.disable(db, tenant, ruleId);
                }
                if (version.isEmpty()) {
                    throw new IllegalStateException(command + ": tenant " + tenant + " has no rule '" + ruleId
                            + "' (see rules list --all)");
                }
                boolean was = before.isPresent() && before.get().enabled() && before.get().version() < version.get();
                err.println(command + ": rule " + ruleId + " of tenant " + tenant + (was
                        ? " is now version " + version.get() + ", disabled; running jobs resolve its open alerts at"
                        + " their next rule reload" : " was disabled already (version " + version.get() + ")"));
                json.put("rule", ruleId);
                json.put("version", version.get());
                json.put("enabled", false);
            }
            default -> {
                boolean all = args.flag("all");
                List<StoredRule> rules;
                try (Connection db = DatabaseLogin.connect(command, args)) {
                    rules = RuleCatalog.inForce(db, tenant, all);
                }
                printTable(tenant, all, rules, err);
                List<Map<String, Object>> entries = new ArrayList<>();
                for (StoredRule rule : rules) {
                    entries.add(entry(rule));
                }
                json.put("rules", entries);
            }
        }
        out.println(JSON.writeValueAsString(json));
        out.flush();
        return 0;
    }

    /** The rule {@code set} stores, checked as the job checks it; every refusal is a usage error. */
    private static AlertRule rule(String command, Args args, String tenant, String ruleId) {
        RuleKind kind = checked(command, () -> RuleKind.of(args.required("kind")));
        String gateway = optional(args, "gateway", value -> GatewayAddress.requireSegment("--gateway", value), command);
        String machine = optional(args, "machine", value -> identifier("--machine", value), command);
        String sensor = optional(args, "sensor", value -> identifier("--sensor", value), command);
        String direction = args.string("direction", "above");
        if (!direction.equals("above") && !direction.equals("below")) {
            throw new UsageException(command + ": --direction must be above or below, got '"
                    + QuotedText.abbreviate(direction) + "'");
        }
        String severity = args.string("severity", "warning");
        if (!SEVERITIES.contains(severity)) {
            throw new UsageException(command + ": --severity must be info, warning or critical, got '"
                    + QuotedText.abbreviate(severity) + "'");
        }
        double trigger = level(command, args, "trigger");
        double clear = level(command, args, "clear");
        if (Double.isNaN(trigger) && !Double.isNaN(clear)) {
            throw new UsageException(command + ": --clear needs --trigger (the clear level is the trigger level's"
                    + " hysteresis)");
        }
        long hold = duration(command, args, "hold", true);
        if (hold > 0 && (kind == RuleKind.ANOMALY || kind == RuleKind.DATA_GAP)) {
            throw new UsageException(command + ": --hold does not apply to " + kind.sqlName() + " rules ("
                    + (kind == RuleKind.ANOMALY ? "an anomaly" : "a data gap") + " is an event: its alert opens at once;"
                    + " --clear-hold is how long none must follow before it resolves)");
        }
        long clearHold = duration(command, args, "clear-hold", true);
        long silence = duration(command, args, "silence", false);
        try {
            return new AlertRule(tenant, ruleId, 1, kind, severity, gateway, machine, sensor,
                    direction.equals("above"), trigger, clear, hold, clearHold, silence);
        } catch (IllegalArgumentException e) {
            throw new UsageException(command + ": " + e.getMessage() + " (--sensor, --trigger, --clear and --silence"
                    + " set sensor, trigger_level, clear_level and silence_s); the telemetry job would ignore this rule");
        }
    }

    private static String ruleId(String command, String id) {
        if (!AlertRule.RULE_ID.matcher(id).matches()) {
            throw new UsageException(command + ": --id '" + QuotedText.abbreviate(id) + "' must match "
                    + AlertRule.RULE_ID.pattern());
        }
        return id;
    }

    private static String identifier(String option, String value) {
        if (!BatchValidator.IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException(option + " '" + QuotedText.abbreviate(value) + "' must match "
                    + BatchValidator.IDENTIFIER.pattern() + " (the telemetry protocol's ids)");
        }
        return value;
    }

    private static double level(String command, Args args, String key) {
        String value = args.string(key, null);
        if (value == null) {
            return Double.NaN;
        }
        try {
            double level = Double.parseDouble(value.trim());
            if (Double.isFinite(level)) {
                return level;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(command + ": --" + key + " must be a finite number, got '"
                + QuotedText.abbreviate(value) + "'");
    }

    /** A duration option in milliseconds; absent is 0; zero itself only where {@code zeroAllowed}. */
    private static long duration(String command, Args args, String key, boolean zeroAllowed) {
        String value = args.string(key, null);
        if (value == null) {
            return 0;
        }
        if (zeroAllowed && ZERO.matcher(value.trim()).matches()) {
            return 0;
        }
        try {
            Duration parsed = Durations.parse(value);
            return parsed.toMillis();
        } catch (IllegalArgumentException e) {
            throw new UsageException(command + ": --" + key + " " + e.getMessage());
        }
    }

    private interface Check<T> {
        T get();
    }

    private interface Segment {
        String check(String value);
    }

    private static <T> T checked(String command, Check<T> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw new UsageException(command + ": " + e.getMessage());
        }
    }

    private static String optional(Args args, String key, Segment segment, String command) {
        String value = args.string(key, null);
        return value == null ? null : checked(command, () -> segment.check(value));
    }

    private static Map<String, Object> entry(StoredRule rule) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("rule", rule.ruleId());
        entry.put("version", rule.version());
        entry.put("kind", rule.kind());
        entry.put("enabled", rule.enabled());
        entry.put("severity", rule.severity());
        entry.put("gateway", rule.gateway());
        entry.put("machine", rule.machine());
        entry.put("sensor", rule.sensor());
        entry.put("direction", rule.direction());
        entry.put("trigger_level", number(rule.triggerLevel()));
        entry.put("clear_level", number(rule.clearLevel()));
        entry.put("hold_s", number(rule.holdSeconds()));
        entry.put("clear_hold_s", number(rule.clearHoldSeconds()));
        entry.put("silence_s", number(rule.silenceSeconds()));
        entry.put("description", rule.description());
        return entry;
    }

    private static Double number(double value) {
        return Double.isNaN(value) ? null : value;
    }

    private static void printTable(String tenant, boolean all, List<StoredRule> rules, PrintStream err) {
        if (rules.isEmpty()) {
            err.println("tenant " + tenant + " has no " + (all ? "" : "enabled ") + "alert rules");
            return;
        }
        String format = "%-20s %7s %-15s %-7s %-8s %-14s %-14s %-14s %-9s %9s %9s %7s %7s %7s%n";
        err.printf(Locale.ROOT, format, "RULE", "VERSION", "KIND", "ENABLED", "SEVERITY", "GATEWAY", "MACHINE",
                "SENSOR", "DIRECTION", "TRIGGER", "CLEAR", "HOLD", "C_HOLD", "SILENCE");
        for (StoredRule r : rules) {
            err.printf(Locale.ROOT, format, r.ruleId(), r.version(), r.kind(), r.enabled(), r.severity(),
                    scope(r.gateway()), scope(r.machine()), scope(r.sensor()),
                    Double.isNaN(r.triggerLevel()) ? "-" : r.direction(), text(r.triggerLevel()),
                    text(r.clearLevel()), seconds(r.holdSeconds()), seconds(r.clearHoldSeconds()),
                    seconds(r.silenceSeconds()));
        }
        for (StoredRule r : rules) {
            if (r.enabled()) {
                try {
                    r.toAlertRule();
                } catch (IllegalArgumentException e) {
                    err.println(r.ruleId() + " v" + r.version() + ": the telemetry job ignores this rule: "
                            + e.getMessage());
                }
            }
        }
        err.println(rules.size() + " rules of tenant " + tenant + (all ? " (with the disabled ones)" : ""));
    }

    private static String scope(String value) {
        return value == null ? "*" : value;
    }

    private static String text(double value) {
        return Double.isNaN(value) ? "-" : java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private static String seconds(double value) {
        return Double.isNaN(value) ? "-" : text(value) + "s";
    }
}
