package io.werkstrom.app.analytics;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.analytics.remote.AnalyticsService;
import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.StopSignal;
import io.werkstrom.app.cli.UsageException;

/**
 * {@code ./werkstrom analytics serve}: the analytics service that scores batches for many Flink
 * jobs over Arrow Flight, on the best kernel backend of this node (a GPU where one answers, else
 * the plain-Java kernels). Jobs use it with {@code --analytics.backend=grpc://host:port}. Runs
 * until stopped (SIGTERM / Ctrl-C), then finishes the calls in flight (at most 10 s) and prints
 * the JSON object {@code {"calls":N,"rows":N,"refused":N}} as the last line of standard output:
 * kernel calls served, rows they scored, requests refused. {@code --port 0} serves on a free port,
 * which the service's first line on standard error names.
 */
public final class AnalyticsCommand {

    public static final int DEFAULT_PORT = 8815;

    /**
     * How long the shutdown hook holds the JVM for the service to finish its calls and report:
     * the service waits up to 10 s for its calls and 5 s for their buffers. Whatever stops the
     * process must allow at least this long before it kills it (a container's stop grace period).
     */
    public static final Duration REPORT_WAIT = Duration.ofSeconds(20);

    private static final ObjectMapper JSON = new ObjectMapper();

    private AnalyticsCommand() {
    }

    /** Serves until the JVM is asked to stop (SIGTERM / Ctrl-C). */
    public static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        try (StopSignal stop = StopSignal.install("analytics", REPORT_WAIT)) {
            return run(argv, out, err, stop::await);
        }
    }

    /**
     * Serves until {@code stop} returns, then closes the service (its calls in flight finish first)
     * and prints the report on {@code out}.
     */
    static int run(List<String> argv, PrintStream out, PrintStream err, StopSignal.Wait stop) throws Exception {
        if (argv.isEmpty() || !argv.get(0).equals("serve")) {
            throw new UsageException("analytics: expected 'serve' [--host H] [--port P] [--backend auto|java|tornadovm]");
        }
        Args args = Args.parse("analytics serve", argv.subList(1, argv.size()), Set.of("host", "port", "backend"),
                Set.of());
        String host;
        int port;
        String backendName = args.string("backend", KernelBackends.AUTO);
        try {
            host = bindHost(args.string("host", "0.0.0.0"));
            port = port(args.string("port", Integer.toString(DEFAULT_PORT)));
            if (!KernelBackends.CHOICES.contains(backendName)) {
                throw new IllegalArgumentException("backend must be one of " + KernelBackends.CHOICES);
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("analytics serve: --" + e.getMessage());
        }
        Map<String, Object> json = new LinkedHashMap<>();
        try (KernelBackend backend = KernelBackends.select(backendName)) {
            AnalyticsService service = AnalyticsService.start(backend, host, port);
            try (service) {
                err.println("analytics service on " + host + ":" + service.port() + " with the " + backend.name()
                        + " kernel backend; jobs connect with --analytics.backend=grpc://<this host>:"
                        + service.port());
                err.flush();
                stop.await();
                err.println("analytics service stopping: finishing the calls in flight");
                err.flush();
            }
            // Read after close: the calls that were in flight count.
            json.put("calls", service.calls());
            json.put("rows", service.rows());
            json.put("refused", service.rejected());
        }
        err.println("analytics service stopped after " + json.get("calls") + " calls (" + json.get("rows")
                + " rows, " + json.get("refused") + " refused)");
        out.println(JSON.writeValueAsString(json));
        out.flush();
        return 0;
    }

    /**
     * An address of this machine to serve on, or a name that resolves to one: checked before the
     * backend is chosen, so that a typo ({@code 300.1.1.1}, a name the resolver does not know) names
     * the option instead of failing the bind with a {@code URISyntaxException} or an
     * {@code UnresolvedAddressException}.
     */
    private static String bindHost(String host) {
        String trimmed = host.trim();
        if (!trimmed.isEmpty()) {
            try {
                InetAddress.getByName(trimmed);
                return trimmed;
            } catch (UnknownHostException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException("host must be an address of this machine or a name that resolves to one"
                + " (0.0.0.0 for every interface), got '" + host + "'");
    }

    /** A port from 0 (a free one) to 65535. */
    private static int port(String value) {
        try {
            int port = Integer.parseInt(value.trim());
            if (port >= 0 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("port must be a port from 0 (a free one) to 65535, got '" + value + "'");
    }
}
