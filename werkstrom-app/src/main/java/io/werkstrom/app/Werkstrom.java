package io.werkstrom.app;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.werkstrom.analytics.eval.anomaly.AnomalyEvaluation;
import io.werkstrom.analytics.eval.quality.QualityEvaluation;
import io.werkstrom.app.analytics.AnalyticsCommand;
import io.werkstrom.app.cli.JavaUtilLogging;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.app.fleet.MachinesCommand;
import io.werkstrom.app.fleet.ModelsCommand;
import io.werkstrom.app.train.TrainCommand;
import io.werkstrom.app.report.ReportCommand;

/**
 * The {@code ./werkstrom} entry point: dispatches to one command. Commands print progress to
 * stderr and, where they produce a result, one JSON object as the last line of stdout, which is
 * UTF-8 whatever the locale.
 */
public final class Werkstrom {

    private static final String USAGE = """
            usage: ./werkstrom <command> [options]

            commands:
              demo                 the whole pipeline on embedded defaults: MQTT broker, PostgreSQL,
                                   Flink MiniCluster and simulated gateways
                  --machines N       simulated machines (default 4)
                  --duration D       how long the gateways publish, e.g. 90s, 2m (default 90s)
                  --rate R           samples per second per sensor (default 10)
                  --no-faults        simulate healthy machines only
                  --report FILE      where the run's HTML report goes (default .werkstrom/demo-report.html)
                  --parallelism N    the Flink job's parallelism (default 1, at most 16)
              job                  run the telemetry Flink job on a local MiniCluster against an
                                   external broker and database (see README: external services);
                                   job --help lists its --key=value options
              gateway --broker URI --tenant T --gateway G [--site S]
                                   run one simulated gateway against an external MQTT broker, spooling
                                   every batch on disk until the broker acknowledged it
                  --site S           the gateway's site, part of its topics (default site-1)
                  --username U, --password-file F   broker login (or WERKSTROM_MQTT_PASSWORD)
                  --machines N, --rate R, --no-faults   as for demo
                  --duration D       how long it runs (default: until Ctrl-C, then it drains and reports)
                  --spool-dir DIR    the spool (default spool/<tenant>/<site>/<gateway>)
                  --spool-max-bytes N  e.g. 256m; when full the oldest batches are dropped (data_gap)
                  --fsync always|interval|never   (default interval)
                  --http-port P      serve /metrics and /health (default off)
                  --http-host H      the address they listen on (default every interface)
                  --seed S, --start T  the simulator's seed and start (ISO-8601), for lossless restarts
                  --config FILE      or a gateway as its YAML file describes it (collector: simulator,
                                     nab / cmapss replay, opcua); see edge-gateway/config/
              chaos edge           failure drill: a gateway process against a real Mosquitto, the job
                                   and PostgreSQL; the broker is stopped, the gateway killed (SIGKILL)
                                   and restarted; JSON: generated, stored, lost, duplicated; exit 0
                                   iff nothing lost, doubled or unexpected and the gateway ran to the end
                  --duration D       how long the gateway publishes (default 90s; at least the
                                     outage + 23s)
                  --outage D         how long the broker is down (default 30s)
                  --machines N       simulated machines, 1 to 100 (default 4)
                  --rate R           samples/s per sensor, 1 to 100 (default 10)
                  --seed S           the simulator's seed, a positive whole number (default 42)
              migrate --jdbc-url URL [--user U] [--password-file F]
                                   apply the database migrations and report the storage flavour
              alerts --broker URI --jdbc-url URL [--user U] [--password-file F]
                                   deliver alert notifications (MQTT, webhooks, e-mail) and take
                                   acknowledgements over MQTT and HTTP (see README: alerts)
                  --tokens-file F    tenant=token lines for HTTP acknowledgements (or
                                     WERKSTROM_ALERT_TOKENS_FILE); opens --http-port (default 8088)
                  --smtp-host H --smtp-from A   the mail server and sender for e-mail subscriptions
                  --max-attempts N   attempts per webhook or e-mail before it is dead-lettered (default
                                     14: about an hour, waits doubling from 2s up to 10m); MQTT
                                     states wait out a broker outage without using attempts
                  --retain-resolved D  how long a resolved alert's retained MQTT state stays on
                                     the broker before it is cleared (default 24h; 0s: once delivered;
                                     at most 3650d)
              bench ingest         ingest throughput against the database's own COPY rate, and latency
                  --duration D       the sustained phase, 5s to 20m (default 60s)
                  --gateways N       simulated gateways (default 8)
                  --parallelism N    Flink job parallelism (default 1)
                  --writers N        database connections per sink subtask (default 2)
                  --batch-rows N     samples per published batch, 24 to 100000 (default 1000)
                  --flush-interval D the sink's time trigger (default 200ms)
                  --checkpoint-interval D   the job's checkpoint interval (default 1s)
              protocol wire-size   measure bytes per sample on the wire, Arrow IPC against JSON
                  --machines N       simulated machines, 1 to 1000 (default 4)
                  --rate R           samples/s per sensor (default 10)
                  --batch-interval D one batch's span (default 250ms)
                  --run D            average over the batches of this span (default: one batch)
              eval anomaly --dataset nab|skab --data DIR [--detector NAME]
                                   score the anomaly detectors on a public benchmark
              eval quality --dataset cmapss|ai4i --data DIR [--seed N]
                                   train and score the quality / remaining-life predictors on a
                                   public benchmark; JSON metrics as the last line
                  (both eval commands: --backend auto|java|tornadovm|grpc://host:port, the
                   kernel backend of the scoring, default auto)
              analytics serve [--port 8815] [--host H] [--backend auto|java|tornadovm]
                                   serve the scoring kernels to Flink jobs over Arrow Flight
                                   (jobs: --analytics.backend=grpc://host:8815); --port 0 serves
                                   on a free port, named in the first line on stderr; --host binds
                                   one address (default every interface, 0.0.0.0); no
                                   authentication, see SECURITY.md
              train quality --jdbc-url URL --tenant T [--machine-type TYPE] [--since 7d | --simulated]
                                   train a part-scrap fleet model from labelled history and store
                                   it as the next version; running jobs pick it up
                  --user U, --password-file F   database login (default postgres; or WERKSTROM_DB_PASSWORD)
              train rul --data FILE|DIR --jdbc-url URL --tenant T [--machine-type TYPE]
                                   train a remaining-useful-life fleet model on C-MAPSS run-to-failure
                                   data (train_FD001.txt in DIR); JSON: version, holdout_rmse, engines,
                                   cycles as the last line
                  --subset FD001     the C-MAPSS file read from DIR, train_<subset>.txt (default FD001)
                  --holdout P        percent of the engines held out to measure the model (default 20)
                  --seed S           seed of the hold-out split (default 1; the models' own seed is fixed)
                  --trees N          boosted trees per model (default 300)
                  --ensemble N       models trained with different seeds and averaged (default 3)
                  --user U, --password-file F   database login (default postgres; or WERKSTROM_DB_PASSWORD)
              train multivariate --jdbc-url URL --tenant T [--machine-type TYPE] [--method mset|pca]
                      [--bucket 1s] [--since 7d | --simulated]
                                   train a multivariate fleet model (MSET or PCA) on the normal
                                   operation of the type's machines, so that a job of the same
                                   --detector.bucket scores a machine from its first state; JSON:
                                   version, bucket_s, sensors, holdout_exceedance,
                                   holdout_alarms_per_hour as the last line
                  --user U, --password-file F   database login (default postgres; or WERKSTROM_DB_PASSWORD)
              machines set|unset|list --jdbc-url URL --tenant T [--gateway G] [--type TYPE] [MACHINE...]
                                   map machines to their type (fleet), or back to 'default': on every
                                   gateway of the tenant, or with --gateway on that gateway, whose row
                                   wins there; JSON: gateway, and the mapping (the rows for every
                                   gateway, or the types in force on G) as the last line; running
                                   jobs pick it up
                  --user U, --password-file F   database login (default postgres; or WERKSTROM_DB_PASSWORD)
              models list --jdbc-url URL --tenant T [--name NAME]
                                   the newest fleet model per name and machine type: version,
                                   versions, kind, trained_at, metrics, the machines they serve
                  --user U, --password-file F   database login (default postgres; or WERKSTROM_DB_PASSWORD)
              rules set|disable|list --jdbc-url URL --tenant T [--id RULE] [--kind KIND ...] [--all]
                                   a tenant's alert rules without SQL: set stores a rule's next version
                                   (checked as the job checks it), disable its next version disabled,
                                   list the rules in force; running jobs reload them every 30 s
                  --user U, --password-file F   database login (default postgres; or WERKSTROM_DB_PASSWORD)
              report --jdbc-url URL [--since 1h] [--out report.html] [--tenant T]
                                   a self-contained HTML page with the dashboards' views: signals
                                   with anomalies, predicted against actual scrap, alerts
                  --machines N       machines charted, those with the most anomalies in the range
                                     first (default 12)
                  --user U, --password-file F   database login (default postgres; or WERKSTROM_DB_PASSWORD)
              bench analytics [--duration 30s] [--rows N] [--backend auto|java|tornadovm]
                                   samples/s and GB/s per analytics kernel against a plain loop
              chaos cloud          the job jar on a standalone Flink cluster (JobManager and two
                                   TaskManagers as processes), embedded broker and PostgreSQL; one
                                   TaskManager gets SIGKILL mid-stream; JSON: generated, stored,
                                   lost, duplicated, recoveries; exit 0 iff samples got through,
                                   nothing was lost or doubled and the job recovered at least once
                  --duration D       how long the gateways publish (default 60s)
                  --kill-after D     when the TaskManager is killed (default a third of the duration)
                  --gateways N --rate R --rows N   gateways, batches/s each, samples per batch (4, 5, 20)
                  --parallelism N    the job's parallelism, 1 or 2 (default 2)
                  --drain-timeout D  how long the database may take to catch up (default 60s)
                  --job-jar FILE     the job jar (default stream-jobs/target/stream-jobs-*-job.jar)
              tenant add NAME --password-file F --jdbc-url URL [--role R] [--user U]
                      [--db-password-file F]
                                   create the database role that reads only tenant NAME's rows
                                   (default role NAME_reader, '-' as '_'; at most 63 bytes);
                                   --password-file holds the role's password (or
                                   WERKSTROM_TENANT_PASSWORD), --db-password-file the password of
                                   --user (or WERKSTROM_DB_PASSWORD)
              chaos security [--mutations N] [--acl FILE] [--seed S]
                                   security drill against real Mosquitto (shipped ACL) and embedded
                                   PostgreSQL (tenant roles); JSON {attempts, rejected, leaked_rows,
                                   crashes, good_samples_lost} as the last line
              bench gateway        gateway budgets: spool+encode samples/s on one core, bytes/sample on
                                   the wire, RSS of a gateway serving 1,000 sensors at 100 Hz
                  --phase D          length of each measured throughput phase (default 5s)
                  --rss-duration D   how long the gateway's memory is sampled (default 20s)
                  --no-rss           skip the child-process memory measurement
              test                 set up the test services and run every test (launcher only)
              build                build the launcher and the job jar again (launcher only; every
                                   other command builds them first when a source is newer)
              help                 this text; <command> --help (or -h) prints that command's part
            """;

