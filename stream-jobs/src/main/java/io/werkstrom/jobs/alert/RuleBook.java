package io.werkstrom.jobs.alert;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The alert rules in force, by tenant: for each (tenant, rule id) its highest version, when that
 * version is enabled. Immutable; a reload builds a new book.
 */
public final class RuleBook implements Serializable {

    private static final long serialVersionUID = 1L;

    private final Map<String, List<AlertRule>> byTenant;
    private final int size;

    public RuleBook(List<AlertRule> rules) {
        Map<String, List<AlertRule>> map = new HashMap<>();
        for (AlertRule rule : rules) {
            map.computeIfAbsent(rule.tenant(), t -> new ArrayList<>()).add(rule);
        }
        map.replaceAll((tenant, list) -> List.copyOf(list));
        this.byTenant = Map.copyOf(map);
        this.size = rules.size();
    }

    public static RuleBook empty() {
        return new RuleBook(List.of());
    }

    /** The tenant's rules in force; never another tenant's. */
    public List<AlertRule> rulesOf(String tenant) {
        return byTenant.getOrDefault(tenant, List.of());
    }

    public int size() {
        return size;
    }

    @Override
    public String toString() {
        return "RuleBook[" + size + " rules of " + byTenant.size() + " tenants]";
    }
}
