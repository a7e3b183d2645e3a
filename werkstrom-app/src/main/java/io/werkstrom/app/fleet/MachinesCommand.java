package io.werkstrom.app.fleet;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.jobs.storage.MachineTypes;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.QuotedText;

/**
 * {@code ./werkstrom machines set|unset|list}: the {@code machines} table, which says which fleet
 * (machine type) each of a tenant's machines belongs to and so which fleet models serve it. Machine
 * ids are unique per gateway only: without {@code --gateway} a row types the machine id on every
 * gateway of the tenant; with it, the machine of that gateway, and that row wins
 * ({@link MachineTypes#typeOf}). A machine without a row has the type
 * {@value ModelCatalog#DEFAULT_TYPE}. {@code set} and {@code unset} change all the named machines
 * in one transaction or none; every name is checked before the database is touched. Running jobs
 * pick a change up at their next model refresh. The last stdout line is a JSON object with the
 * mapping: without {@code --gateway} the rows for every gateway, with it the types in force on
 * that gateway (its own rows and those for every gateway).
 */
public final class MachinesCommand {

    static final String USAGE = "machines set --jdbc-url URL [--user U] [--password-file F] --tenant T"
            + " [--gateway G] --type TYPE MACHINE..., machines unset ... --tenant T [--gateway G] MACHINE...,"
            + " or machines list ... --tenant T [--gateway G]";

    private static final Set<String> OPTIONS = union(FleetStore.OPTIONS, Set.of("type", "gateway"));

    private MachinesCommand() {
    }

    public static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        String action = argv.isEmpty() ? "" : argv.get(0);
        if (!Set.of("set", "unset", "list").contains(action)) {
            throw new UsageException("machines: expected set, unset or list"
                    + (action.isEmpty() ? "" : ", got '" + action + "'") + "; usage: " + USAGE);
        }
        String command = "machines " + action;
        List<String> optionArgs = new ArrayList<>();
        Set<String> machines = new LinkedHashSet<>();
        split(argv.subList(1, argv.size()), optionArgs, machines);
        Args args = Args.parse(command, optionArgs, OPTIONS, Set.of());
        String tenant = FleetStore.tenant(command, args);
        String gateway = args.string("gateway", null);
        String type = null;
        try {
            if (gateway != null) {
                GatewayAddress.requireSegment("--gateway", gateway);
            }
            if (action.equals("set")) {
                type = GatewayAddress.requireSegment("--type", args.required("type"));
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(command + ": " + e.getMessage());
        }
        if (!action.equals("set") && args.string("type", null) != null) {
            throw new UsageException(command + ": takes no --type" + (action.equals("unset")
                    ? " (an unset machine goes back to the type '" + ModelCatalog.DEFAULT_TYPE + "')" : ""));
        }
        if (action.equals("list") ? !machines.isEmpty() : machines.isEmpty()) {
            throw new UsageException(command + ": " + (action.equals("list") ? "takes no machines, got "
                    + String.join(" ", machines) : "name at least one machine") + "; usage: " + USAGE);
        }
        for (String machine : machines) {
            if (!BatchValidator.IDENTIFIER.matcher(machine).matches()) {
                throw new UsageException(command + ": machine '" + QuotedText.abbreviate(machine) + "' must match "
                        + BatchValidator.IDENTIFIER.pattern() + " (the machine ids of the telemetry protocol)");
            }
        }

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("tenant", tenant);
        json.put("gateway", gateway);
        String where = (gateway == null ? "" : "gateway " + gateway + " of ") + "tenant " + tenant;
        try (Connection db = FleetStore.connect(command, args)) {
            if (!action.equals("list")) {
                int changed = change(db, tenant, gateway, type, machines, err);
                err.println(command + ": " + changed + " of " + machines.size() + " machines of " + where
                        + " changed; running jobs pick the change up at their next model refresh");
                json.put("changed", changed);
            }
            MachineTypes types = ModelCatalog.machineTypes(db, tenant);
            SortedMap<String, String> mapping = gateway == null ? types.rowsOf(MachineTypes.EVERY_GATEWAY)
                    : types.inForceOn(gateway);
            if (action.equals("list")) {
                list(types, tenant, gateway, err);
            }
            json.put("machines", mapping);
            if (gateway == null) {
                json.put("gateways", ownRows(types));
            }
        }
        out.println(new ObjectMapper().writeValueAsString(json));
        out.flush();
        return 0;
    }

