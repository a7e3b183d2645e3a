package io.werkstrom.analytics.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.werkstrom.analytics.detect.MsetDetector;
import io.werkstrom.analytics.detect.MsetOptions;
import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.MultivariateOracle;

/**
 * The remote backend against the service's limits: calls whose models exceed the parameter limit
 * are split by model and score like the Java backend; a call that cannot fit is refused as too
 * large, not as bad input; a service that never answers costs each call its deadline until the
 * circuit breaker opens, then calls fail at once until the cool-down ends; the trial call after
 * the cool-down reaches a service that is back, however long gRPC would wait to reconnect.
 */
class RemoteKernelLimitsIT {

    private static final int SMALL_LIMIT = 64 * 1024;

    private final BufferAllocator allocator = new RootAllocator();
    private final JavaKernelBackend served = new JavaKernelBackend(2, 1_000);

    @AfterEach
    void stop() {
        served.close();
        allocator.close();
    }

    @Test
    void aFleetOverTheParameterLimitIsScoredInPartsLikeTheJavaBackend() throws Exception {
        MultivariateOracle oracle = new MultivariateOracle(allocator);
        try (AnalyticsService service = AnalyticsService.start(served, "127.0.0.1", 0, SMALL_LIMIT);
             RemoteKernelBackend remote = new RemoteKernelBackend(URI.create("grpc://127.0.0.1:" + service.port()),
                     30_000, SMALL_LIMIT, 3, 30_000)) {
            // 60 models of about 2.8 KiB and 200 of about 0.4 KiB: each fleet is over 64 KiB.
            MultivariateOracle.MsetCase mset = MultivariateOracle.msetCase(2_000, 5, 60, 16, 0.1, 7L);
            MultivariateOracle.assertBitExact(mset.expected(), oracle.run(remote, mset), "MSET in parts");
            long msetExchanges = remote.exchanges();
            assertTrue(msetExchanges > 1, "split into " + msetExchanges + " calls");

            MultivariateOracle.PcaCase pca = MultivariateOracle.pcaFleetCase(2_000, 8, 200, 4, 11L);
            double[][] t2Spe = oracle.run(remote, pca);
            MultivariateOracle.assertBitExact(pca.expected()[0], t2Spe[0], "T2 in parts");
            MultivariateOracle.assertBitExact(pca.expected()[1], t2Spe[1], "SPE in parts");
            assertTrue(remote.exchanges() - msetExchanges > 1, "split into " + (remote.exchanges() - msetExchanges));
            assertEquals(0, service.rejected());
        }
    }

    @Test
    void machineModelsScoreRemotelyLikeTheJavaBackendOverTheLimit() throws Exception {
        // At the default memory (64 states) a model of 16 sensors takes about 41 KiB of parameters:
        // under a 64 KiB limit each of these machines goes in a call of its own. (At 64 sensors a
        // model takes about 66 KiB, and 1000 machines pass the service's default limit of 64 MiB.)
        int dims = 16;
        int machines = 6;
        long limit = SMALL_LIMIT;
        Random random = new Random(1);
        double[][] training = new double[300][dims];
        for (double[] row : training) {
            for (int d = 0; d < dims; d++) {
                row[d] = random.nextGaussian() + (d > 0 ? row[d - 1] * 0.5 : 0);
            }
        }
        List<MsetDetector> models = new ArrayList<>();
        double[][] rows = new double[machines * 3][];
        int[] modelOfRow = new int[rows.length];
        for (int m = 0; m < machines; m++) {
            models.add(MsetDetector.fit(shifted(training, m), MsetOptions.defaults()));
        }
        for (int r = 0; r < rows.length; r++) {
            rows[r] = training[r];
            modelOfRow[r] = (r * 7) % machines;
        }
        double[] local = MsetDetector.scoreFleet(models, rows, modelOfRow, served);
        try (AnalyticsService service = AnalyticsService.start(served, "127.0.0.1", 0, limit);
             RemoteKernelBackend remote = new RemoteKernelBackend(URI.create("grpc://127.0.0.1:" + service.port()),
                     30_000, limit, 3, 30_000)) {
            assertArrayEquals(local, MsetDetector.scoreFleet(models, rows, modelOfRow, remote));
            assertTrue(remote.exchanges() > 1, "split into " + remote.exchanges() + " calls");
        }
    }

