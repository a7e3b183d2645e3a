package io.werkstrom.app.fleet;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;

import io.werkstrom.app.DatabaseLogin;
import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.protocol.GatewayAddress;

/** The database options the fleet commands share: where the catalog is, and whose rows. */
final class FleetStore {

    /** The options every fleet command takes. */
    static final Set<String> OPTIONS = Set.of("jdbc-url", "user", "password-file", "tenant");

    private FleetStore() {
    }

    /** {@code --tenant}, checked against the protocol's rule for tenant names. */
    static String tenant(String command, Args args) {
        try {
            return GatewayAddress.requireSegment("--tenant", args.required("tenant"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(command + ": " + e.getMessage());
        }
    }

    /** A connection to {@code --jdbc-url} ({@link DatabaseLogin#connect}); the caller closes it. */
    static Connection connect(String command, Args args) throws SQLException {
        return DatabaseLogin.connect(command, args);
    }
}