    /** Each gateway's own rows, gateway by gateway: machine to type, in order. */
    private static SortedMap<String, SortedMap<String, String>> ownRows(MachineTypes types) {
        SortedMap<String, SortedMap<String, String>> gateways = new TreeMap<>();
        for (MachineTypes.Row row : types.rows()) {
            if (!row.gateway().equals(MachineTypes.EVERY_GATEWAY)) {
                gateways.computeIfAbsent(row.gateway(), g -> new TreeMap<>()).put(row.machine(), row.machineType());
            }
        }
        return gateways;
    }

    /** Prints the rows for every gateway and those of each gateway, or the types in force on {@code gateway}. */
    private static void list(MachineTypes types, String tenant, String gateway, PrintStream err) {
        if (gateway == null) {
            List<MachineTypes.Row> rows = types.rows();
            for (MachineTypes.Row row : rows) {
                err.println((row.gateway().equals(MachineTypes.EVERY_GATEWAY) ? "" : row.gateway() + "/")
                        + row.machine() + "\t" + row.machineType());
            }
            long own = rows.stream().filter(row -> !row.gateway().equals(MachineTypes.EVERY_GATEWAY)).count();
            err.println((rows.size() - own) + " machines of tenant " + tenant + " have a type on every gateway, " + own
                    + " a type on one gateway (gateway/machine), which wins there; every other machine has the type '"
                    + ModelCatalog.DEFAULT_TYPE + "'");
        } else {
            SortedMap<String, String> inForce = types.inForceOn(gateway);
            inForce.forEach((machine, machineType) -> err.println(machine + "\t" + machineType
                    + (types.rowsOf(gateway).containsKey(machine) ? "" : "\t(row for every gateway)")));
            err.println(inForce.size() + " machines of gateway " + gateway + " of tenant " + tenant + " have a type;"
                    + " every other machine there has the type '" + ModelCatalog.DEFAULT_TYPE + "'");
        }
    }

    /**
     * Sets (type given) or removes (type null) the rows of {@code machines} of {@code gateway} (null:
     * the rows for every gateway) in one transaction; returns how many rows changed (a machine that
     * already had the type, or no row, is unchanged).
     */
    private static int change(Connection db, String tenant, String gateway, String type, Set<String> machines,
                              PrintStream err) throws SQLException {
        String scope = gateway == null ? MachineTypes.EVERY_GATEWAY : gateway;
        String sql = type == null ? "DELETE FROM machines WHERE tenant = ? AND gateway = ? AND machine = ?"
                : "INSERT INTO machines (tenant, gateway, machine, machine_type) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (tenant, gateway, machine) DO UPDATE SET machine_type = EXCLUDED.machine_type"
                + " WHERE machines.machine_type IS DISTINCT FROM EXCLUDED.machine_type";
        db.setAutoCommit(false);
        try {
            MachineTypes before = ModelCatalog.machineTypes(db, tenant);
            int changed = 0;
            try (PreparedStatement statement = db.prepareStatement(sql)) {
                for (String machine : machines) {
                    statement.setString(1, tenant);
                    statement.setString(2, scope);
                    statement.setString(3, machine);
                    if (type != null) {
                        statement.setString(4, type);
                    }
                    int rows = statement.executeUpdate();
                    changed += rows;
                    // without a row of its own, a gateway's machine has the type of the row for every gateway
                    String noRow = (gateway == null ? ModelCatalog.DEFAULT_TYPE
                            : before.typeOf(MachineTypes.EVERY_GATEWAY, machine)) + " (no row)";
                    String was = before.rowsOf(scope).getOrDefault(machine, noRow);
                    String now = type == null ? noRow : type;
                    err.println("  " + machine + ": " + (rows == 0 ? "unchanged, " + now : was + " -> " + now));
                }
            }
            db.commit();
            return changed;
        } catch (SQLException | RuntimeException e) {
            try {
                db.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        }
    }

    /** Sorts {@code argv} into option tokens (each option with its value) and the machines named between them. */
    private static void split(List<String> argv, List<String> optionArgs, Set<String> machines) {
        for (int i = 0; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (arg.startsWith("--")) {
                optionArgs.add(arg);
                if (!arg.contains("=") && OPTIONS.contains(arg.substring(2)) && i + 1 < argv.size()) {
                    optionArgs.add(argv.get(++i));
                }
            } else {
                machines.add(arg);
            }
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
