package io.werkstrom.app.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.werkstrom.analytics.bench.KernelWorkloads;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.analytics.kernel.RoutedKernelBackend;
import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.UsageException;

/**
 * {@code ./werkstrom bench analytics}: per analytics kernel, samples scored per second and the
 * effective memory bandwidth (the bytes the kernel must read and write, divided by the time) on the
 * kernel backend in use, against a single-threaded plain loop over the same data measured in the
 * same run. Progress goes to stderr; the last line of stdout is
 * <pre>
 * {"backend":"java","kernels":[{"name":"robust-z","samples_per_s":…,"gb_per_s":…,
 *   "baseline_samples_per_s":…,"ratio":…,"ran_on":"java"}, …]}
 * </pre>
 * with {@code ratio = samples_per_s / baseline_samples_per_s}. Every kernel (robust z-scores,
 * PCA T²/SPE, MSET, tree margins) runs on the selected backend over Arrow columns built once, so
 * on a TornadoVM node the figures are the device's, copies included; the baseline is the
 * reference kernel as one plain loop on one thread. {@code ran_on} names the backend of the
 * kernel's calls: with {@code auto} on a TornadoVM node each kernel is routed to the device or to
 * Java, whichever was faster for its batch size ({@code RoutedKernelBackend}; stderr gives both costs).
 *
 * <p>Options: {@code --duration} (30s) the whole run, split evenly over the kernels and, within
 * a kernel, between its run and its baseline, a fifth of each spent warming up; {@code --rows}
 * (1048576, at most 16777216) univariate samples per batch; {@code --backend} (auto) auto, java or tornadovm.
 */
public final class AnalyticsBench {

    static final Duration DEFAULT_DURATION = Duration.ofSeconds(30);
    static final int DEFAULT_ROWS = 1 << 20;
    /**
     * The most {@code --rows}: the workloads hold their data on the heap and again in Arrow
     * buffers (16 Mi rows: 1.9 GB resident, within the launcher's 4 GiB heap); far more died of an
     * OutOfMemoryError while building them.
     */
    static final int MAX_ROWS = 1 << 24;
    static final long SEED = 42;
    /** Turns each of a kernel's two ways gets after warming up. */
    static final int ROUNDS = 10;

    private AnalyticsBench() {
    }

    /** Runs {@code bench analytics [options]}; {@code argv} starts after the word {@code bench}. */
    public static int run(List<String> argv, PrintStream out, PrintStream err) {
        if (argv.isEmpty() || !argv.get(0).equals("analytics")) {
            throw new UsageException("bench: expected the sub-command analytics, got "
                    + (argv.isEmpty() ? "nothing" : "'" + argv.get(0) + "'"));
        }
        Args args = Args.parse("bench analytics", argv.subList(1, argv.size()), Set.of("duration", "rows", "backend"),
                Set.of());
        Duration duration = args.duration("duration", DEFAULT_DURATION);
        if (duration.isZero() || duration.isNegative()) {
            throw new UsageException("bench analytics: --duration must be positive, got " + duration);
        }
        int rows = args.wholeNumber("rows", DEFAULT_ROWS, 1024, MAX_ROWS);
        String requested = args.string("backend", KernelBackends.AUTO);
        if (!KernelBackends.CHOICES.contains(requested)) {
            throw new UsageException("bench analytics: --backend must be one of " + String.join(", ",
                    KernelBackends.CHOICES) + ", got '" + requested + "'");
        }

        ObjectMapper json = new ObjectMapper();
        ObjectNode result = json.createObjectNode();
        try (KernelBackend backend = KernelBackends.select(requested)) {
            err.printf(Locale.ROOT, "bench analytics: backend %s%s, %d rows, %s%n", backend.name(),
                    KernelBackends.fallbackReason().isEmpty() ? "" : " (" + KernelBackends.fallbackReason() + ")",
                    rows, duration);
            result.put("backend", backend.name());
            ArrayNode kernels = result.putArray("kernels");
            try (KernelWorkloads workloads = new KernelWorkloads(backend, rows, SEED)) {
                List<KernelWorkloads.Workload> all = workloads.workloads();
                long halfNanos = duration.toNanos() / all.size() / 2;
                for (KernelWorkloads.Workload w : all) {
                    double[] perRun = measurePair(w::run, w::runPlainLoop, 2 * halfNanos);
                    double seconds = perRun[0];
                    double baselineSeconds = perRun[1];
                    double samplesPerSecond = w.samples() / seconds;
                    double baseline = w.samples() / baselineSeconds;
                    ObjectNode k = kernels.addObject();
                    k.put("name", w.name());
                    k.put("samples_per_s", round(samplesPerSecond));
                    k.put("gb_per_s", round(w.bytes() / seconds / 1e9));
                    k.put("baseline_samples_per_s", round(baseline));
                    k.put("ratio", round(samplesPerSecond / baseline));
                    k.put("ran_on", ranOn(backend, w.name(), err));
                    err.printf(Locale.ROOT, "bench analytics: %-15s %.4g samples/s, %.3f GB/s; plain loop %.4g "
                                    + "samples/s; ratio %.2f%n", w.name(), samplesPerSecond, w.bytes() / seconds / 1e9,
                            baseline, samplesPerSecond / baseline);
                }
            }
        }
        out.println(result);
        out.flush();
        return 0;
    }

