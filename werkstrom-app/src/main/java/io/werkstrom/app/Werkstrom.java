package io.werkstrom.app;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

import io.werkstrom.app.cli.UsageException;

/**
 * The {@code ./werkstrom} entry point: dispatches to one command. Commands print progress to
 * stderr and, where they produce a result, one JSON object as the last line of stdout.
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
              job                  run the telemetry Flink job on a local MiniCluster against an
                                   external broker and database (see README: external services)
              gateway              run one simulated gateway against an external MQTT broker
              migrate              apply the database migrations and report the storage flavour
              protocol wire-size   measure bytes per sample on the wire, Arrow IPC against JSON
                  --batch-interval D one batch's span (default 250ms)
                  --run D            average over the batches of this span (default: one batch)
              eval anomaly --dataset nab|skab --data DIR
                                   score the anomaly detectors on a public benchmark
              eval quality --dataset cmapss|ai4i --data DIR
                                   train and score the quality / remaining-life predictors on a
                                   public benchmark; JSON metrics as the last line
              bench gateway        gateway budgets: spool+encode samples/s on one core, bytes/sample on
                                   the wire, RSS of a gateway serving 1,000 sensors at 100 Hz
                  --phase D          length of each measured throughput phase (default 5s)
                  --rss-duration D   how long the gateway's memory is sampled (default 20s)
                  --no-rss           skip the child-process memory measurement
              test                 set up the test services and run every test (launcher only)
              help                 this text
            """;

    private Werkstrom() {
    }

    public static void main(String[] argv) {
        // The broker's jar carries a logback.xml of its own; name ours before the first logger exists.
        System.setProperty("logback.configurationFile", "werkstrom-logback.xml");
        System.exit(run(Arrays.asList(argv), System.out, System.err));
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) {
        if (argv.isEmpty() || List.of("help", "-h", "--help").contains(argv.get(0))) {
            out.print(USAGE);
            return 0;
        }
        String command = argv.get(0);
        List<String> rest = argv.subList(1, argv.size());
        try {
            return switch (command) {
                case "demo" -> Commands.demo(rest, out, err);
                case "job" -> Commands.job(rest, out, err);
                case "gateway" -> Commands.gateway(rest, out, err);
                case "migrate" -> Commands.migrate(rest, out, err);
                case "protocol" -> Commands.protocol(rest, out, err);
                case "eval" -> Commands.eval(rest, out, err);
                case "bench" -> io.werkstrom.app.bench.Bench.run(rest, out, err);
                default -> throw new UsageException("unknown command '" + command + "'; run ./werkstrom help");
            };
        } catch (UsageException e) {
            err.println("werkstrom: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("werkstrom " + command + " failed: " + describe(e));
            org.slf4j.LoggerFactory.getLogger(Werkstrom.class).error("{} failed", command, e);
            return 1;
        }
    }

    /** The whole cause chain in one line, so that the reason reaches the user without a stack trace. */
    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (!text.isEmpty()) {
                text.append(": ");
            }
            text.append(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
        }
        return text.toString();
    }
}
