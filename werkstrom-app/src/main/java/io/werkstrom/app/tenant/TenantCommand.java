package io.werkstrom.app.tenant;

import io.werkstrom.app.DatabaseLogin;
import io.werkstrom.app.Secrets;
import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.protocol.GatewayAddress;
import org.postgresql.PGConnection;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code ./werkstrom tenant add NAME}: creates (or re-binds) the database role through which one
 * tenant reads its own rows and nothing else (migration V8, {@code werkstrom_create_tenant_role}),
 * and sets its password, in one transaction: a failure leaves no role and no binding. The password
 * comes from a file or the environment, and reaches the server only as a SCRAM-SHA-256 verifier
 * computed here, so it appears in no process list, no shell history and no server log.
 */
public final class TenantCommand {

    /** PostgreSQL's longest identifier, in bytes; longer names are silently truncated. */
    static final int MAX_ROLE_BYTES = 63;
    /** SQLSTATE of a PL/pgSQL RAISE EXCEPTION. */
    private static final String RAISED = "P0001";

    private TenantCommand() {
    }

    public static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        if (argv.isEmpty() || !argv.get(0).equals("add") || argv.size() < 2 || argv.get(1).startsWith("--")) {
            throw new UsageException("usage: tenant add NAME [--role ROLE] --password-file FILE --jdbc-url URL "
                    + "[--user USER] [--db-password-file FILE]");
        }
        String tenant = argv.get(1);
        Args args = Args.parse("tenant add", argv.subList(2, argv.size()),
                Set.of("role", "password-file", "jdbc-url", "user", "db-password-file"), Set.of());
        String role;
        String password;
        try {
            GatewayAddress.requireSegment("tenant", tenant);
            String given = args.string("role", null);
            if (given != null && given.isEmpty()) {
                // PostgreSQL would refuse it only as a "zero-length delimited identifier" inside the function.
                throw new IllegalArgumentException("--role must name a role; it is empty.");
            }
            role = given != null ? given : tenant.replace('-', '_') + "_reader";
            int bytes = role.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_ROLE_BYTES) {
                // PostgreSQL would cut the name at 63 bytes, so two tenants could end up with one role.
                throw new IllegalArgumentException((given != null ? "the role name '" : "the default role name '")
                        + role + "' has " + bytes + " bytes, more than PostgreSQL's " + MAX_ROLE_BYTES
                        + (given != null ? "; choose a shorter --role." : "; name a shorter one with --role."));
            }
            password = Secrets.fromFileOrEnv(args.string("password-file", null), "WERKSTROM_TENANT_PASSWORD");
            if (password.length() < 12) {
                throw new IllegalArgumentException("the tenant role's password (--password-file or "
                        + "WERKSTROM_TENANT_PASSWORD) must have at least 12 characters.");
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("tenant add: " + e.getMessage());
        }
        String dbPassword = Secrets.fromFileOrEnv(args.string("db-password-file", null), "WERKSTROM_DB_PASSWORD");
        try (Connection db = DriverManager.getConnection(DatabaseLogin.jdbcUrl("tenant add", args), args.string("user", "postgres"), dbPassword)) {
            // One transaction (PostgreSQL's CREATE ROLE, GRANT and ALTER ROLE are transactional): a failure
            // before the password is set leaves neither a role without it nor its binding.
            db.setAutoCommit(false);
            char[] secret = password.toCharArray();
            try {
                try (PreparedStatement create = db.prepareStatement("SELECT werkstrom_create_tenant_role(?, ?)")) {
                    create.setString(1, tenant);
                    create.setString(2, role);
                    create.execute();
                }
                db.unwrap(PGConnection.class).alterUserPassword(role, secret, "scram-sha-256");
                db.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    db.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            } finally {
                java.util.Arrays.fill(secret, '\0');
            }
        } catch (SQLException e) {
            // The function's own refusals (the role is bound to another tenant, or is no tenant role):
            // another name is the way out. Werkstrom.describe appends the cause's reason.
            String hint = RAISED.equals(e.getSQLState()) ? "; name another role with --role" : "";
            throw new SQLException("could not create the role " + role + " for tenant " + tenant + hint,
                    e.getSQLState(), e);
        }
        err.println("tenant " + tenant + ": role " + role + " reads only this tenant's rows (search_path werkstrom_tenant)");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("tenant", tenant);
        json.put("role", role);
        out.println(new ObjectMapper().writeValueAsString(json));
        return 0;
    }
}
