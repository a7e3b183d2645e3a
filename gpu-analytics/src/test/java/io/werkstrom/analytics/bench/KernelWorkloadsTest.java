package io.werkstrom.analytics.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.detect.PcaDetector;
import io.werkstrom.analytics.detect.PcaOptions;
import io.werkstrom.analytics.kernel.JavaKernelBackend;

class KernelWorkloadsTest {

    @Test
    void everyKernelRunsBothWaysAndStatesItsSamplesAndBytes() {
        try (JavaKernelBackend backend = new JavaKernelBackend(2, 1_000);
             KernelWorkloads workloads = new KernelWorkloads(backend, 8_192, 1)) {
            List<KernelWorkloads.Workload> all = workloads.workloads();
            assertEquals(List.of("robust-z", "robust-z-modes", "pca-t2-spe", "mset", "gbt-predict"),
                    all.stream().map(KernelWorkloads.Workload::name).toList());
            for (KernelWorkloads.Workload w : all) {
                w.run();
                w.runPlainLoop();
                // At least one double read per sample.
                assertTrue(w.samples() > 0 && w.bytes() >= w.samples() * Double.BYTES, w.name());
            }
            assertEquals(8_192, all.get(0).samples());
            // 8,192 random draws out of 4,096 series reference most of them (about 1 - e^-2), not all.
            long series = referencedSeries(8_192, 1);
            assertTrue(series > 3_000 && series < 4_096, Long.toString(series));
            assertEquals(8_192L * (8 + 4 + 8) + series * 16, all.get(0).bytes());
        }
        // close() released every vector: a leak would have thrown from the allocator's close.
    }

    @Test
    void everyKernelRunsThroughTheBackendAndItsBaselineWithout() {
        JavaKernelBackend backend = new JavaKernelBackend(2, 1_000);
        try (KernelWorkloads workloads = new KernelWorkloads(backend, 8_192, 1)) {
            backend.close();
            for (KernelWorkloads.Workload w : workloads.workloads()) {
                // A closed backend refuses the run: the run went to the backend, the baseline did not.
                assertEquals("kernel backend 'java' is closed.",
                        assertThrows(IllegalStateException.class, w::run).getMessage(), w.name());
                w.runPlainLoop();
            }
        }
    }

    @Test
    void atFewRowsOnlyTheReferencedParametersAreCounted() {
        try (JavaKernelBackend backend = new JavaKernelBackend(1, 1_000);
             KernelWorkloads workloads = new KernelWorkloads(backend, 1_024, 7)) {
            List<KernelWorkloads.Workload> all = workloads.workloads();
            long series = referencedSeries(1_024, 7);
            assertTrue(series <= 1_024);
            // value, series index and output per row; center and scale per referenced series
            assertEquals(1_024L * (8 + 4 + 8) + series * 2 * 8, all.get(0).bytes());
            // the mode count, and lower, upper and scale of each of the series' own modes (1 to 4), per referenced series
            Replay replay = new Replay(1_024, 7);
            assertEquals(1_024L * (8 + 4 + 8) + replay.modeParameterBytes, all.get(1).bytes());
            assertTrue(replay.modeParameterBytes < series * (4 * 3 * 8 + 4), "some series have fewer than 4 modes");
            // PCA at 1,024 rows scores 128 rows over 32 machines: per referenced machine its mean and
            // scale, its component count, and the loadings and eigenvalues of its own components.
            assertEquals(128L * ((8 + 2) * 8 + 4) + replay.pcaParameterBytes, all.get(2).bytes());
            // MSET at 1,024 rows scores 32 rows over 32 machines: some machines are never referenced.
            // Each packed model of memory 32 over 8 sensors: mean, scale, memory, inverse, bandwidth
            // as doubles and its count as an int.
            long msetModel = 8L * (8 + 8 + 32 * 8 + 32 * 32 + 1) + 4;
            long msetParameters = all.get(3).bytes() - 32L * (8 * 8 + 4 + 8);
            assertEquals(0, msetParameters % msetModel, Long.toString(msetParameters));
            assertTrue(msetParameters / msetModel >= 1 && msetParameters / msetModel < 32,
                    Long.toString(msetParameters / msetModel));
        }
    }

    /**
     * The workloads' draws replayed up to the PCA rows: the parameter bytes the robust z-score with
     * modes and PCA read for the series and machines their rows reference.
     */
    private static final class Replay {
        long modeParameterBytes;
        long pcaParameterBytes;

        Replay(int rows, long seed) {
            Random random = new Random(seed);
            int[] series = new int[rows];
            for (int i = 0; i < rows; i++) {
                series[i] = random.nextInt(KernelWorkloads.SERIES);
                random.nextGaussian();
            }
            int[] modes = new int[KernelWorkloads.SERIES];
            for (int s = 0; s < KernelWorkloads.SERIES; s++) {
                random.nextGaussian();
                random.nextDouble();
                modes[s] = 1 + random.nextInt(KernelWorkloads.MODES);
                for (int m = 0; m < KernelWorkloads.MODES; m++) {
                    random.nextDouble();
                    random.nextDouble();
                }
            }
            for (int s : new HashSet<>(Arrays.stream(series).boxed().toList())) {
                modeParameterBytes += 4 + modes[s] * 3 * 8;
            }
            List<PcaDetector> models = new ArrayList<>();
            for (int m = 0; m < KernelWorkloads.MACHINES; m++) {
                double share = 0.6 + 0.39 * m / (KernelWorkloads.MACHINES - 1);
                models.add(PcaDetector.fit(KernelWorkloads.machineRows(200, random, m),
                        PcaOptions.builder().explainedVariance(share).build()));
            }
            Set<Integer> machines = new HashSet<>();
            for (int i = 0; i < rows / KernelWorkloads.SENSORS; i++) {
                int machine = random.nextInt(KernelWorkloads.MACHINES);
                machines.add(machine);
                KernelWorkloads.machineRows(1, random, machine);
            }
            for (int m : machines) {
                int k = models.get(m).components();
                pcaParameterBytes += 8L * (2 * 8 + k * 8 + k) + 4;
            }
        }
    }

    /** The distinct series the robust z-score rows reference: the workload's draws replayed. */
    private static long referencedSeries(int rows, long seed) {
        Random random = new Random(seed);
        Set<Integer> series = new HashSet<>();
        for (int i = 0; i < rows; i++) {
            series.add(random.nextInt(KernelWorkloads.SERIES));
            random.nextGaussian();
        }
        return series.size();
    }

    @Test
    void rejectsTooFewRows() {
        try (JavaKernelBackend backend = new JavaKernelBackend(1, 1)) {
            assertEquals("rows must be >= 1024 (was 10).", assertThrows(IllegalArgumentException.class,
                    () -> new KernelWorkloads(backend, 10, 1)).getMessage());
        }
    }
}
