package io.werkstrom.app.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.StopSignal;
import io.werkstrom.app.cli.UsageException;

/** {@code ./werkstrom bench ingest [options]}: parses the options, runs {@link IngestBench}, prints its JSON. */
public final class BenchCommand {

    /** How long the JVM's exit waits for a stopped run: the job's cancel (up to a minute) and the rest. */
    static final Duration STOP_GRACE = Duration.ofSeconds(90);

    private BenchCommand() {
    }

    public static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        if (argv.isEmpty() || !argv.get(0).equals("ingest")) {
            throw new UsageException("bench: expected 'bench ingest'; run ./werkstrom help");
        }
        Args args = Args.parse("bench ingest", argv.subList(1, argv.size()),
                Set.of("duration", "gateways", "batch-rows", "parallelism", "writers", "flush-interval", "checkpoint-interval"), Set.of());
        IngestBenchOptions options;
        try {
            options = new IngestBenchOptions(
                    args.duration("duration", IngestBenchOptions.DEFAULT_DURATION),
                    args.positiveInt("gateways", IngestBenchOptions.DEFAULT_GATEWAYS),
                    args.positiveInt("batch-rows", IngestBenchOptions.DEFAULT_BATCH_ROWS),
                    args.positiveInt("parallelism", IngestBenchOptions.DEFAULT_PARALLELISM),
                    args.positiveInt("writers", IngestBenchOptions.DEFAULT_WRITERS),
                    args.duration("flush-interval", IngestBenchOptions.DEFAULT_FLUSH_INTERVAL),
                    args.duration("checkpoint-interval", IngestBenchOptions.DEFAULT_CHECKPOINT_INTERVAL));
        } catch (IllegalArgumentException e) {
            throw new UsageException("bench ingest: --" + e.getMessage());
        }
        // Ctrl-C: the run stops, cancels its job and removes its broker, database and work directory first.
        try (StopSignal stop = StopSignal.install("bench-ingest", STOP_GRACE)) {
            IngestResult result;
            try {
                result = new IngestBench(options, err).run(stop::await);
            } catch (Exception e) {
                if (!stop.stopped()) {
                    throw e;
                }
                err.println("bench ingest interrupted");
                return 130;
            }
            out.println(result.toJson());
            out.flush();
            return 0;
        }
    }
}
