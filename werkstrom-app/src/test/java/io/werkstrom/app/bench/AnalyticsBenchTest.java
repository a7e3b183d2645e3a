package io.werkstrom.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.bench.KernelWorkloads;
import io.werkstrom.analytics.kernel.ForwardingKernelBackend;
import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.RoutedKernelBackend;
import io.werkstrom.app.cli.UsageException;

class AnalyticsBenchTest {

    @Test
    void printsEveryKernelWithItsBaselineAsTheLastLine() throws Exception {
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        int code = AnalyticsBench.run(List.of("analytics", "--duration", "2s", "--rows", "16384", "--backend", "java"),
                new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8));
        assertEquals(0, code, errBytes.toString(StandardCharsets.UTF_8));
        String[] lines = outBytes.toString(StandardCharsets.UTF_8).trim().split("\n");
        JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals("java", json.get("backend").asText());
        List<String> names = new ArrayList<>();
        for (JsonNode k : json.get("kernels")) {
            names.add(k.get("name").asText());
            List<String> keys = new ArrayList<>();
            k.fieldNames().forEachRemaining(keys::add);
            assertEquals(List.of("name", "samples_per_s", "gb_per_s", "baseline_samples_per_s", "ratio", "ran_on"),
                    keys);
            assertEquals("java", k.get("ran_on").asText());
            double rate = k.get("samples_per_s").asDouble();
            double baseline = k.get("baseline_samples_per_s").asDouble();
            assertTrue(rate > 0 && baseline > 0 && k.get("gb_per_s").asDouble() > 0, k.toString());
            assertEquals(rate / baseline, k.get("ratio").asDouble(), 1e-3 * rate / baseline, k.toString());
        }
        assertEquals(List.of("robust-z", "robust-z-modes", "pca-t2-spe", "mset", "gbt-predict"), names);
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("bench analytics: backend java"));
    }

    /** Under {@code auto} over a device, each kernel names the backend its route chose, and stderr gives both costs. */
    @Test
    void aRoutedBackendNamesTheRouteOfEachKernel() {
        KernelBackend device = new ForwardingKernelBackend(new JavaKernelBackend(1, Integer.MAX_VALUE)) {
            @Override
            public String name() {
                return "device";
            }

            @Override
            protected void beforeCall() {
            }

            @Override
            public void close() {
                delegate().close();
            }
        };
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        try (RoutedKernelBackend routed = new RoutedKernelBackend(device, new JavaKernelBackend());
             KernelWorkloads workloads = new KernelWorkloads(routed, 1024, 7)) {
            for (KernelWorkloads.Workload w : workloads.workloads()) {
                for (int call = 0; call < 12; call++) {
                    w.run();
                }
            }
            for (RoutedKernelBackend.Route route : routed.routes()) {
                assertEquals(route.backend(), AnalyticsBench.ranOn(routed, route.kernel(), err), route.toString());
            }
            assertEquals(5, routed.routes().size());
            assertEquals("trial", AnalyticsBench.ranOn(routed, "no-such-kernel", err));
            String lines = errBytes.toString(StandardCharsets.UTF_8);
            assertTrue(lines.contains("bench analytics: robust-z        calls of 513 to 1024 rows routed to "), lines);
            assertTrue(lines.contains("ns a row on the device"), lines);
        }
        try (JavaKernelBackend java = new JavaKernelBackend()) {
            assertEquals("java", AnalyticsBench.ranOn(java, "robust-z", err));
        }
    }

    /** Both ways take turns, so that both see the same load: each runs in every round. */
    @Test
    void measuresTheRunAndItsBaselineInAlternatingTurns() {
        StringBuilder order = new StringBuilder();
        double[] perRun = AnalyticsBench.measurePair(() -> {
            order.append('r');
            spin(50_000);
        }, () -> {
            order.append('b');
            spin(500_000);
        }, 200_000_000L);
        assertTrue(perRun[0] > 0 && perRun[1] > 0 && Double.isFinite(perRun[0]) && Double.isFinite(perRun[1]),
                perRun[0] + " and " + perRun[1]);
        // After the warm-up (r... then b...), the turns alternate: every round contains both.
        String turns = order.toString().replaceFirst("^r+b+", "");
        assertTrue(turns.split("(?<=r)(?=b)|(?<=b)(?=r)").length >= AnalyticsBench.ROUNDS, turns);
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    @Test
    void badOptionsAreUsageErrorsNamingTheOption() {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertTrue(assertThrows(UsageException.class, () -> AnalyticsBench.run(List.of("ingest"), sink, sink))
                .getMessage().contains("expected the sub-command analytics"));
        assertTrue(assertThrows(UsageException.class,
                () -> AnalyticsBench.run(List.of("analytics", "--rows", "10"), sink, sink)).getMessage()
                .contains("--rows must be a whole number from 1024 to 16777216, got '10'"));
        assertTrue(assertThrows(UsageException.class,
                () -> AnalyticsBench.run(List.of("analytics", "--rows", "2000000000"), sink, sink)).getMessage()
                .contains("--rows must be a whole number from 1024 to 16777216, got '2000000000'"));
        assertTrue(assertThrows(UsageException.class,
                () -> AnalyticsBench.run(List.of("analytics", "--rows", "0"), sink, sink)).getMessage()
                .contains("--rows must be a whole number from 1024 to 16777216, got '0'"));
        assertTrue(assertThrows(UsageException.class,
                () -> AnalyticsBench.run(List.of("analytics", "--backend", "cuda"), sink, sink)).getMessage()
                .contains("--backend must be one of auto, java, tornadovm"));
        assertTrue(assertThrows(UsageException.class,
                () -> AnalyticsBench.run(List.of("analytics", "--speed", "2"), sink, sink)).getMessage()
                .contains("unknown option --speed"));
    }
}
