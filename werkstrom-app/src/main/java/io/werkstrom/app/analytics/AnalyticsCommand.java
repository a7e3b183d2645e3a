package io.werkstrom.app.analytics;

import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.analytics.remote.AnalyticsService;
import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.UsageException;

/**
 * {@code ./werkstrom analytics serve}: the analytics service that scores batches for many Flink
 * jobs over Arrow Flight, on the best kernel backend of this node (a GPU where one answers, else
 * the plain-Java kernels). Jobs use it with {@code --analytics.backend=grpc://host:port}. Runs
 * until stopped (SIGTERM / Ctrl-C), then finishes the calls in flight.
 */
public final class AnalyticsCommand {

    public static final int DEFAULT_PORT = 8815;

    private AnalyticsCommand() {
    }

    public static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        if (argv.isEmpty() || !argv.get(0).equals("serve")) {
            throw new UsageException("analytics: expected 'serve' [--host H] [--port P] [--backend auto|java]");
        }
        Args args = Args.parse("analytics serve", argv.subList(1, argv.size()), Set.of("host", "port", "backend"),
                Set.of());
        String host = args.string("host", "0.0.0.0");
        int port;
        String backendName = args.string("backend", KernelBackends.AUTO);
        try {
            port = args.positiveInt("port", DEFAULT_PORT);
            if (port > 65_535) {
                throw new IllegalArgumentException("port must be at most 65535");
            }
            if (!KernelBackends.CHOICES.contains(backendName)) {
                throw new IllegalArgumentException("backend must be one of " + KernelBackends.CHOICES);
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("analytics serve: --" + e.getMessage());
        }
        CountDownLatch stop = new CountDownLatch(1);
        try (KernelBackend backend = KernelBackends.select(backendName);
             AnalyticsService service = AnalyticsService.start(backend, host, port)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "analytics-shutdown"));
            err.println("analytics service on " + host + ":" + service.port() + " with the " + backend.name()
                    + " kernel backend; jobs connect with --analytics.backend=grpc://<this host>:" + service.port());
            err.flush();
            stop.await();
            err.println("analytics service stopping after " + service.calls() + " calls (" + service.rows()
                    + " rows, " + service.rejected() + " refused)");
        }
        return 0;
    }
}
