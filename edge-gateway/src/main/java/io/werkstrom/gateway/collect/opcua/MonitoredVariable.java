package io.werkstrom.gateway.collect.opcua;

import java.util.Objects;
import java.util.Optional;

import io.werkstrom.protocol.BatchValidator;

/**
 * One OPC UA variable the gateway monitors and the machine and sensor its values are recorded as.
 *
 * @param nodeId   {@code ns=<index>;s=<name>} (or {@code i=}, {@code g=}, {@code b=}), or
 *                 {@code nsu=<namespace uri>;s=<name>}, which survives a server that renumbers its namespaces
 * @param deadband this variable's deadband, or null for the collector's default
 */
public record MonitoredVariable(String nodeId, String machine, String sensor, Deadband deadband) {

    public MonitoredVariable {
        Objects.requireNonNull(nodeId, "nodeId must not be null.");
        Objects.requireNonNull(machine, "machine must not be null.");
        Objects.requireNonNull(sensor, "sensor must not be null.");
        if (nodeId.isBlank()) {
            throw new IllegalArgumentException("nodeId must not be blank.");
        }
        // The cloud refuses a whole batch for one bad name: every machine's samples in it would be lost.
        if (!BatchValidator.IDENTIFIER.matcher(machine).matches()) {
            throw new IllegalArgumentException("machine '" + machine + "' must match "
                    + BatchValidator.IDENTIFIER.pattern() + " (the cloud refuses other names).");
        }
        if (!BatchValidator.IDENTIFIER.matcher(sensor).matches()) {
            throw new IllegalArgumentException("sensor '" + sensor + "' must match "
                    + BatchValidator.IDENTIFIER.pattern() + " (the cloud refuses other names).");
        }
    }

    public MonitoredVariable(String nodeId, String machine, String sensor) {
        this(nodeId, machine, sensor, null);
    }

    public Optional<Deadband> ownDeadband() {
        return Optional.ofNullable(deadband);
    }
}