    @Test
    void parametersOverTheServicesLimitAreRefusedAsTooLargeNotAsBadInput() throws Exception {
        MultivariateOracle oracle = new MultivariateOracle(allocator);
        MultivariateOracle.MsetCase fleet = MultivariateOracle.msetCase(100, 5, 60, 16, 0.1, 7L);
        try (AnalyticsService service = AnalyticsService.start(served, "127.0.0.1", 0, SMALL_LIMIT);
             // A client that believes the service takes the default 64 MiB sends it all in one call.
             RemoteKernelBackend unaware = new RemoteKernelBackend(URI.create("grpc://127.0.0.1:" + service.port()),
                     30_000)) {
            ParametersTooLargeException refused = assertThrows(ParametersTooLargeException.class,
                    () -> oracle.run(unaware, fleet));
            assertTrue(refused.getMessage().contains("exceed the limit of " + SMALL_LIMIT), refused.getMessage());
            assertEquals(1, service.rejected());
            assertFalse(unaware.breakerOpen(), "the service answered: not a failure of the service");
        }
        // One model whose inverse alone (100 x 100 doubles) is over the limit cannot be split under it.
        MultivariateOracle.MsetCase wide = MultivariateOracle.msetCase(10, 5, 2, 100, 0.1, 7L);
        try (AnalyticsService service = AnalyticsService.start(served, "127.0.0.1", 0, SMALL_LIMIT);
             RemoteKernelBackend remote = new RemoteKernelBackend(URI.create("grpc://127.0.0.1:" + service.port()),
                     30_000, SMALL_LIMIT, 3, 30_000)) {
            assertThrows(ParametersTooLargeException.class, () -> oracle.run(remote, wide));
            assertEquals(0, remote.exchanges(), "nothing sent that the service would refuse");
        }
    }

    @Test
    void aServiceThatNeverAnswersFailsCallsAtOnceWhileTheBreakerIsOpen() throws Exception {
        MultivariateOracle oracle = new MultivariateOracle(allocator);
        MultivariateOracle.MsetCase mset = MultivariateOracle.msetCase(10, 5, 2, 16, 0.1, 7L);
        List<Socket> accepted = Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(hung.accept()); // and never answer
                    }
                } catch (IOException e) {
                    // closed at the end of the test
                }
            }, "hung-service");
            acceptor.setDaemon(true);
            acceptor.start();
            // long enough that no pause of a loaded machine between two calls outlasts it
            long coolDownMillis = 5_000;
            try (RemoteKernelBackend remote = new RemoteKernelBackend(
                    URI.create("grpc://127.0.0.1:" + hung.getLocalPort()), 300, SMALL_LIMIT, 2, coolDownMillis)) {
                IllegalStateException first = assertThrows(IllegalStateException.class, () -> oracle.run(remote, mset));
                assertTrue(first.getMessage().contains("DEADLINE") || first.getMessage().contains("TIMED_OUT"),
                        first.getMessage());
                assertFalse(remote.breakerOpen(), "one failure in a row does not open it");
                assertThrows(IllegalStateException.class, () -> oracle.run(remote, mset));
                assertTrue(remote.breakerOpen(), "two failures in a row open it");
                assertEquals(2, remote.exchanges());

                IllegalStateException fast = assertThrows(IllegalStateException.class, () -> oracle.run(remote, mset));
                assertTrue(fast.getMessage().contains("fail at once"), fast.getMessage());
                assertEquals(2, remote.exchanges(), "the call did not reach the service");
                assertEquals(1, remote.fastFailures());

                Thread.sleep(coolDownMillis + 200);
                assertThrows(IllegalStateException.class, () -> oracle.run(remote, mset));
                assertEquals(3, remote.exchanges(), "after the cool-down the service is tried again");
                assertTrue(remote.breakerOpen(), "and failing again, the breaker stays open");
                assertEquals(1, remote.breakerOpenings(), "opened (and logged) once");
                assertThrows(IllegalStateException.class, () -> oracle.run(remote, mset));
                assertEquals(2, remote.fastFailures(), "a new cool-down began");
            }
        } finally {
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    @Test
    void theTrialCallAfterTheCoolDownReachesARestartedService() throws Exception {
        MultivariateOracle oracle = new MultivariateOracle(allocator);
        MultivariateOracle.MsetCase mset = MultivariateOracle.msetCase(10, 5, 2, 16, 0.1, 7L);
        AnalyticsService service = AnalyticsService.start(served, "127.0.0.1", 0, SMALL_LIMIT);
        int port = service.port();
        // No cool-down: the call after the second failure is the trial call.
        try (RemoteKernelBackend remote = new RemoteKernelBackend(URI.create("grpc://127.0.0.1:" + port), 30_000,
                SMALL_LIMIT, 2, 0)) {
            MultivariateOracle.assertBitExact(mset.expected(), oracle.run(remote, mset), "before the restart");
            service.close();
            // The second failure at the latest finds the port closed: from then on gRPC waits at
            // least 0.8 s (its first backoff, 1 s +- 20%) before it tries to connect again, and fails
            // calls at once meanwhile. The service is back well before that.
            assertThrows(IllegalStateException.class, () -> oracle.run(remote, mset));
            assertThrows(IllegalStateException.class, () -> oracle.run(remote, mset));
            assertTrue(remote.breakerOpen());
            service = AnalyticsService.start(served, "127.0.0.1", port, SMALL_LIMIT);

            MultivariateOracle.assertBitExact(mset.expected(), oracle.run(remote, mset), "the trial call");
            assertFalse(remote.breakerOpen(), "the trial call reached the service and closed the breaker");
            assertEquals(1, service.calls());
        } finally {
            service.close();
        }
    }

    private static double[][] shifted(double[][] training, int by) {
        double[][] copy = new double[training.length][];
        for (int r = 0; r < training.length; r++) {
            copy[r] = training[r].clone();
            copy[r][0] += by * 0.1;
        }
        return copy;
    }
}
