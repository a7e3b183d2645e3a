package io.werkstrom.jobs.storage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@code machines} table of one tenant: which type (fleet) each machine has, and so which fleet
 * models serve it. Machine ids are unique per gateway only, so a row names its gateway, or
 * {@value #EVERY_GATEWAY} for the machine id on every gateway of the tenant. {@link #typeOf} is
 * the one place that decides a machine's type. Immutable; read by {@link ModelCatalog#machineTypes}.
 */
public final class MachineTypes {

    /** The gateway of a row that types a machine id on every gateway of its tenant. */
    public static final String EVERY_GATEWAY = "*";

    /** A row of the {@code machines} table; {@code gateway} is {@value #EVERY_GATEWAY} for every gateway. */
    public record Row(String gateway, String machine, String machineType) {
    }

    /** gateway ({@value #EVERY_GATEWAY} included) -> machine -> type */
    private final SortedMap<String, SortedMap<String, String>> byGateway = new TreeMap<>();

    private MachineTypes(List<Row> rows) {
        for (Row row : rows) {
            byGateway.computeIfAbsent(row.gateway(), g -> new TreeMap<>()).put(row.machine(), row.machineType());
        }
    }

    /** The types the rows give; a later row for the same (gateway, machine) replaces an earlier one. */
    public static MachineTypes of(List<Row> rows) {
        return new MachineTypes(rows);
    }

    /**
     * The type of {@code machine} of {@code gateway}: that of the row for the gateway, else that of
     * the row for {@linkplain #EVERY_GATEWAY every gateway}, else {@value ModelCatalog#DEFAULT_TYPE}.
     */
    public String typeOf(String gateway, String machine) {
        String own = rowsOf(gateway).get(machine);
        return own != null ? own : rowsOf(EVERY_GATEWAY).getOrDefault(machine, ModelCatalog.DEFAULT_TYPE);
    }

    /** The rows of {@code gateway} (or of {@value #EVERY_GATEWAY}): machine -> type, by machine. */
    public SortedMap<String, String> rowsOf(String gateway) {
        return Collections.unmodifiableSortedMap(byGateway.getOrDefault(gateway, Collections.emptySortedMap()));
    }

    /**
     * The types in force on {@code gateway} for every machine that a row names there, its own or
     * one for every gateway: machine -> {@link #typeOf}, by machine.
     */
    public SortedMap<String, String> inForceOn(String gateway) {
        SortedMap<String, String> types = new TreeMap<>(rowsOf(EVERY_GATEWAY));
        types.putAll(rowsOf(gateway));
        return types;
    }

    /**
     * The machines that {@link #typeOf} gives {@code machineType}, by gateway: under
     * {@value #EVERY_GATEWAY} the machine ids of that type on every gateway that is not a key of its
     * own, then each gateway where the machines of that type differ from those (a row of its own
     * gives one of them another type, or gives one of its machines this type) with its machine ids
     * of that type. Of {@value ModelCatalog#DEFAULT_TYPE} only the machines that a row names: every
     * machine without a row has that type too.
     */
    public SortedMap<String, SortedSet<String>> machinesOfType(String machineType) {
        SortedMap<String, SortedSet<String>> machines = new TreeMap<>();
        SortedSet<String> everyGateway = ofType(rowsOf(EVERY_GATEWAY), machineType);
        machines.put(EVERY_GATEWAY, everyGateway);
        for (String gateway : byGateway.keySet()) {
            SortedSet<String> own = ofType(inForceOn(gateway), machineType);
            if (!gateway.equals(EVERY_GATEWAY) && !own.equals(everyGateway)) {
                machines.put(gateway, own);
            }
        }
        return machines;
    }

    private static SortedSet<String> ofType(SortedMap<String, String> types, String machineType) {
        SortedSet<String> machines = new TreeSet<>();
        types.forEach((machine, type) -> {
            if (type.equals(machineType)) {
                machines.add(machine);
            }
        });
        return machines;
    }

    /** Every row: those for every gateway first, then by gateway and machine. */
    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        rowsOf(EVERY_GATEWAY).forEach((machine, type) -> rows.add(new Row(EVERY_GATEWAY, machine, type)));
        byGateway.forEach((gateway, machines) -> {
            if (!gateway.equals(EVERY_GATEWAY)) {
                machines.forEach((machine, type) -> rows.add(new Row(gateway, machine, type)));
            }
        });
        return rows;
    }

    /** The machine ids that a row gives {@code machineType}: of a non-default type, only they can have it. */
    public Set<String> machinesNamed(String machineType) {
        Set<String> machines = new HashSet<>();
        for (Row row : rows()) {
            if (row.machineType().equals(machineType)) {
                machines.add(row.machine());
            }
        }
        return machines;
    }

    /**
     * The machine ids of another type than {@value ModelCatalog#DEFAULT_TYPE} on every gateway: a
     * row for every gateway gives them one, and no gateway has a row of its own for them.
     */
    public Set<String> typedOnEveryGateway() {
        Set<String> machines = new HashSet<>();
        rowsOf(EVERY_GATEWAY).forEach((machine, type) -> {
            if (!type.equals(ModelCatalog.DEFAULT_TYPE)) {
                machines.add(machine);
            }
        });
        byGateway.forEach((gateway, rows) -> {
            if (!gateway.equals(EVERY_GATEWAY)) {
                machines.removeAll(rows.keySet());
            }
        });
        return machines;
    }

    @Override
    public String toString() {
        return byGateway.toString();
    }
}
