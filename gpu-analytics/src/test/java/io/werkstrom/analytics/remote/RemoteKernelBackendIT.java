package io.werkstrom.analytics.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelOracle;
import io.werkstrom.analytics.kernel.MultivariateOracle;

/**
 * The remote kernel backend against an analytics service on loopback: the same scores as the
 * plain loops, bit for bit, for every kernel, from several threads at once; bad requests refused with their reason
 * while the service keeps serving; an unreachable service named in the error.
 */
class RemoteKernelBackendIT {

    private final BufferAllocator allocator = new RootAllocator();
    private final KernelOracle oracle = new KernelOracle(allocator);
    private JavaKernelBackend served;
    private AnalyticsService service;
    private RemoteKernelBackend remote;

    @BeforeEach
    void start() throws Exception {
        served = new JavaKernelBackend(2, 1_000);
        service = AnalyticsService.start(served, "127.0.0.1", 0);
        remote = new RemoteKernelBackend(URI.create("grpc://127.0.0.1:" + service.port()), 30_000);
    }

    @AfterEach
    void stop() {
        remote.close();
        service.close();
        served.close();
        allocator.close();
    }

    @Test
    void scoresLikeThePlainLoopsForEveryKernelAndSize() {
        for (int rows : new int[] {0, 1, 999, 20_000}) {
            oracle.assertRobustZ(remote, rows, 31L + rows);
            oracle.assertRobustZModes(remote, rows, 47L + rows);
        }
        assertEquals(8, service.calls());
        assertEquals(2 * (1 + 999 + 20_000), service.rows());
    }

    @Test
    void scoresPcaMsetAndTreesBitForBitLikeTheJavaBackend() {
        MultivariateOracle multivariate = new MultivariateOracle(allocator);
        int rowsScored = 0;
        for (int rows : new int[] {0, 1, 3_001}) {
            MultivariateOracle.PcaCase pca = MultivariateOracle.pcaFleetCase(rows, 8, 20, 4, 61L + rows);
            double[][] t2Spe = multivariate.run(remote, pca);
            double[][] expected = pca.expected();
            MultivariateOracle.assertBitExact(expected[0], t2Spe[0], "remote T2");
            MultivariateOracle.assertBitExact(expected[1], t2Spe[1], "remote SPE");
            MultivariateOracle.MsetCase mset = MultivariateOracle.msetCase(rows, 5, 30, 16, 0.1, 73L + rows);
            MultivariateOracle.assertBitExact(mset.expected(), multivariate.run(remote, mset), "remote MSET");
            MultivariateOracle.TreeCase trees = MultivariateOracle.treeCase(rows, 6, 40, 5, 89L + rows);
            MultivariateOracle.assertBitExact(trees.expected(), multivariate.run(remote, trees), "remote trees");
            rowsScored += 3 * rows;
        }
        assertEquals(9, service.calls());
        assertEquals(rowsScored, service.rows());
        assertEquals(0, service.rejected());
    }

    @Test
    void refusesBadPcaMsetAndTreeRequestsWithTheReasonAndKeepsServing() {
        MultivariateOracle multivariate = new MultivariateOracle(allocator);
        MultivariateOracle.PcaCase pca = MultivariateOracle.pcaFleetCase(4, 3, 2, 2, 1);
        MultivariateOracle.PcaCase badPca = new MultivariateOracle.PcaCase(3, 2, pca.rows(), pca.modelIndex(),
                pca.mean(), pca.scale(), java.util.Arrays.copyOf(pca.loadings(), 11), pca.eigenvalues(),
                pca.componentCount());
        IllegalArgumentException loadings = assertThrows(IllegalArgumentException.class,
                () -> multivariate.run(remote, badPca));
        assertEquals("pca_t2_spe: loadings has 11 entries, expected 12 (models * maxComponents * dims).",
                loadings.getMessage());
        MultivariateOracle.PcaCase badModel = new MultivariateOracle.PcaCase(3, 2, pca.rows(), new int[] {0, 1, 2, 0},
                pca.mean(), pca.scale(), pca.loadings(), pca.eigenvalues(), pca.componentCount());
        IllegalArgumentException pcaModel = assertThrows(IllegalArgumentException.class,
                () -> multivariate.run(remote, badModel));
        assertEquals("pca_t2_spe: modelIndex[2] is 2, outside [0, 2) (models).", pcaModel.getMessage());
        MultivariateOracle.PcaCase badCount = new MultivariateOracle.PcaCase(3, 2, pca.rows(), pca.modelIndex(),
                pca.mean(), pca.scale(), pca.loadings(), pca.eigenvalues(), new int[] {2, 3});
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> multivariate.run(remote, badCount));
        assertEquals("pca_t2_spe: componentCount of model 1 is 3, outside [0, 2].", count.getMessage());