    private Werkstrom() {
    }

    public static void main(String[] argv) {
        // The broker's jar carries a logback.xml of its own; name ours before the first logger exists.
        System.setProperty("logback.configurationFile", "werkstrom-logback.xml");
        JavaUtilLogging.routeToSlf4j();
        System.setOut(standardOutput());
        System.exit(run(Arrays.asList(argv), System.out, System.err));
    }

    /**
     * Standard output in UTF-8: Java 17 writes it in the locale's charset, US-ASCII under
     * {@code LANG=C} (a '?' for every other character of a name or path in the JSON line) and
     * ISO-8859-1 under a Latin-1 locale (a line that is not UTF-8 JSON).
     */
    static PrintStream standardOutput() {
        return new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 128), true,
                StandardCharsets.UTF_8);
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) {
        if (argv.isEmpty() || List.of("help", "-h", "--help").contains(argv.get(0))) {
            out.print(USAGE);
            return 0;
        }
        String command = argv.get(0);
        List<String> rest = argv.subList(1, argv.size());
        if (rest.stream().anyMatch(HELP::contains)) {
            // Before the command parses anything: asking for help starts, opens and connects nothing.
            Optional<String> usage = usage(command, rest);
            if (usage.isPresent()) {
                out.print(usage.get());
                out.flush();
                return 0;
            }
        }
        try {
            return switch (command) {
                case "demo" -> Commands.demo(rest, out, err);
                case "job" -> Commands.job(rest, out, err);
                case "gateway" -> Commands.gateway(rest, out, err);
                case "migrate" -> Commands.migrate(rest, out, err);
                case "alerts" -> io.werkstrom.app.alerts.AlertsCommand.run(rest, out, err);
                case "protocol" -> Commands.protocol(rest, out, err);
                case "eval" -> Commands.eval(rest, out, err);
                case "analytics" -> AnalyticsCommand.run(rest, out, err);
                case "train" -> TrainCommand.run(rest, out, err);
                case "machines" -> MachinesCommand.run(rest, out, err);
                case "models" -> ModelsCommand.run(rest, out, err);
                case "rules" -> io.werkstrom.app.rules.RulesCommand.run(rest, out, err);
                case "report" -> ReportCommand.run(rest, out, err);
                case "bench" -> bench(rest, out, err);
                case "chaos" -> chaos(rest, out, err);
                case "tenant" -> io.werkstrom.app.tenant.TenantCommand.run(rest, out, err);
                default -> throw new UsageException("unknown command '" + command + "'; run ./werkstrom help");
            };
        } catch (UsageException e) {
            err.println("werkstrom: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            Throwable shown = withoutUrlSecrets(e, rest);
            err.println("werkstrom " + command + " failed: " + describe(shown)
                    + (MIGRATING_COMMANDS.contains(command) ? "" : schemaHint(e)));
            org.slf4j.LoggerFactory.getLogger(Werkstrom.class).error("{} failed", command, shown);
            return 1;
        } catch (OutOfMemoryError e) {
            err.println("werkstrom " + command + " ran out of memory; give it more with WERKSTROM_JAVA_OPTS=-Xmx<size>"
                    + " (the log has where)");
            org.slf4j.LoggerFactory.getLogger(Werkstrom.class).error("{} ran out of memory", command, e);
            return 1;
        } catch (NoClassDefFoundError e) {
            err.println("werkstrom " + command + " failed: the launcher's class path lacks " + e.getMessage()
                    + "; rebuild it with ./werkstrom build");
            org.slf4j.LoggerFactory.getLogger(Werkstrom.class).error("{} failed", command, e);
            return 1;
        }
    }

    /** The arguments that ask for a command's usage, wherever among its options they are given. */
    private static final Set<String> HELP = Set.of("--help", "-h");

    /**
     * The usage of {@code command} as {@code rest} names it: the command's own where it has one
     * (the job's options, the evaluations'), otherwise its part of {@link #USAGE}; with a sub-command
     * given ({@code chaos edge}, {@code machines set}), that sub-command's part, without one all of
     * the command's. Empty for a command or sub-command that does not exist, which stays a usage error.
     */
    static Optional<String> usage(String command, List<String> rest) {
        String sub = rest.isEmpty() || rest.get(0).startsWith("-") ? null : rest.get(0);
        if (command.equals("job")) {
            return Optional.of(io.werkstrom.jobs.job.TelemetryJobOptions.usage() + "\n");
        }
        if (command.equals("eval") && "anomaly".equals(sub)) {
            return Optional.of(AnomalyEvaluation.USAGE + "\n");
        }
        if (command.equals("eval") && "quality".equals(sub)) {
            return Optional.of(QualityEvaluation.USAGE + "\n");
        }
        List<UsageSection> sections = new ArrayList<>();
        String[] lines = USAGE.substring(USAGE.indexOf("commands:\n") + "commands:\n".length()).split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].startsWith("  ") || lines[i].startsWith("   ")) {
                continue;
            }
            // "  chaos edge   failure drill...", "  machines set|unset|list --jdbc-url URL ...", "  demo   the ..."
            String[] words = lines[i].strip().split("\\s{2,}")[0].split(" ");
            if (!words[0].equals(command)) {
                continue;
            }
            StringBuilder text = new StringBuilder(lines[i]).append('\n');
            for (int j = i + 1; j < lines.length && lines[j].startsWith("   "); j++) {
                text.append(lines[j]).append('\n');
            }
            boolean named = words.length > 1 && !words[1].startsWith("-") && !words[1].startsWith("[");
            sections.add(new UsageSection(named ? List.of(words[1].split("\\|")) : List.of(), text.toString()));
        }
        boolean hasSubCommands = sections.stream().anyMatch(section -> !section.subCommands().isEmpty());
        StringBuilder usage = new StringBuilder();
        for (UsageSection section : sections) {
            if (!hasSubCommands || sub == null || section.subCommands().contains(sub)) {
                usage.append(section.text());
            }
        }
        return usage.isEmpty() ? Optional.empty() : Optional.of(usage.toString());
    }

    /** One command's lines of {@link #USAGE}, and the sub-commands its first line names. */
    private record UsageSection(List<String> subCommands, String text) {
    }

    /** {@code bench <what>}: the benchmarks, each against a baseline measured in the same run. */
    private static int bench(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        String what = argv.isEmpty() ? "" : argv.get(0);
        return switch (what) {
            case "ingest" -> io.werkstrom.app.bench.BenchCommand.run(argv, out, err);
            case "analytics" -> io.werkstrom.app.bench.AnalyticsBench.run(argv, out, err);
            case "gateway" -> io.werkstrom.app.bench.GatewayBench.run(argv.subList(1, argv.size()), out, err);
            default -> throw new UsageException("bench: expected ingest, analytics or gateway");
        };
    }

    /** {@code chaos <scenario>}: the failure drills, each a class of its own. */
    private static int chaos(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        String scenario = argv.isEmpty() ? "" : argv.get(0);
        return switch (scenario) {
            case "edge" -> io.werkstrom.app.chaos.EdgeChaos.command(argv, out, err);
            case "cloud" -> io.werkstrom.app.chaos.CloudChaos.command(argv, out, err);
            case "security" -> io.werkstrom.app.chaos.SecurityChaos.run(argv.subList(1, argv.size()), out, err);
            default -> throw new UsageException("chaos: expected a scenario: edge, cloud or security");
        };
    }

    /**
     * Commands that migrate the database before they use it: a table, function or column missing
     * there is no sign of a migrate left out (within a migration, it is one the migration expected).
     */
    private static final Set<String> MIGRATING_COMMANDS = Set.of("migrate", "job", "demo", "chaos", "bench");

    /** SQL states of a relation, function or column the database lacks. */
    private static final Set<String> MISSING_SCHEMA_STATES = Set.of("42P01", "42883", "42703");

    /**
     * A hint to migrate where the database lacked a table, function or column: a database that was
     * never migrated, or one migrated by an older build; empty otherwise.
     */
    static String schemaHint(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLException sql && MISSING_SCHEMA_STATES.contains(sql.getSQLState())) {
                return "; the database's schema may be missing or older than this build: run ./werkstrom migrate"
                        + " --jdbc-url <the same URL> first";
            }
        }
        return "";
    }

    /**
     * {@code e} with the secrets of every JDBC URL among the arguments ({@code --jdbc-url},
     * {@code --store.jdbc-url}, as {@code --name value} or {@code --name=value}) masked: the driver
     * names a URL it cannot parse, password and all, in its message.
     */
    static Throwable withoutUrlSecrets(Throwable e, List<String> args) {
        Throwable shown = e;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || !arg.contains("jdbc-url")) {
                continue;
            }
            int equals = arg.indexOf('=');
            String url = equals >= 0 ? arg.substring(equals + 1) : i + 1 < args.size() ? args.get(i + 1) : null;
            shown = io.werkstrom.jobs.storage.JdbcUrls.redacted(shown, url);
        }
        return shown;
    }

    /** The whole cause chain in one line, so that the reason reaches the user without a stack trace. */
    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (!text.isEmpty()) {
                text.append(": ");
            }
            text.append(t instanceof FileSystemException fs ? fileProblem(fs)
                    : t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
        }
        return text.toString();
    }

    /**
     * A file system failure in words: its message is only the path for the common ones (the kind
     * of failure is in the class name), which tells a user nothing.
     */
    private static String fileProblem(FileSystemException e) {
        String what = e instanceof NoSuchFileException ? "no such file or directory"
                : e instanceof AccessDeniedException ? "permission denied"
                : e instanceof NotDirectoryException ? "not a directory"
                : e instanceof FileAlreadyExistsException ? "already exists"
                : e instanceof DirectoryNotEmptyException ? "directory not empty"
                : e.getClass().getSimpleName();
        String files = e.getFile() + (e.getOtherFile() == null ? "" : " -> " + e.getOtherFile());
        return what + ": " + files + (e.getReason() == null ? "" : " (" + e.getReason() + ")");
    }
}
