package io.werkstrom.analytics.bench;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import io.werkstrom.analytics.kernel.JavaKernelBackend;

/**
 * Runs {@link KernelBenchmarks} (JMH options from the command line, e.g. {@code -f 1 -wi 3 -i 5})
 * and prints, per kernel, samples scored per second and per core on the Java backend and in the
 * plain single-threaded loop, and their ratio.
 */
public final class AnalyticsBenchmarks {

    private AnalyticsBenchmarks() {
    }

    public static void main(String[] args) throws Exception {
        Options options = new OptionsBuilder().parent(new CommandLineOptions(args))
                .include(KernelBenchmarks.class.getName())
                .jvmArgsAppend("--add-opens=java.base/java.nio=ALL-UNNAMED").build();
        Collection<RunResult> results = new Runner(options).run();

        Map<String, Long> samples = new LinkedHashMap<>();
        try (JavaKernelBackend backend = new JavaKernelBackend();
             KernelWorkloads workloads = new KernelWorkloads(backend, KernelBenchmarks.ROWS, KernelBenchmarks.SEED)) {
            workloads.workloads().forEach(w -> samples.put(w.name(), w.samples()));
        }
        Map<String, double[]> perKernel = new LinkedHashMap<>();
        for (RunResult result : results) {
            String kernel = result.getParams().getParam("kernel");
            String method = result.getParams().getBenchmark();
            double opsPerSecond = result.getPrimaryResult().getScore();
            double[] pair = perKernel.computeIfAbsent(kernel, k -> new double[2]);
            pair[method.endsWith("plainLoop") ? 1 : 0] = opsPerSecond * samples.get(kernel);
        }
        // The parallel runs may use every core; the plain loop uses one.
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "%n%-16s %16s %16s %16s %8s%n", "kernel", "java samples/s", "per core",
                "plain loop /s", "ratio");
        for (Map.Entry<String, double[]> e : perKernel.entrySet()) {
            double java = e.getValue()[0];
            double plain = e.getValue()[1];
            System.out.printf(Locale.ROOT, "%-16s %16.4g %16.4g %16.4g %8.2f%n", e.getKey(), java, java / cores, plain,
                    plain > 0 ? java / plain : Double.NaN);
        }
        System.out.printf(Locale.ROOT, "(%d cores; ratio = java backend / plain single-threaded loop)%n", cores);
    }
}