    /**
     * The backend that ran {@code kernel}: the selected one, or where {@code auto} routes between a
     * device and Java, the route its calls had at the end, printed on {@code err} with both costs.
     */
    static String ranOn(KernelBackend backend, String kernel, PrintStream err) {
        if (!(backend instanceof RoutedKernelBackend routed)) {
            return backend.name();
        }
        String ranOn = "trial";
        for (RoutedKernelBackend.Route route : routed.routes()) {
            if (route.kernel().equals(kernel)) {
                err.printf(Locale.ROOT, "bench analytics: %-15s calls of %d to %d rows routed to %s (%.3g ns a row "
                                + "on the device, %.3g on java; %d calls)%n", kernel, route.minRows(), route.maxRows(),
                        route.backend(), route.deviceNanosPerRow(), route.javaNanosPerRow(), route.calls());
                ranOn = route.backend();
            }
        }
        return ranOn;
    }

    /**
     * Seconds per run of {@code body} and of {@code baseline}, each given half of
     * {@code budgetNanos}: a fifth of each half warms it up, then the two take turns in
     * {@value #ROUNDS} rounds of short slices (which goes first alternates), so that both see the
     * same load from other processes on a shared machine; the times and runs of all slices are
     * summed. A slice runs its body at least once.
     */
    static double[] measurePair(Runnable body, Runnable baseline, long budgetNanos) {
        long half = budgetNanos / 2;
        runFor(body, half / 5);
        runFor(baseline, half / 5);
        long slice = Math.max(1, (half - half / 5) / ROUNDS);
        Runnable[] bodies = {body, baseline};
        long[] nanos = new long[2];
        long[] runs = new long[2];
        for (int round = 0; round < ROUNDS; round++) {
            for (int turn = 0; turn < 2; turn++) {
                int which = (round + turn) % 2;
                long start = System.nanoTime();
                runs[which] += runFor(bodies[which], slice);
                nanos[which] += System.nanoTime() - start;
            }
        }
        return new double[] {nanos[0] / 1e9 / runs[0], nanos[1] / 1e9 / runs[1]};
    }

    /** Runs {@code body} until {@code nanos} have passed, at least once; returns the number of runs. */
    private static long runFor(Runnable body, long nanos) {
        long end = System.nanoTime() + nanos;
        long runs = 0;
        do {
            body.run();
            runs++;
        } while (System.nanoTime() < end);
        return runs;
    }

    private static double round(double value) {
        return Double.parseDouble(String.format(Locale.ROOT, "%.6g", value));
    }
}
