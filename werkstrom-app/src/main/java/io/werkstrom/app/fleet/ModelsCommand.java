package io.werkstrom.app.fleet;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.jobs.storage.MachineTypes;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.protocol.GatewayAddress;

/**
 * {@code ./werkstrom models list}: the fleet models of one tenant: per model name and machine type
 * the newest version (the one running jobs use unless it cannot be read; then they use the newest
 * readable one, which this listing does not check), how many versions are stored, the metrics
 * measured at training, the rows that give its type (a machine id typed on every gateway, or
 * {@code gateway/machine} typed on one gateway) and the machines it serves by
 * {@link MachineTypes#typeOf}, gateway by gateway ({@link MachineTypes#machinesOfType}). Reads every
 * column but the payload, so listing stays cheap however large the models are. A table goes to
 * stderr; the last stdout line is a JSON object.
 */
public final class ModelsCommand {

    static final String USAGE = "models list --jdbc-url URL [--user U] [--password-file F] --tenant T [--name NAME]";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The newest version of one (name, machine type), without its payload. */
    private record Newest(String name, String machineType, int version, int versions, String kind,
                           Instant trainedAt, int trainingRows, JsonNode metrics) {
    }

    private ModelsCommand() {
    }

    public static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        if (argv.isEmpty() || !argv.get(0).equals("list")) {
            throw new UsageException("models: expected list" + (argv.isEmpty() ? "" : ", got '" + argv.get(0) + "'")
                    + "; usage: " + USAGE);
        }
        Set<String> options = new HashSet<>(FleetStore.OPTIONS);
        options.add("name");
        Args args = Args.parse("models list", argv.subList(1, argv.size()), options, Set.of());
        String tenant = FleetStore.tenant("models list", args);
        String name = args.string("name", null);
        if (name != null) {
            try {
                GatewayAddress.requireSegment("--name", name);
            } catch (IllegalArgumentException e) {
                throw new UsageException("models list: " + e.getMessage());
            }
        }

        List<Newest> models;
        MachineTypes machineTypes;
        try (Connection db = FleetStore.connect("models list", args)) {
            models = newest(db, tenant, name);
            machineTypes = ModelCatalog.machineTypes(db, tenant);
        }
        // a row for every gateway names the machine id, a gateway's own row gateway/machine
        Map<String, List<String>> rowsByType = new TreeMap<>();
        for (MachineTypes.Row row : machineTypes.rows()) {
            rowsByType.computeIfAbsent(row.machineType(), t -> new ArrayList<>()).add(
                    (row.gateway().equals(MachineTypes.EVERY_GATEWAY) ? "" : row.gateway() + "/") + row.machine());
        }

