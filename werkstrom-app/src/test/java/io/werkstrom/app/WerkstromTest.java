package io.werkstrom.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WerkstromTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... argv) {
        return Werkstrom.run(List.of(argv), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String errors() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsTheCommands() {
        assertEquals(0, run("help"));
        String usage = out.toString(StandardCharsets.UTF_8);
        for (String command : List.of("demo", "job", "gateway", "migrate", "protocol wire-size", "chaos edge")) {
            assertTrue(usage.contains(command), usage);
        }
    }

    @Test
    void aTableOrFunctionTheDatabaseLacksAddsTheHintToMigrate() {
        // As tenant add reports a database that was never migrated.
        java.sql.SQLException missing = new java.sql.SQLException("could not create the role acme_reader for tenant acme",
                "42883", new java.sql.SQLException("function werkstrom_create_tenant_role(unknown, unknown) does not exist",
                "42883"));
        assertTrue(Werkstrom.schemaHint(missing).contains("run ./werkstrom migrate"), Werkstrom.schemaHint(missing));
        assertTrue(Werkstrom.schemaHint(new IllegalStateException("reading machines",
                new java.sql.SQLException("relation \"machines\" does not exist", "42P01"))).contains("migrate"));
        assertTrue(Werkstrom.schemaHint(new java.sql.SQLException("column \"gateway\" does not exist", "42703"))
                .contains("migrate"));
        assertEquals("", Werkstrom.schemaHint(new java.sql.SQLException("permission denied for table machines", "42501")));
        assertEquals("", Werkstrom.schemaHint(new IllegalStateException("no database")));
    }

    /**
     * A URL the driver cannot parse is refused before it is used; a failure whose causes still name
     * the URL as given (the driver's own messages do) is shown and logged with its password masked.
     */
    @Test
    void aCommandsFailureNeverShowsThePasswordOfItsUrl() {
        String url = "jdbc:postgresql://db:5432/werkstrom?user=ops&password=s3cret";
        Exception failure = new IllegalStateException("rules list: could not connect",
                new java.sql.SQLException("The connection attempt to " + url + " failed", "08001"));
        for (List<String> args : List.of(List.of("list", "--jdbc-url", url), List.of("list", "--jdbc-url=" + url),
                List.of("--store.jdbc-url", url))) {
            String shown = Werkstrom.describe(Werkstrom.withoutUrlSecrets(failure, args));
            assertFalse(shown.contains("s3cret"), "the password is shown: " + shown);
            assertTrue(shown.contains("password=***"), shown);
        }
    }

    @Test
    void fleetCommandsAreDispatchedAndListedInTheHelp() {
        assertEquals(2, run("machines", "move", "m-1"));
        assertTrue(errors().contains("machines: expected set, unset or list, got 'move'"), errors());
        assertEquals(2, run("models", "list", "--tenant", "acme"));
        assertTrue(errors().contains("models list: --jdbc-url is required"), errors());
        assertEquals(0, run("help"));
        String usage = out.toString(StandardCharsets.UTF_8);
        assertTrue(usage.contains("machines set|unset|list") && usage.contains("models list"), usage);
    }

    @Test
    void badOptionsAreUsageErrorsThatNameTheOption() {
        assertEquals(2, run("demo", "--machines", "0"));
        assertTrue(errors().contains("--machines must be a positive whole number"), errors());
        assertEquals(2, run("demo", "--duration", "soon"));
        assertTrue(errors().contains("--duration must be a duration like"), errors());
        assertEquals(2, run("demo", "--colour", "red"));
        assertTrue(errors().contains("unknown option --colour"), errors());
        assertEquals(2, run("frobnicate"));
        assertTrue(errors().contains("unknown command 'frobnicate'"), errors());
        assertEquals(2, run("migrate"));
        assertTrue(errors().contains("--jdbc-url is required"), errors());
        // Refused before any connection is tried (the address is unreachable).
        assertEquals(2, run("train", "rul", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/none", "--tenant", "acme",
                "--data", "train_FD001.txt", "--holdout", "60"));
        assertTrue(errors().contains("train rul: --holdout must be a whole number from 1 to 50, got '60'"), errors());
        assertEquals(2, run("train", "rul", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/none", "--tenant", "acme",
                "--data", "train_FD001.txt", "--holdout", "0"));
        assertTrue(errors().contains("train rul: --holdout must be a whole number from 1 to 50, got '0'"), errors());
        assertEquals(2, run("alerts", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/none", "--broker",
                "tcp://127.0.0.1:1", "--http-port", "70000"));
        assertTrue(errors().contains("alerts: --http-port must be a port from 1 to 65535, got '70000'"), errors());
    }

    @Test
    void badGatewayAndChaosOptionsNameTheKey() {
        String[] gateway = {"gateway", "--broker", "tcp://localhost:1883", "--tenant", "acme", "--gateway", "gw-1"};
        assertEquals(2, run(concat(gateway, "--fsync", "sometimes")));
        assertTrue(errors().contains("fsync must be one of always, interval, never"), errors());
        assertEquals(2, run(concat(gateway, "--spool-max-bytes", "lots")));
        assertTrue(errors().contains("spool-max-bytes must be a positive number of bytes"), errors());
        assertEquals(2, run(concat(gateway, "--spool-max-bytes", "1k")));
        assertTrue(errors().contains("spoolMaxBytes (--spool-max-bytes, spool.max-bytes) must be at least twice"),
                errors());
        assertEquals(2, run(concat(gateway, "--http-port", "70000")));
        assertTrue(errors().contains("http-port must be a port from 0 to 65535, got 70000"), errors());
        // Once cast to an int this was port 8080.
        assertEquals(2, run(concat(gateway, "--http-port", "4294975376")));
        assertTrue(errors().contains("http-port must be a port from 0 to 65535, got 4294975376"), errors());
        assertEquals(2, run(concat(gateway, "--password-file", "secret.txt")));
        assertTrue(errors().contains("gateway: --password-file needs --username"), errors());
        assertEquals(2, run(concat(gateway, "--http-host", "127.0.0.1")));
        assertTrue(errors().contains("httpHost (--http-host, metrics.host) 127.0.0.1 is set without an httpPort"),
                errors());
        assertEquals(2, run("gateway", "--config", "gw.yaml", "--http-host", "127.0.0.1", "--duration", "1s"));
        assertTrue(errors().contains("gateway: --http-host cannot go with --config (only --duration can)"), errors());
        assertEquals(2, run(concat(gateway, "--start", "yesterday")));
        assertTrue(errors().contains("start must be an ISO-8601 instant"), errors());
        assertEquals(2, run(concat(gateway, "--start", "+300000-01-01T00:00:00Z")));
        assertTrue(errors().contains("gateway: start must not lie after 9999-12-31T23:59:59.999999Z"), errors());
        assertEquals(2, run("chaos", "edge", "--duration", "20s"));
        assertTrue(errors().contains("--duration must be at least 53s"), errors());
        assertEquals(2, run("chaos", "security", "--seed", "x"));
        assertTrue(errors().contains("chaos security: --seed must be a whole number, got 'x'"), errors());
        assertEquals(2, run("chaos", "storm"));
        assertTrue(errors().contains("chaos: expected a scenario: edge, cloud or security"), errors());
        assertEquals(268L << 20, Commands.parseBytes("spool-max-bytes", "268m"));
        // The suffixes of spool.max-bytes in the configuration file work on the command line too.
        assertEquals(300_000_000L, Commands.parseBytes("spool-max-bytes", "300MB"));
        assertEquals(300L << 20, Commands.parseBytes("spool-max-bytes", "300MiB"));
        assertEquals(1L << 30, Commands.parseBytes("spool-max-bytes", "1 GiB"));
        assertEquals(2, run(concat(gateway, "--spool-max-bytes", "0MB")));
        assertTrue(errors().contains("spool-max-bytes must be a positive number of bytes"), errors());
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    @Test
    void aJdbcUrlTheDriverCannotParseIsAUsageErrorThatShowsNoPassword(@TempDir Path dir) throws Exception {
        Path rolePassword = Files.writeString(dir.resolve("role-password"), "a-long-enough-password\n");
        // DriverManager and PgJDBC put such a URL whole into their message ("No suitable driver found
        // for ...", "Unable to parse URL ..."): it must be refused before any connection is tried.
        for (String url : List.of("jdbc:postgres://db/w?user=ops&password=s3cret",
                "jdbc:postgresql://db:port/w?password=s3cret")) {
            for (List<String> command : List.of(List.of("rules", "list", "--tenant", "acme"),
                    List.of("machines", "list", "--tenant", "acme"), List.of("models", "list", "--tenant", "acme"),
                    List.of("report"), List.of("train", "quality", "--tenant", "acme", "--simulated"),
                    List.of("train", "multivariate", "--tenant", "acme", "--simulated"),
                    List.of("train", "rul", "--tenant", "acme", "--data", "train_FD001.txt"),
                    List.of("migrate"), List.of("alerts", "--broker", "tcp://127.0.0.1:1"),
                    List.of("tenant", "add", "acme", "--password-file", rolePassword.toString()))) {
                err.reset();
                List<String> argv = new java.util.ArrayList<>(command);
                argv.addAll(List.of("--jdbc-url", url));
                assertEquals(2, run(argv.toArray(String[]::new)), command + ": " + errors());
                assertTrue(errors().contains("must be a"), command + ": " + errors());
                assertTrue(errors().contains("password=***"), command + ": " + errors());
                assertFalse(errors().contains("s3cret") || out.toString(StandardCharsets.UTF_8).contains("s3cret"),
                        command + ": " + errors());
            }
        }
    }

    /** Judged when the collector starts (it depends on the spool's last sample), yet a usage error as the others. */
    @Test
    void aGatewayStartTheCloudWouldRefuseAsTooOldIsAUsageError(@TempDir Path dir) {
        assertEquals(2, run("gateway", "--broker", "tcp://127.0.0.1:1", "--tenant", "acme", "--gateway", "gw-1",
                "--spool-dir", dir.resolve("spool").toString(), "--start", "2000-01-01T00:00:00Z", "--duration", "5s"));
        assertTrue(errors().contains("werkstrom: gateway: simulator: start 2000-01-01T00:00:00Z puts its first sample at"
                + " 2000-01-01T00:00:00Z, before "), errors());
        assertTrue(errors().contains("choose a later start (--start)"), errors());
    }

    @Test
    void aDurationTooLongToCountIsAUsageErrorThatNamesTheOption() {
        assertEquals(2, run("bench", "analytics", "--duration", "200000000d"));
        assertTrue(errors().contains("bench analytics: --duration must be at most 100000d, got '200000000d'"), errors());
        assertEquals(2, run("report", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/none", "--since", "200000000d"));
        assertTrue(errors().contains("report: --since must be at most 100000d"), errors());
    }

    @Test
    void jobHelpListsTheJobsOptions() {
        assertEquals(0, run("job", "--help"));
        String usage = out.toString(StandardCharsets.UTF_8);
        assertTrue(usage.contains("--mqtt.uri") && usage.contains("--sink.max-outage"), usage);
    }

    @Test
    void wireSizeRefusesSpansThatWouldOnlyMeasureTheHeap() {
        assertEquals(2, run("protocol", "wire-size", "--batch-interval", "100000d"));
        assertTrue(errors().contains("--batch-interval must be between 10ms and 60s"), errors());
        assertEquals(2, run("protocol", "wire-size", "--run", "2h"));
        assertTrue(errors().contains("--run must be at most 1h"), errors());
    }

    @Test
    void wireSizePrintsArrowAgainstJsonAsTheLastLine() {
        assertEquals(0, run("protocol", "wire-size", "--batch-interval", "1s"));
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        String json = lines[lines.length - 1];
        assertTrue(json.startsWith("{\"samples\":") && json.contains("\"arrow_bytes_per_sample\""), json);
    }

    @Test
    void helpListsEveryOptionOfTheDatabaseCommands() {
        assertEquals(0, run("help"));
        String usage = out.toString(StandardCharsets.UTF_8);
        assertHas(section(usage, "report "), "--machines", "--user", "--password-file", "--tenant", "--since", "--out");
        assertHas(section(usage, "train quality "), "--user", "--password-file");
        assertHas(section(usage, "train multivariate "), "--user", "--password-file");
        assertHas(section(usage, "train rul "), "--subset", "--holdout", "--seed", "--trees", "--ensemble", "--user",
                "--password-file");
        assertHas(section(usage, "tenant add "), "--db-password-file", "--role", "--user");
        assertHas(section(usage, "machines "), "--user", "--password-file");
        assertHas(section(usage, "models list "), "--user", "--password-file");
        assertHas(section(usage, "rules "), "--user", "--password-file");
        assertHas(section(usage, "migrate"), "--jdbc-url", "--user", "--password-file");
        assertHas(section(usage, "alerts "), "--broker", "--jdbc-url", "--user", "--password-file", "--tokens-file",
                "--smtp-host", "--smtp-from");
    }

    @Test
    void helpSaysWhatTheAnalyticsServiceAndTheRulSeedDo() {
        assertEquals(0, run("help"));
        String usage = out.toString(StandardCharsets.UTF_8);
        // the service binds every interface unless --host names one; tornadovm is accepted as everywhere
        assertHas(section(usage, "analytics serve "), "--port", "--host", "0.0.0.0", "--backend auto|java|tornadovm");
        // --seed shuffles the hold-out split only (RulTrainer); the boosted models keep RulOptions' seed
        String rul = section(usage, "train rul ");
        assertTrue(!rul.contains("split and the models"), rul);
    }

    @Test
    void aReportIntoAnImpossibleDirectoryFailsBeforeReadingAndSaysWhy() {
        // The database is not there: the directory is checked first, so its failure is the one reported.
        assertEquals(1, run("report", "--out", "/proc/werkstrom-none/report.html", "--jdbc-url",
                "jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1"));
        assertTrue(errors().contains("werkstrom report failed: no such file or directory: /proc/werkstrom-none"),
                errors());
        assertTrue(!errors().contains("reading the last"), "it read before checking the directory: " + errors());
    }

    @Test
    void aReportOutThatIsADirectoryIsAUsageErrorBeforeAnythingIsRead(@TempDir Path dir) {
        // The database is not there: a usage error is found before it is tried.
        assertEquals(2, run("report", "--out", dir.toString(), "--jdbc-url",
                "jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1"));
        assertTrue(errors().contains("report: --out must name a file, got the directory " + dir), errors());
        assertTrue(!errors().contains("reading the last"), "it read before checking --out: " + errors());
        assertTrue(Files.isDirectory(dir));
    }

    @Test
    void aReportTenantNoTenantCanHaveIsAUsageErrorNotAnEmptyPage() {
        for (String tenant : List.of("Acme", "", "acme/plant-1")) {
            err.reset();
            assertEquals(2, run("report", "--tenant=" + tenant, "--jdbc-url",
                    "jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1"), tenant + ": " + errors());
            assertTrue(errors().contains("report: --tenant '" + tenant + "' must match"), errors());
        }
    }

    @Test
    void anAnalyticsServeHostThatIsNoAddressIsAUsageErrorNamingTheOption() {
        for (String host : List.of("300.1.1.1", "no-such-host.invalid", " ")) {
            err.reset();
            assertEquals(2, run("analytics", "serve", "--host", host, "--port", "0", "--backend", "java"),
                    host + ": " + errors());
            assertTrue(errors().contains("analytics serve: --host must be an address of this machine or a name that"
                    + " resolves to one (0.0.0.0 for every interface), got '" + host + "'"), errors());
        }
    }

    @Test
    void fileSystemFailuresAreDescribedInWords() {
        assertEquals("writing the page: permission denied: /srv/r.html",
                Werkstrom.describe(new java.io.IOException("writing the page",
                        new java.nio.file.AccessDeniedException("/srv/r.html"))));
        assertEquals("no such file or directory: /x/y", Werkstrom.describe(new java.nio.file.NoSuchFileException("/x/y")));
        assertEquals("not a directory: /x", Werkstrom.describe(new java.nio.file.NotDirectoryException("/x")));
        assertEquals("FileSystemException: /a -> /b (busy)",
                Werkstrom.describe(new java.nio.file.FileSystemException("/a", "/b", "busy")));
    }

    /** The lines of one command in the usage text: from its line to the next command's. */
    private static String section(String usage, String command) {
        int start = usage.indexOf("\n  " + command);
        assertTrue(start >= 0, "no " + command + " in " + usage);
        java.util.regex.Matcher next = java.util.regex.Pattern.compile("\n {2}\\S").matcher(usage);
        int end = next.find(start + 1) ? next.start() : usage.length();
        return usage.substring(start, end);
    }

    private static void assertHas(String text, String... options) {
        for (String option : options) {
            assertTrue(text.contains(option), option + " missing in " + text);
        }
    }
}
