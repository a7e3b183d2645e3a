package io.werkstrom.app.report;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a report shows, read from the database in one pass: bucketed signals per machine and
 * sensor with the anomalies found in them, scrap rate per machine and shift (predicted next to
 * actual where predictions are stored), and the alerts of the range.
 *
 * <p>Signals come from the raw table for ranges up to {@link #RAW_LIMIT} and from the per-minute
 * aggregate beyond, as the dashboards do. Optional tables (predictions, alerts) that a deployment
 * does not have yet leave their section empty with a note instead of failing the report.
 */
public record ReportData(Instant from, Instant to, Optional<String> tenant, List<Series> series,
                         List<AnomalyMark> anomalies, List<QualityRow> quality, boolean predictionsStored,
                         List<AlertRow> alerts, boolean alertsStored, long samples) {

    /** Ranges up to this length read raw samples; longer ones read the per-minute aggregate. */
    static final Duration RAW_LIMIT = Duration.ofHours(6);
    /** Points per chart: enough to see a drift or a spike, few enough for a light page. */
    static final int POINTS_PER_SERIES = 240;
    /** Sensors emitted once per production cycle: they are quality outcomes, not signals. */
    static final List<String> CYCLE_SENSORS = List.of("part_scrap", "cycle_time_s");

    public ReportData {
        series = List.copyOf(series);
        anomalies = List.copyOf(anomalies);
        quality = List.copyOf(quality);
        alerts = List.copyOf(alerts);
    }

    /** One signal: bucket start times (epoch ms) with the average, minimum and maximum per bucket. */
    public record Series(String tenant, String machine, String sensor, long[] times, double[] avg, double[] min,
                         double[] max) {
    }

    public record AnomalyMark(String tenant, String machine, String sensor, Instant time, double value, double score,
                              String detector) {
    }

    /** Scrap per machine and shift; {@code predicted} is NaN where no prediction was stored. */
    public record QualityRow(String tenant, String machine, String shift, long parts, double actualScrapRate,
                             double predictedScrapRate) {
    }

    public record AlertRow(String tenant, String machine, String rule, String state, Instant opened, Instant closed,
                           String message) {
    }

    /**
     * Reads the report's data for {@code [from, to)}; {@code tenant} limits it to one tenant, and
     * {@code maxMachines} bounds the page (the machines with the most anomalies come first).
     */
    public static ReportData load(Connection db, Instant from, Instant to, Optional<String> tenant, int maxMachines)
            throws SQLException {
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("the report range is empty: " + from + " .. " + to);
        }
        List<AnomalyMark> anomalies = anomalies(db, from, to, tenant);
        List<String[]> machines = machines(db, from, to, tenant, maxMachines);
        List<Series> series = new ArrayList<>();
        for (String[] machine : machines) {
            series.addAll(series(db, from, to, machine[0], machine[1]));
        }
        boolean predictions = exists(db, "quality_predictions");
        boolean alertsStored = exists(db, "alerts");
        return new ReportData(from, to, tenant, series, anomalies, quality(db, from, to, tenant, predictions),
                predictions, alertsStored ? alerts(db, from, to, tenant) : List.of(), alertsStored,
                samples(db, from, to, tenant));
    }

    private static boolean exists(Connection db, String table) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            s.setString(1, table);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getBoolean(1);
            }
        }
    }

    private static String tenantFilter(Optional<String> tenant) {
        return tenant.isPresent() ? " AND tenant = ?" : "";
    }

    private static int bindRange(PreparedStatement s, Instant from, Instant to, Optional<String> tenant)
            throws SQLException {
        s.setTimestamp(1, Timestamp.from(from));
        s.setTimestamp(2, Timestamp.from(to));
        if (tenant.isPresent()) {
            s.setString(3, tenant.get());
            return 4;
        }
        return 3;
    }

    private static List<String[]> machines(Connection db, Instant from, Instant to, Optional<String> tenant, int max)
            throws SQLException {
        String sql = "SELECT t.tenant, t.machine FROM (SELECT DISTINCT tenant, machine FROM "
                + sourceTable(from, to) + " WHERE " + timeColumn(from, to) + " >= ? AND " + timeColumn(from, to)
                + " < ?" + tenantFilter(tenant) + ") t LEFT JOIN (SELECT tenant, machine, count(*) AS n FROM anomalies"
                + " GROUP BY 1, 2) a USING (tenant, machine) ORDER BY coalesce(a.n, 0) DESC, t.tenant, t.machine LIMIT ?";
        List<String[]> machines = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement(sql)) {
            int next = bindRange(s, from, to, tenant);
            s.setInt(next, max);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    machines.add(new String[] {r.getString(1), r.getString(2)});
                }
            }
        }
        machines.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        return machines;
    }

    private static boolean raw(Instant from, Instant to) {
        return Duration.between(from, to).compareTo(RAW_LIMIT) <= 0;
    }

    private static String sourceTable(Instant from, Instant to) {
        return raw(from, to) ? "telemetry" : "telemetry_1m";
    }

    private static String timeColumn(Instant from, Instant to) {
        return raw(from, to) ? "time" : "bucket";
    }

    private static List<Series> series(Connection db, Instant from, Instant to, String tenant, String machine)
            throws SQLException {
        double width = Math.max(1.0, Duration.between(from, to).toMillis() / 1000.0 / POINTS_PER_SERIES);
        String time = timeColumn(from, to);
        String avg = raw(from, to) ? "avg(value)" : "sum(avg * count) / nullif(sum(count), 0)";
        String min = raw(from, to) ? "min(value)" : "min(min)";
        String max = raw(from, to) ? "max(value)" : "max(max)";
        String quality = raw(from, to) ? " AND quality < 2" : "";
        String sql = "SELECT sensor, to_timestamp(floor(extract(epoch FROM " + time + ") / ?) * ?) AS b, " + avg + ", "
                + min + ", " + max + " FROM " + sourceTable(from, to) + " WHERE tenant = ? AND machine = ? AND " + time
                + " >= ? AND " + time + " < ?" + quality + " AND sensor NOT IN ('part_scrap', 'cycle_time_s')"
                + " GROUP BY 1, 2 ORDER BY 1, 2";
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        try (PreparedStatement s = db.prepareStatement(sql)) {
            s.setDouble(1, width);
            s.setDouble(2, width);
            s.setString(3, tenant);
            s.setString(4, machine);
            s.setTimestamp(5, Timestamp.from(from));
            s.setTimestamp(6, Timestamp.from(to));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    points.computeIfAbsent(r.getString(1), k -> new ArrayList<>()).add(new double[] {
                            r.getTimestamp(2).getTime(), r.getDouble(3), r.getDouble(4), r.getDouble(5)});
                }
            }
        }
        List<Series> series = new ArrayList<>();
        points.forEach((sensor, rows) -> {
            int n = rows.size();
            long[] times = new long[n];
            double[] avgs = new double[n];
            double[] mins = new double[n];
            double[] maxs = new double[n];
            for (int i = 0; i < n; i++) {
                double[] row = rows.get(i);
                times[i] = (long) row[0];
                avgs[i] = row[1];
                mins[i] = row[2];
                maxs[i] = row[3];
            }
            series.add(new Series(tenant, machine, sensor, times, avgs, mins, maxs));
        });
        return series;
    }

    private static List<AnomalyMark> anomalies(Connection db, Instant from, Instant to, Optional<String> tenant)
            throws SQLException {
        String sql = "SELECT tenant, machine, sensor, time, value, score, detector FROM anomalies WHERE time >= ? AND time < ?"
                + tenantFilter(tenant) + " ORDER BY time LIMIT 5000";
        List<AnomalyMark> marks = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement(sql)) {
            bindRange(s, from, to, tenant);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    marks.add(new AnomalyMark(r.getString(1), r.getString(2), r.getString(3),
                            r.getTimestamp(4).toInstant(), r.getDouble(5), r.getDouble(6), r.getString(7)));
                }
            }
        }
        return marks;
    }

    /** Shifts of eight hours starting 06:00, 14:00 and 22:00 UTC. */
    private static final String SHIFT = "CASE WHEN extract(hour FROM time AT TIME ZONE 'UTC') >= 6"
            + " AND extract(hour FROM time AT TIME ZONE 'UTC') < 14 THEN 'early'"
            + " WHEN extract(hour FROM time AT TIME ZONE 'UTC') >= 14 AND extract(hour FROM time AT TIME ZONE 'UTC') < 22"
            + " THEN 'late' ELSE 'night' END";

    private static List<QualityRow> quality(Connection db, Instant from, Instant to, Optional<String> tenant,
                                            boolean predictions) throws SQLException {
        String actual = "SELECT tenant, machine, " + SHIFT + " AS shift, count(*) AS parts, avg(value) AS scrap"
                + " FROM telemetry WHERE sensor = 'part_scrap' AND quality < 2 AND time >= ? AND time < ?"
                + tenantFilter(tenant) + " GROUP BY 1, 2, 3";
        String sql = predictions
                ? "SELECT a.tenant, a.machine, a.shift, a.parts, a.scrap, p.predicted FROM (" + actual + ") a LEFT JOIN"
                        + " (SELECT tenant, machine, " + SHIFT.replace("time", "cycle_end") + " AS shift,"
                        + " avg(probability) AS predicted FROM quality_predictions WHERE cycle_end >= ? AND cycle_end < ?"
                        + tenantFilter(tenant) + " GROUP BY 1, 2, 3) p USING (tenant, machine, shift) ORDER BY 1, 2, 3"
                : actual + " ORDER BY 1, 2, 3";
        List<QualityRow> rows = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement(sql)) {
            int next = bindRange(s, from, to, tenant);
            if (predictions) {
                s.setTimestamp(next++, Timestamp.from(from));
                s.setTimestamp(next++, Timestamp.from(to));
                if (tenant.isPresent()) {
                    s.setString(next, tenant.get());
                }
            }
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    double predicted = predictions ? r.getDouble(6) : Double.NaN;
                    if (predictions && r.wasNull()) {
                        predicted = Double.NaN;
                    }
                    rows.add(new QualityRow(r.getString(1), r.getString(2), r.getString(3), r.getLong(4),
                            r.getDouble(5), predicted));
                }
            }
        }
        return rows;
    }

    private static List<AlertRow> alerts(Connection db, Instant from, Instant to, Optional<String> tenant)
            throws SQLException {
        // gateway rules (offline, data gap) have no machine: the gateway stands in for it
        String sql = "SELECT tenant, coalesce(machine, gateway), rule_id, state, opened_at, resolved_at, message FROM alerts"
                + " WHERE opened_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)" + tenantFilter(tenant)
                + " ORDER BY opened_at DESC LIMIT 500";
        List<AlertRow> rows = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement(sql)) {
            s.setTimestamp(1, Timestamp.from(to));
            s.setTimestamp(2, Timestamp.from(from));
            if (tenant.isPresent()) {
                s.setString(3, tenant.get());
            }
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    Timestamp closed = r.getTimestamp(6);
                    rows.add(new AlertRow(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                            r.getTimestamp(5).toInstant(), closed == null ? null : closed.toInstant(), r.getString(7)));
                }
            }
        }
        return rows;
    }

    private static long samples(Connection db, Instant from, Instant to, Optional<String> tenant) throws SQLException {
        String sql = raw(from, to)
                ? "SELECT count(*) FROM telemetry WHERE time >= ? AND time < ?" + tenantFilter(tenant)
                : "SELECT coalesce(sum(count), 0) FROM telemetry_1m WHERE bucket >= ? AND bucket < ?" + tenantFilter(tenant);
        try (PreparedStatement s = db.prepareStatement(sql)) {
            bindRange(s, from, to, tenant);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }
}
