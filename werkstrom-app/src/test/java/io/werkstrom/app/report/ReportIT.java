package io.werkstrom.app.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.jobs.storage.DetectedAnomaly;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.testing.PostgresServer;

/**
 * The report command on data written by the pipeline's store: the page holds one chart per signal
 * with the anomalies marked, the quality section and only the requested tenant, and headless
 * Chromium renders it to a picture that shows those charts. Machines of two gateways with one id
 * stay two machines; only the range's anomalies rank machines; past the page's caps the newest
 * anomalies and alerts are shown and all are counted.
 */
class ReportIT {

    private static final Instant NOW = Instant.now();
    private static final GatewayAddress ACME = new GatewayAddress("acme", "plant-1", "gw-1");
    private static final GatewayAddress OTHER = new GatewayAddress("other", "plant-9", "gw-9");

    @TempDir
    Path work;

    @Test
    void reportShowsTheTenantsSignalsAnomaliesAndQualityAndRendersInChromium() throws Exception {
        Path page = work.resolve("out/report.html");
        JsonNode result;
        try (PostgresServer server = PostgresServer.start()) {
            StoreOptions store = server.storeOptions();
            SchemaMigrator.migrate(store);
            writeData(store);
            writeAlerts(store);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = ReportCommand.run(List.of("--jdbc-url", store.jdbcUrl(), "--user", store.user(), "--since", "1h",
                    "--tenant", "acme", "--out", page.toString()), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
            String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
            result = new ObjectMapper().readTree(lines[lines.length - 1]);
        }
        assertEquals(page.toAbsolutePath().toString(), result.path("report").asText());
        assertEquals(4, result.path("charts").asInt(), "two machines with two signals each: " + result);
        assertEquals(3, result.path("anomalies").asInt(), result.toString());

        String html = Files.readString(page);
        assertEquals(4, count(html, "data-chart=\"signal\""));
        assertEquals(3, count(html, "class=\"anomaly\""), "every anomaly is marked on its signal");
        assertEquals(1, count(html, "data-chart=\"quality\""));
        assertTrue(html.contains("m-001") && html.contains("m-002"));
        assertFalse(html.contains("m-900") || html.contains("plant-9") || html.contains(">other<"),
                "another tenant's machine appears in acme's report");
        assertFalse(html.contains("<script") || html.contains("src=\"http") || html.contains("href=\"http"),
                "the page must be self-contained");
        assertTrue(html.contains("&lt;b&gt;"), "names from the database are escaped");
        assertTrue(html.contains("vibration above 7 mm/s"), "acme's open alert is listed");
        assertFalse(html.contains("secret other tenant alert"), "another tenant's alert appears");
        assertEquals(1, result.path("alerts").asInt(), result.toString());
        assertTrue(html.contains("90.0%"), "the stored prediction is shown next to the actual scrap: " + html);

        BufferedImage picture = render(page);
        assertTrue(share(picture, 0xFFFFFF, 2) < 0.95, "the rendered page is (almost) blank");
        assertTrue(pixels(picture, SvgChart.LINE_COLOUR, 40) > 500, "no signal lines visible in the rendering");
        assertTrue(pixels(picture, SvgChart.ANOMALY_COLOUR, 40) > 20, "no anomaly marks visible in the rendering");
        assertTrue(pixels(picture, SvgChart.ACTUAL_COLOUR, 40) > 50, "no scrap bars visible in the rendering");
    }

    @Test
    void machinesOfTwoGatewaysWithOneIdStayApartAndOnlyTheRangesAnomaliesRankThem() throws Exception {
        GatewayAddress a = new GatewayAddress("twin", "plant-1", "gw-a");
        GatewayAddress b = new GatewayAddress("twin", "plant-1", "gw-b");
        long start = BatchValidator.micros(NOW.minusSeconds(1_800));
        TelemetryBatch.Builder onA = TelemetryBatch.builder("gw-a", 0);
        TelemetryBatch.Builder onB = TelemetryBatch.builder("gw-b", 0);
        // one finished part each, at one instant so that they fall into one shift: scrap on gw-a only
        onA.add(start, "m-001", "part_scrap", 1, Quality.GOOD);
        onB.add(start, "m-001", "part_scrap", 0, Quality.GOOD);
        for (int second = 0; second < 600; second += 10) {
            long micros = start + second * 1_000_000L;
            onA.add(micros, "m-001", "temperature_c", 10, Quality.GOOD);
            onA.add(micros, "m-old", "temperature_c", 50, Quality.GOOD);
            onB.add(micros, "m-001", "temperature_c", 90, Quality.GOOD);
        }
        Path page = work.resolve("twin.html");
        try (PostgresServer server = PostgresServer.start()) {
            StoreOptions store = server.storeOptions();
            SchemaMigrator.migrate(store);
            try (TelemetryStore telemetry = TelemetryStore.open(store)) {
                telemetry.writeBatches(List.of(new ReceivedBatch(a, onA.build(), start),
                        new ReceivedBatch(b, onB.build(), start)));
                telemetry.writeQualityPredictions(List.of(new io.werkstrom.jobs.storage.QualityPrediction(b, "m-001",
                        start, "part_scrap", 1, 0.9, true, start)));
                List<DetectedAnomaly> anomalies = new ArrayList<>();
                anomalies.add(anomaly(b, start + 60_000_000L, "m-001", "temperature_c", 99));
                // many anomalies of m-old, all two days before the range
                for (int i = 0; i < 20; i++) {
                    anomalies.add(anomaly(a, BatchValidator.micros(NOW.minusSeconds(172_800 + i)), "m-old",
                            "temperature_c", 80));
                }
                telemetry.writeAnomalies(anomalies);
            }
            try (java.sql.Connection db = server.connect()) {
                ReportData data = ReportData.load(db, NOW.minusSeconds(3_600), Instant.now(),
                        java.util.Optional.of("twin"), 12);
                assertEquals(3, data.series().size(), data.series().toString());
                for (ReportData.Series series : data.series()) {
                    double expected = series.machine().equals("m-old") ? 50 : series.gateway().equals("gw-a") ? 10 : 90;
                    for (double average : series.avg()) {
                        assertEquals(expected, average, 1e-9, "a signal of one machine only: " + series.gateway()
                                + " / " + series.machine());
                    }
                }
            }
            JsonNode one = report(store, page, "--tenant", "twin", "--machines", "1");
            assertEquals(1, one.path("charts").asInt(), one.toString());
            String top = Files.readString(page);
            assertTrue(top.contains("<h3>twin / gw-b / m-001</h3>"),
                    "the machine with an anomaly in the range comes first, not the one with old anomalies: " + top);

            JsonNode all = report(store, page, "--tenant", "twin");
            String html = Files.readString(page);
            assertEquals(3, all.path("charts").asInt(), "m-001 of each gateway and m-old: " + all);
            assertEquals(3, count(html, "data-chart=\"signal\""));
            assertTrue(html.contains("<h3>twin / gw-a / m-001</h3>") && html.contains("<h3>twin / gw-b / m-001</h3>")
                    && html.contains("<h3>twin / gw-a / m-old</h3>"), html);
            assertEquals(1, count(html, "class=\"anomaly\""), "the anomaly is marked on its gateway's machine only");
            assertEquals(1, all.path("anomalies").asInt(), all.toString());
            // the quality rows: gw-a's scrap, gw-b's good part with gw-b's prediction; no blend of the two
            assertTrue(html.contains("<td>twin</td><td>gw-a</td><td>m-001</td>"), html);
            assertEquals(2, count(html, "<td>twin</td><td>gw-"), "one quality row per gateway's machine: " + html);
            java.util.regex.Matcher rowA = Pattern.compile("<td>gw-a</td><td>m-001</td><td>\\w+</td><td>1</td>"
                    + "<td>([^<]*)</td><td>([^<]*)</td>").matcher(html);
            java.util.regex.Matcher rowB = Pattern.compile("<td>gw-b</td><td>m-001</td><td>\\w+</td><td>1</td>"
                    + "<td>([^<]*)</td><td>([^<]*)</td>").matcher(html);
            assertTrue(rowA.find() && rowB.find(), html);
            assertEquals("100.0%", rowA.group(1));
            assertEquals("–", rowA.group(2), "gw-b's prediction is not gw-a's");
            assertEquals("0.0%", rowB.group(1));
            assertEquals("90.0%", rowB.group(2));

            // A tenant with data, only none in the range, is a quiet range; a name the database never
            // saw (a typo) is said to be one.
            ByteArrayOutputStream quiet = new ByteArrayOutputStream();
            JsonNode none = report(store, page, quiet, "--tenant", "twin", "--since", "1s");
            assertEquals(0, none.path("samples").asLong(), none.toString());
            assertFalse(quiet.toString(StandardCharsets.UTF_8).contains("warning"), quiet.toString(StandardCharsets.UTF_8));
            ByteArrayOutputStream typo = new ByteArrayOutputStream();
            report(store, page, typo, "--tenant", "twim");
            assertTrue(typo.toString(StandardCharsets.UTF_8).contains("warning: the database holds no telemetry of"
                    + " tenant 'twim' at all; check --tenant"), typo.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void beyondThePagesCapsTheNewestAnomaliesAndAlertsAreShownAndAllCounted() throws Exception {
        Path page = work.resolve("many.html");
        try (PostgresServer server = PostgresServer.start()) {
            StoreOptions store = server.storeOptions();
            SchemaMigrator.migrate(store);
            try (java.sql.Connection db = server.connect(); java.sql.Statement sql = db.createStatement()) {
                // 5,010 anomalies half a second apart, the newest a minute ago; 505 alerts a second apart
                sql.executeUpdate("INSERT INTO anomalies (time, tenant, site, gateway, machine, sensor, value, score,"
                        + " threshold, detector) SELECT now() - interval '1 minute' - i * interval '500 milliseconds',"
                        + " 'many', 'plant', 'gw-1', 'm-001', 'temperature_c', i, 10, 6, 'robust-z'"
                        + " FROM generate_series(0, 5009) i");
                sql.executeUpdate("INSERT INTO alerts (id, tenant, rule_id, rule_version, kind, severity, site, gateway,"
                        + " machine, state, message, opened_at, resolved_at, updated_at) SELECT gen_random_uuid(),"
                        + " 'many', 'hot', 1, 'threshold', 'warning', 'plant', 'gw-1', 'm-001', 'resolved', 'alert ' || i,"
                        + " now() - interval '1 minute' - i * interval '1 second', now(), now()"
                        + " FROM generate_series(0, 504) i");
                java.time.Instant to = java.time.Instant.now();
                ReportData data = ReportData.load(db, to.minusSeconds(3_600), to, java.util.Optional.of("many"), 12);
                assertEquals(ReportData.MAX_ANOMALIES, data.anomalies().size());
                assertEquals(5_010, data.anomaliesInRange());
                assertEquals(0.0, data.anomalies().get(data.anomalies().size() - 1).value(),
                        "the newest anomaly is kept, last in time order");
                assertEquals(4_999.0, data.anomalies().get(0).value(), "the 10 oldest are the ones left out");
                assertEquals(ReportData.MAX_ALERTS, data.alerts().size());
                assertEquals(505, data.alertsInRange());
                assertEquals("alert 0", data.alerts().get(0).message(), "the newest alert is kept, first");
            }
            JsonNode json = report(store, page, "--tenant", "many");
            assertEquals(5_000, json.path("anomalies").asInt(), json.toString());
            assertEquals(5_010, json.path("anomalies_in_range").asInt(), json.toString());
            assertEquals(500, json.path("alerts").asInt(), json.toString());
            assertEquals(505, json.path("alerts_in_range").asInt(), json.toString());
            String html = Files.readString(page);
            assertTrue(html.contains("showing 5,000 (the newest) of 5,010 anomalies")
                    && html.contains("showing 500 (the newest) of 505 alerts"), html.substring(0, 2_000));
            assertTrue(html.contains("Showing the 500 newest of 505 alerts of this range."), "alerts note");
        }
    }

    /** Runs the report command on {@code store} into {@code page}; returns its JSON line. */
    private static JsonNode report(StoreOptions store, Path page, String... more) throws Exception {
        return report(store, page, new ByteArrayOutputStream(), more);
    }

    /** {@link #report(StoreOptions, Path, String...)}, its progress and warnings into {@code err}. */
    private static JsonNode report(StoreOptions store, Path page, ByteArrayOutputStream err, String... more)
            throws Exception {
        List<String> argv = new ArrayList<>(List.of("--jdbc-url", store.jdbcUrl(), "--user", store.user(),
                "--out", page.toString()));
        if (!List.of(more).contains("--since")) {
            argv.addAll(List.of("--since", "1h"));
        }
        argv.addAll(List.of(more));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = ReportCommand.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    private static void writeData(StoreOptions store) throws Exception {
        long start = BatchValidator.micros(NOW.minusSeconds(1_800));
        List<ReceivedBatch> batches = new ArrayList<>();
        for (int sequence = 0; sequence < 20; sequence++) {
            TelemetryBatch.Builder acme = TelemetryBatch.builder("gw-1", sequence);
            TelemetryBatch.Builder other = TelemetryBatch.builder("gw-9", sequence);
            for (int second = 0; second < 60; second += 2) {
                long micros = start + (sequence * 60L + second) * 1_000_000L;
                for (String machine : List.of("m-001", "m-002")) {
                    acme.add(micros, machine, "temperature_c", 60 + Math.sin(second / 9.0) * 4, Quality.GOOD);
                    acme.add(micros, machine, "<b>", 40 + second % 5, Quality.GOOD);
                }
                other.add(micros, "m-900", "temperature_c", 20, Quality.GOOD);
                if (second % 20 == 0) {
                    acme.add(micros, "m-001", "part_scrap", second == 40 ? 1 : 0, Quality.GOOD);
                    acme.add(micros, "m-002", "part_scrap", 0, Quality.GOOD);
                }
            }
            batches.add(new ReceivedBatch(ACME, acme.build(), start + sequence * 60_000_000L));
            batches.add(new ReceivedBatch(OTHER, other.build(), start + sequence * 60_000_000L));
        }
        try (TelemetryStore telemetry = TelemetryStore.open(store)) {
            telemetry.writeBatches(batches);
            telemetry.writeQualityPredictions(List.of(new io.werkstrom.jobs.storage.QualityPrediction(ACME, "m-001",
                    start + 400_000_000L, "part_scrap", 1, 0.9, true, start)));
            telemetry.writeAnomalies(List.of(
                    anomaly(ACME, start + 300_000_000L, "m-001", "temperature_c", 95),
                    anomaly(ACME, start + 600_000_000L, "m-001", "temperature_c", 20),
                    anomaly(ACME, start + 900_000_000L, "m-002", "<b>", 80),
                    anomaly(OTHER, start + 900_000_000L, "m-900", "temperature_c", 99)));
        }
    }

    private static void writeAlerts(StoreOptions store) throws Exception {
        String opened = "'" + NOW.minusSeconds(600) + "'";
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             java.sql.Statement sql = db.createStatement()) {
            for (String[] alert : new String[][] {{"a1", "acme", "gw-1", "m-001", "vibration above 7 mm/s"},
                    {"a2", "other", "gw-9", "m-900", "secret other tenant alert"}}) {
                sql.executeUpdate("INSERT INTO alerts (id, tenant, rule_id, rule_version, kind, severity, site, gateway,"
                        + " machine, state, message, opened_at, updated_at) VALUES ('00000000-0000-0000-0000-0000000000"
                        + alert[0] + "', '" + alert[1] + "', 'vibration', 1, 'threshold', 'critical', 'plant', '" + alert[2]
                        + "', '" + alert[3] + "', 'open', '" + alert[4] + "', " + opened + ", " + opened + ")");
            }
        }
    }

    private static DetectedAnomaly anomaly(GatewayAddress gateway, long micros, String machine, String sensor,
                                           double value) {
        return new DetectedAnomaly(gateway, new Anomaly(micros, machine, sensor, value, 12, 6, "robust-z"));
    }

    /** Renders the page with headless Chromium (Debian package {@code chromium}; the test command installs it). */
    private BufferedImage render(Path page) throws IOException, InterruptedException {
        Path png = work.resolve("report.png");
        String chromium = Files.isExecutable(Path.of("/usr/bin/chromium")) ? "/usr/bin/chromium" : "chromium";
        Process process;
        try {
            process = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--user-data-dir=" + work.resolve("chromium-profile"), "--window-size=1280,2200",
                    "--screenshot=" + png, page.toUri().toString())
                    .redirectErrorStream(true).redirectOutput(work.resolve("chromium.log").toFile()).start();
        } catch (IOException e) {
            throw new IOException("headless Chromium is needed to render the report (Debian package 'chromium'; "
                    + "./werkstrom test installs it)", e);
        }
        assertTrue(process.waitFor(90, TimeUnit.SECONDS), "chromium did not finish within 90 s");
        assertEquals(0, process.exitValue(), "chromium failed: " + Files.readString(work.resolve("chromium.log")));
        BufferedImage image = ImageIO.read(png.toFile());
        // kept for a look when an assertion fails
        Path kept = Path.of("target", "report-it");
        Files.createDirectories(kept);
        Files.copy(png, kept.resolve("report.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(page, kept.resolve("report.html"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertTrue(image != null && image.getWidth() >= 1000, "chromium wrote no picture");
        return image;
    }

    private static long pixels(BufferedImage image, String colour, int tolerance) {
        return Math.round(share(image, Integer.parseInt(colour.substring(1), 16), tolerance)
                * image.getWidth() * image.getHeight());
    }

    private static double share(BufferedImage image, int rgb, int tolerance) {
        long near = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                if (Math.abs(((p >> 16) & 0xFF) - ((rgb >> 16) & 0xFF)) <= tolerance
                        && Math.abs(((p >> 8) & 0xFF) - ((rgb >> 8) & 0xFF)) <= tolerance
                        && Math.abs((p & 0xFF) - (rgb & 0xFF)) <= tolerance) {
                    near++;
                }
            }
        }
        return near / (double) ((long) image.getWidth() * image.getHeight());
    }

    private static int count(String text, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
