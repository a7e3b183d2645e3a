package io.werkstrom.app.report;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.app.DatabaseLogin;
import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.jobs.storage.JdbcUrls;
import io.werkstrom.protocol.GatewayAddress;

/**
 * {@code ./werkstrom report --since 1h --out report.html --jdbc-url URL}: the dashboards' views as
 * one self-contained HTML page, for people without a Grafana at hand. The last stdout line is a JSON
 * object with the file's path and what it shows.
 */
public final class ReportCommand {

    private ReportCommand() {
    }

    public static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse("report", argv,
                Set.of("since", "out", "jdbc-url", "user", "password-file", "tenant", "machines"), Set.of());
        Duration since;
        Path file;
        String jdbcUrl;
        int machines;
        try {
            since = args.duration("since", Duration.ofHours(1));
            if (since.isZero() || since.isNegative()) {
                throw new IllegalArgumentException("since must be positive");
            }
            file = Path.of(args.string("out", "report.html"));
            // else the whole range is read before the page cannot take the directory's place
            if (file.toAbsolutePath().getParent() == null || Files.isDirectory(file)) {
                throw new IllegalArgumentException("out must name a file, got the directory " + file.toAbsolutePath());
            }
            jdbcUrl = DatabaseLogin.jdbcUrl("report", args);
            machines = args.positiveInt("machines", Report.DEFAULT_MAX_MACHINES);
        } catch (IllegalArgumentException e) {
            throw new UsageException("report: --" + e.getMessage());
        }
        Optional<String> tenant;
        try {
            // a name no tenant can have would give an empty page that looks like a quiet range
            tenant = Optional.ofNullable(args.string("tenant", null))
                    .map(t -> GatewayAddress.requireSegment("--tenant", t));
        } catch (IllegalArgumentException e) {
            throw new UsageException("report: " + e.getMessage());
        }
        Report.directory(file);
        err.println("reading the last " + since + " from " + JdbcUrls.redacted(jdbcUrl) + tenant.map(t -> " for tenant " + t).orElse(""));
        ReportData data;
        try (Connection db = DatabaseLogin.connect("report", args)) {
            data = Report.write(db, since, tenant, machines, file, Clock.systemUTC());
            // An empty page for a tenant would look like a quiet range: say when the name is unknown.
            if (tenant.isPresent() && data.samples() == 0 && !ReportData.hasTelemetry(db, tenant.get())) {
                err.println("report: warning: the database holds no telemetry of tenant '" + tenant.get()
                        + "' at all; check --tenant");
            }
        }
        Path written = file.toAbsolutePath();
        err.println("wrote " + written);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("report", written.toString());
        json.put("samples", data.samples());
        json.put("charts", data.series().size());
        json.put("anomalies", data.anomalies().size());
        json.put("alerts", data.alerts().size());
        // the page shows at most the newest 5,000 anomalies and 500 alerts; these count all of the range's
        json.put("anomalies_in_range", data.anomaliesInRange());
        json.put("alerts_in_range", data.alertsInRange());
        out.println(new ObjectMapper().writeValueAsString(json));
        out.flush();
        return 0;
    }
}