        MultivariateOracle.MsetCase mset = MultivariateOracle.msetCase(6, 2, 3, 4, 0.0, 2);
        mset.modelIndex()[4] = 3;
        IllegalArgumentException model = assertThrows(IllegalArgumentException.class,
                () -> multivariate.run(remote, mset));
        assertEquals("mset_residuals: modelIndex[4] is 3, outside [0, 3) (models).", model.getMessage());

        MultivariateOracle.TreeCase trees = MultivariateOracle.treeCase(5, 2, 2, 2, 3);
        int split = 0;
        while (trees.nodeFeature()[split] < 0) {
            split++;
        }
        trees.nodeLeft()[split] = split;
        IllegalArgumentException cycle = assertThrows(IllegalArgumentException.class,
                () -> multivariate.run(remote, trees));
        assertEquals("tree_margins: node " + split + " has children " + split + " and " + trees.nodeRight()[split]
                + ", outside (" + split + ", " + trees.nodeFeature().length + ").", cycle.getMessage());

        assertEquals(5, service.rejected());
        assertEquals(0, service.calls());
        MultivariateOracle.assertBitExact(pca.expected()[0], multivariate.run(remote, pca)[0], "after refusals");
        assertEquals(1, service.calls());
    }

    @Test
    void servesManyCallersAtOnce() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                long seed = i;
                calls.add(callers.submit(() -> oracle.assertRobustZModes(remote, 5_000, seed)));
            }
            for (Future<?> call : calls) {
                call.get();
            }
        } finally {
            callers.shutdownNow();
        }
        assertEquals(16, service.calls());
    }

    @Test
    void refusesASeriesOutsideItsParametersAndKeepsServing() {
        try (Float8Vector values = oracle.doubles("values", 1.0, 2.0);
             IntVector series = oracle.ints("series", 0, 5);
             Float8Vector center = oracle.doubles("center", 0.0);
             Float8Vector scale = oracle.doubles("scale", 1.0);
             Float8Vector out = new Float8Vector("out", allocator)) {
            out.allocateNew(2);
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> remote.robustZ(values, series, center, scale, out));
            assertTrue(refused.getMessage().contains("row 1 names series 5, outside [0, 1)"), refused.getMessage());
        }
        assertEquals(1, service.rejected());
        oracle.assertRobustZ(remote, 100, 3);
        assertEquals(1, service.calls());
    }

    @Test
    void refusesAnUnknownKernelAndARequestWithoutParameters() throws Exception {
        try (FlightClient client = FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", service.port()))
                .build();
             Float8Vector values = oracle.doubles("values", 1.0);
             IntVector series = oracle.ints("series", 0);
             VectorSchemaRoot root = VectorSchemaRoot.of(values, series)) {
            FlightRuntimeException unknown = assertThrows(FlightRuntimeException.class, () ->
                    exchange(client, FlightDescriptor.command("drop tables".getBytes(StandardCharsets.UTF_8)), root));
            assertEquals(FlightStatusCode.INVALID_ARGUMENT, unknown.status().code());
            assertTrue(unknown.status().description().contains("unknown kernel"), unknown.status().description());

            FlightRuntimeException bare = assertThrows(FlightRuntimeException.class, () ->
                    exchange(client, KernelExchange.Kernel.ROBUST_Z.descriptor(), root));
            assertEquals(FlightStatusCode.INVALID_ARGUMENT, bare.status().code());
            assertTrue(bare.status().description().contains("needs its parameters"), bare.status().description());
        }
        assertEquals(2, service.rejected());
    }

    private static void exchange(FlightClient client, FlightDescriptor descriptor, VectorSchemaRoot root)
            throws Exception {
        try (FlightClient.ExchangeReaderWriter exchange = client.doExchange(descriptor)) {
            exchange.getWriter().start(root);
            exchange.getWriter().putNext();
            exchange.getWriter().completed();
            while (exchange.getReader().next()) {
                // drain: the error arrives with the stream's end
            }
        }
    }

    @Test
    void anUnreachableServiceIsNamedInTheError() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (RemoteKernelBackend nowhere = new RemoteKernelBackend(URI.create("grpc://127.0.0.1:" + port), 5_000);
             Float8Vector values = oracle.doubles("values", 1.0);
             IntVector series = oracle.ints("series", 0);
             Float8Vector center = oracle.doubles("center", 0.0);
             Float8Vector scale = oracle.doubles("scale", 1.0);
             Float8Vector out = new Float8Vector("out", allocator)) {
            out.allocateNew(1);
            IllegalStateException failure = assertThrows(IllegalStateException.class,
                    () -> nowhere.robustZ(values, series, center, scale, out));
            assertTrue(failure.getMessage().contains("grpc://127.0.0.1:" + port), failure.getMessage());
        }
    }

    @Test
    void rejectsAddressesThatAreNotGrpc() {
        assertThrows(IllegalArgumentException.class, () -> new RemoteKernelBackend(URI.create("http://host:1"), 1_000));
        assertThrows(IllegalArgumentException.class, () -> new RemoteKernelBackend(URI.create("grpc://host"), 1_000));
    }
}