        printTable(tenant, name, models, machineTypes, rowsByType.keySet(), err);
        List<Map<String, Object>> entries = new ArrayList<>();
        for (Newest model : models) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", model.name());
            entry.put("machine_type", model.machineType());
            entry.put("version", model.version());
            entry.put("versions", model.versions());
            entry.put("kind", model.kind());
            entry.put("trained_at", model.trainedAt().toString());
            entry.put("training_rows", model.trainingRows());
            entry.put("metrics", model.metrics());
            // every machine without a row has the default type: too many (and unknown here) to name
            boolean untyped = model.machineType().equals(ModelCatalog.DEFAULT_TYPE);
            entry.put("machines", untyped ? null : rowsByType.getOrDefault(model.machineType(), List.of()));
            entry.put("machines_by_gateway", untyped ? null : machineTypes.machinesOfType(model.machineType()));
            entries.add(entry);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("tenant", tenant);
        json.put("models", entries);
        out.println(JSON.writeValueAsString(json));
        out.flush();
        return 0;
    }

    /** The newest version per (name, machine type) of the tenant's models, optionally of one name. */
    private static List<Newest> newest(Connection db, String tenant, String name) throws SQLException {
        // the window counts before DISTINCT ON keeps the newest row of each group; no payload is read
        String sql = "SELECT DISTINCT ON (name, machine_type) name, machine_type, version,"
                + " count(*) OVER (PARTITION BY name, machine_type), kind, trained_at, training_rows, metrics"
                + " FROM models WHERE tenant = ?" + (name == null ? "" : " AND name = ?")
                + " ORDER BY name, machine_type, version DESC";
        List<Newest> models = new ArrayList<>();
        try (PreparedStatement query = db.prepareStatement(sql)) {
            query.setString(1, tenant);
            if (name != null) {
                query.setString(2, name);
            }
            try (ResultSet r = query.executeQuery()) {
                while (r.next()) {
                    models.add(new Newest(r.getString(1), r.getString(2), r.getInt(3), r.getInt(4), r.getString(5),
                            r.getTimestamp(6).toInstant(), r.getInt(7), metrics(r.getString(8))));
                }
            }
        }
        return models;
    }

    /** The stored metrics as a JSON object, or null when absent or not a JSON object. */
    static JsonNode metrics(String text) {
        if (text == null) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(text);
            return node != null && node.isObject() ? node : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static void printTable(String tenant, String name, List<Newest> models, MachineTypes machineTypes,
                                   Set<String> mappedTypes, PrintStream err) {
        if (models.isEmpty()) {
            err.println("tenant " + tenant + " has no " + (name == null ? "" : name + " ") + "models");
        } else {
            String format = "%-14s %-14s %7s %8s %-24s %-20s %13s  %s%n";
            err.printf(format, "NAME", "MACHINE_TYPE", "VERSION", "VERSIONS", "KIND", "TRAINED_AT", "TRAINING_ROWS",
                    "MACHINES");
            for (Newest m : models) {
                String machines = served(machineTypes.machinesOfType(m.machineType()));
                String served = m.machineType().equals(ModelCatalog.DEFAULT_TYPE) ? "every unmapped machine"
                        + (machines.isEmpty() ? "" : " and " + machines)
                        : machines.isEmpty() ? "(no mapped machine)" : machines;
                err.printf(format, m.name(), m.machineType(), m.version(), m.versions(), m.kind(),
                        m.trainedAt().truncatedTo(ChronoUnit.SECONDS),
                        m.trainingRows(), served);
            }
        }
        Set<String> names = new TreeSet<>();
        models.forEach(m -> names.add(m.name()));
        for (String modelName : names) {
            if (models.stream().anyMatch(m -> m.name().equals(modelName)
                    && m.machineType().equals(ModelCatalog.DEFAULT_TYPE))) {
                err.println(modelName + ": every machine of tenant " + tenant + " without a type ('machines set')"
                        + " uses its '" + ModelCatalog.DEFAULT_TYPE + "' model");
            }
            for (String type : mappedTypes) {
                if (models.stream().noneMatch(m -> m.name().equals(modelName) && m.machineType().equals(type))) {
                    err.println(modelName + ": no model for type '" + type + "': its machines ("
                            + served(machineTypes.machinesOfType(type)) + ") have no " + modelName + " fleet model");
                }
            }
        }
    }

    /**
     * The machines of one type ({@link MachineTypes#machinesOfType}) as text: the machine ids of the
     * type on every gateway, each with the gateways where it has another type, then
     * {@code gateway/machine} for a machine of the type on that gateway only.
     */
    private static String served(SortedMap<String, SortedSet<String>> machinesOfType) {
        SortedSet<String> everyGateway = machinesOfType.get(MachineTypes.EVERY_GATEWAY);
        List<String> served = new ArrayList<>();
        for (String machine : everyGateway) {
            List<String> notOn = new ArrayList<>();
            machinesOfType.forEach((gateway, machines) -> {
                if (!machines.contains(machine)) {
                    notOn.add(gateway);
                }
            });
            served.add(machine + (notOn.isEmpty() ? "" : " (not on " + String.join(", ", notOn) + ")"));
        }
        machinesOfType.forEach((gateway, machines) -> {
            if (!gateway.equals(MachineTypes.EVERY_GATEWAY)) {
                machines.stream().filter(machine -> !everyGateway.contains(machine))
                        .forEach(machine -> served.add(gateway + "/" + machine));
            }
        });
        return String.join(", ", served);
    }
}
