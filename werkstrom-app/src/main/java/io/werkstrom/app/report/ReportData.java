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
                         List<AnomalyMark> anomalies, long anomaliesInRange, List<QualityRow> quality,
                         boolean predictionsStored, List<AlertRow> alerts, long alertsInRange, boolean alertsStored,
                         long samples) {

    /** Ranges up to this length read raw samples; longer ones read the per-minute aggregate. */
    static final Duration RAW_LIMIT = Duration.ofHours(6);
    /** Points per chart: enough to see a drift or a spike, few enough for a light page. */
    static final int POINTS_PER_SERIES = 240;
    /** Sensors emitted once per production cycle: they are quality outcomes, not signals. */
    static final List<String> CYCLE_SENSORS = List.of("part_scrap", "cycle_time_s");
    /** Anomalies a page marks at most: the newest of the range; {@link #anomaliesInRange} counts them all. */
    static final int MAX_ANOMALIES = 5_000;
    /** Alerts a page lists at most: the newest opened; {@link #alertsInRange} counts them all. */
    static final int MAX_ALERTS = 500;

    public ReportData {
        series = List.copyOf(series);
        anomalies = List.copyOf(anomalies);
        quality = List.copyOf(quality);
        alerts = List.copyOf(alerts);
    }

    /**
     * One signal: bucket start times (epoch ms) with the average, minimum and maximum per bucket.
     * Machine ids are unique per gateway only (every simulated gateway has an m-001), so a machine
     * is named by tenant, gateway and machine throughout.
     */
    public record Series(String tenant, String gateway, String machine, String sensor, long[] times, double[] avg,
                         double[] min, double[] max) {
    }

    public record AnomalyMark(String tenant, String gateway, String machine, String sensor, Instant time,
                              double value, double score, String detector) {
    }

    /** Scrap per machine and shift; {@code predicted} is NaN where no prediction was stored. */
    public record QualityRow(String tenant, String gateway, String machine, String shift, long parts,
                             double actualScrapRate, double predictedScrapRate) {
    }

    /** An alert; {@code machine} is the gateway for gateway rules (offline, data gap), which have no machine. */
    public record AlertRow(String tenant, String gateway, String machine, String rule, String state, Instant opened,
                           Instant closed, String message) {
    }

    /**
     * Reads the report's data for {@code [from, to)}; {@code tenant} limits it to one tenant, and
     * {@code maxMachines} bounds the page (the machines with the most anomalies in the range come
     * first). At most {@link #MAX_ANOMALIES} anomalies and {@link #MAX_ALERTS} alerts are read, the
     * newest; the record counts all of the range's.
     */
    public static ReportData load(Connection db, Instant from, Instant to, Optional<String> tenant, int maxMachines)
            throws SQLException {
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("the report range is empty: " + from + " .. " + to);
        }
        List<AnomalyMark> anomalies = anomalies(db, from, to, tenant);
        long anomaliesInRange = anomalies.size() < MAX_ANOMALIES ? anomalies.size()
                : count(db, "SELECT count(*) FROM anomalies WHERE time >= ? AND time < ?" + tenantFilter(tenant),
                        from, to, tenant);
        List<String[]> machines = machines(db, from, to, tenant, maxMachines);
        List<Series> series = new ArrayList<>();
        for (String[] machine : machines) {
            series.addAll(series(db, from, to, machine[0], machine[1], machine[2]));
        }
        boolean predictions = exists(db, "quality_predictions");
        boolean alertsStored = exists(db, "alerts");
        List<AlertRow> alerts = alertsStored ? alerts(db, from, to, tenant) : List.of();
        long alertsInRange = alerts.size() < MAX_ALERTS ? alerts.size()
                : count(db, "SELECT count(*) FROM alerts WHERE opened_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)"
                        + tenantFilter(tenant), to, from, tenant);
        return new ReportData(from, to, tenant, series, anomalies, anomaliesInRange,
                quality(db, from, to, tenant, predictions), predictions, alerts, alertsInRange, alertsStored,
                samples(db, from, to, tenant));
    }

    /**
     * Whether any telemetry of {@code tenant} is stored or recorded in the ledger, at any time (what
     * the retention left): none means the database never heard of such a tenant.
     */
    public static boolean hasTelemetry(Connection db, String tenant) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("SELECT EXISTS (SELECT 1 FROM batch_ledger WHERE tenant = ?)"
                + " OR EXISTS (SELECT 1 FROM telemetry WHERE tenant = ?)")) {
            s.setString(1, tenant);
            s.setString(2, tenant);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getBoolean(1);
            }
        }
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
        return bindRange(s, 1, from, to, tenant);
    }

    /** Binds a range and the tenant (when given) from parameter {@code first} on; returns the next parameter. */
    private static int bindRange(PreparedStatement s, int first, Instant from, Instant to, Optional<String> tenant)
            throws SQLException {
        s.setTimestamp(first, Timestamp.from(from));
        s.setTimestamp(first + 1, Timestamp.from(to));
        if (tenant.isPresent()) {
            s.setString(first + 2, tenant.get());
            return first + 3;
        }
        return first + 2;
    }

    private static long count(Connection db, String sql, Instant first, Instant second, Optional<String> tenant)
            throws SQLException {
        try (PreparedStatement s = db.prepareStatement(sql)) {
            bindRange(s, first, second, tenant);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private static List<String[]> machines(Connection db, Instant from, Instant to, Optional<String> tenant, int max)
            throws SQLException {
        // Ranked by their anomalies in the range only: older ones neither push a machine onto the page
        // nor make the query read the whole table.
        String sql = "SELECT t.tenant, t.gateway, t.machine FROM (SELECT DISTINCT tenant, gateway, machine FROM "
                + sourceTable(from, to) + " WHERE " + timeColumn(from, to) + " >= ? AND " + timeColumn(from, to)
                + " < ?" + tenantFilter(tenant) + ") t LEFT JOIN (SELECT tenant, gateway, machine, count(*) AS n"
                + " FROM anomalies WHERE time >= ? AND time < ?" + tenantFilter(tenant) + " GROUP BY 1, 2, 3) a"
                + " USING (tenant, gateway, machine) ORDER BY coalesce(a.n, 0) DESC, t.tenant, t.gateway, t.machine"
                + " LIMIT ?";
        List<String[]> machines = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement(sql)) {
            int next = bindRange(s, from, to, tenant);
            next = bindRange(s, next, from, to, tenant);
            s.setInt(next, max);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    machines.add(new String[] {r.getString(1), r.getString(2), r.getString(3)});
                }
            }
        }
        machines.sort(java.util.Comparator.<String[], String>comparing(m -> m[0]).thenComparing(m -> m[1])
                .thenComparing(m -> m[2]));
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

    private static List<Series> series(Connection db, Instant from, Instant to, String tenant, String gateway,
                                       String machine) throws SQLException {
        double width = Math.max(1.0, Duration.between(from, to).toMillis() / 1000.0 / POINTS_PER_SERIES);
        String time = timeColumn(from, to);
        String avg = raw(from, to) ? "avg(value)" : "sum(avg * count) / nullif(sum(count), 0)";
        String min = raw(from, to) ? "min(value)" : "min(min)";
        String max = raw(from, to) ? "max(value)" : "max(max)";
        String quality = raw(from, to) ? " AND quality < 2" : "";
        String sql = "SELECT sensor, to_timestamp(floor(extract(epoch FROM " + time + ") / ?) * ?) AS b, " + avg + ", "
                + min + ", " + max + " FROM " + sourceTable(from, to) + " WHERE tenant = ? AND gateway = ? AND machine = ?"
                + " AND " + time
                + " >= ? AND " + time + " < ?" + quality + " AND sensor NOT IN ('part_scrap', 'cycle_time_s')"
                + " GROUP BY 1, 2 ORDER BY 1, 2";
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        try (PreparedStatement s = db.prepareStatement(sql)) {
            s.setDouble(1, width);
            s.setDouble(2, width);
            s.setString(3, tenant);
            s.setString(4, gateway);
            s.setString(5, machine);
            s.setTimestamp(6, Timestamp.from(from));
            s.setTimestamp(7, Timestamp.from(to));
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
            series.add(new Series(tenant, gateway, machine, sensor, times, avgs, mins, maxs));
        });
        return series;
    }

    private static List<AnomalyMark> anomalies(Connection db, Instant from, Instant to, Optional<String> tenant)
            throws SQLException {
        // the newest of the range when there are more than a page marks, shown in time order
        String sql = "SELECT * FROM (SELECT tenant, gateway, machine, sensor, time, value, score, detector"
                + " FROM anomalies WHERE time >= ? AND time < ?" + tenantFilter(tenant) + " ORDER BY time DESC LIMIT "
                + MAX_ANOMALIES + ") newest ORDER BY time, tenant, gateway, machine, sensor";
        List<AnomalyMark> marks = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement(sql)) {
            bindRange(s, from, to, tenant);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    marks.add(new AnomalyMark(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                            r.getTimestamp(5).toInstant(), r.getDouble(6), r.getDouble(7), r.getString(8)));
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
        String actual = "SELECT tenant, gateway, machine, " + SHIFT + " AS shift, count(*) AS parts, avg(value) AS scrap"
                + " FROM telemetry WHERE sensor = 'part_scrap' AND quality < 2 AND time >= ? AND time < ?"
                + tenantFilter(tenant) + " GROUP BY 1, 2, 3, 4";
        String sql = predictions
                ? "SELECT a.tenant, a.gateway, a.machine, a.shift, a.parts, a.scrap, p.predicted FROM (" + actual
                        + ") a LEFT JOIN (SELECT tenant, gateway, machine, " + SHIFT.replace("time", "cycle_end")
                        + " AS shift, avg(probability) AS predicted FROM quality_predictions WHERE cycle_end >= ?"
                        + " AND cycle_end < ?" + tenantFilter(tenant) + " GROUP BY 1, 2, 3, 4) p"
                        + " USING (tenant, gateway, machine, shift) ORDER BY 1, 2, 3, 4"
                : actual + " ORDER BY 1, 2, 3, 4";
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
                    double predicted = predictions ? r.getDouble(7) : Double.NaN;
                    if (predictions && r.wasNull()) {
                        predicted = Double.NaN;
                    }
                    rows.add(new QualityRow(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                            r.getLong(5), r.getDouble(6), predicted));
                }
            }
        }
        return rows;
    }

    private static List<AlertRow> alerts(Connection db, Instant from, Instant to, Optional<String> tenant)
            throws SQLException {
        // gateway rules (offline, data gap) have no machine: the gateway stands in for it
        String sql = "SELECT tenant, gateway, coalesce(machine, gateway), rule_id, state, opened_at, resolved_at,"
                + " message FROM alerts WHERE opened_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)"
                + tenantFilter(tenant) + " ORDER BY opened_at DESC LIMIT " + MAX_ALERTS;
        List<AlertRow> rows = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement(sql)) {
            s.setTimestamp(1, Timestamp.from(to));
            s.setTimestamp(2, Timestamp.from(from));
            if (tenant.isPresent()) {
                s.setString(3, tenant.get());
            }
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    Timestamp closed = r.getTimestamp(7);
                    rows.add(new AlertRow(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                            r.getString(5), r.getTimestamp(6).toInstant(), closed == null ? null : closed.toInstant(),
                            r.getString(8)));
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
