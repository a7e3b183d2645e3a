package io.werkstrom.app.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.junit.jupiter.api.Test;

import io.werkstrom.jobs.job.LocalCluster;

/** The local MiniCluster's settings: network memory that grows with the parallelism, bounded restarts. */
class LocalJobsTest {

    /** Buffers one all-to-all exchange needs in one task manager: write and read side of each subtask. */
    private static long buffersOfOneExchange(int parallelism) {
        return (long) parallelism * ((parallelism + 1) + (2L * parallelism + 8));
    }

    @Test
    void smallJobsKeepFlinksLocalDefault() {
        assertEquals(MemorySize.ofMebiBytes(64), LocalJobs.networkMemory(1));
        assertEquals(MemorySize.ofMebiBytes(64), LocalJobs.networkMemory(4));
    }

    @Test
    void networkMemoryGrowsWithTheSquareOfTheParallelism() {
        // At 16 the 64 MiB default (2,048 buffers of 32 KiB) failed with "Insufficient number of network buffers".
        MemorySize at16 = LocalJobs.networkMemory(16);
        long buffers = at16.getBytes() / LocalJobs.BUFFER_SIZE.getBytes();
        assertTrue(buffers >= LocalJobs.SIZED_EXCHANGES * buffersOfOneExchange(16), at16.toString());
        assertTrue(at16.compareTo(MemorySize.ofMebiBytes(64)) > 0, at16.toString());
        assertTrue(at16.compareTo(MemorySize.ofMebiBytes(512)) < 0, "a fraction of the demo's 4 GiB heap: " + at16);
        for (int p = 2; p <= 16; p++) {
            assertTrue(LocalJobs.networkMemory(p).compareTo(LocalJobs.networkMemory(p - 1)) >= 0, "p=" + p);
        }
        assertThrows(IllegalArgumentException.class, () -> LocalJobs.networkMemory(0));
    }

    @Test
    void clusterConfigurationSetsNetworkMemoryAndBoundedRestarts() {
        Configuration configuration = LocalJobs.clusterConfiguration(16);
        assertEquals(LocalJobs.networkMemory(16), configuration.get(TaskManagerOptions.NETWORK_MEMORY_MIN));
        assertEquals(LocalJobs.networkMemory(16), configuration.get(TaskManagerOptions.NETWORK_MEMORY_MAX));
        assertEquals("failure-rate", configuration.get(RestartStrategyOptions.RESTART_STRATEGY));
        assertEquals(LocalJobs.MAX_FAILURES_PER_INTERVAL,
                configuration.get(RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL));
    }

    /** The demo's MiniCluster is a local one: loopback only, no jar uploads (LocalClusterIT starts one). */
    @Test
    void clusterConfigurationIsLoopbackOnlyWithoutJarUploads() {
        Configuration configuration = LocalJobs.clusterConfiguration(4);
        assertEquals(LocalCluster.LOOPBACK, configuration.get(RestOptions.BIND_ADDRESS));
        assertEquals(LocalCluster.LOOPBACK, configuration.get(JobManagerOptions.BIND_HOST));
        assertEquals(LocalCluster.LOOPBACK, configuration.get(TaskManagerOptions.BIND_HOST));
        assertEquals(false, configuration.get(WebOptions.SUBMIT_ENABLE));
    }

    @Test
    void rootMessageNamesTheInnermostCause() {
        Exception wrapped = new RuntimeException("job failed", new IllegalStateException("recovery suppressed",
                new IOException("Insufficient number of network buffers: required 17, but only 15 available")));
        assertEquals("IOException: Insufficient number of network buffers: required 17, but only 15 available",
                LocalJobs.rootMessage(wrapped));
    }

    /** A job client answering only status and result, as a MiniCluster's does. */
    private static JobClient job(CompletableFuture<JobStatus> status, CompletableFuture<JobExecutionResult> result) {
        return (JobClient) Proxy.newProxyInstance(JobClient.class.getClassLoader(), new Class<?>[] {JobClient.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getJobStatus" -> status;
                    case "getJobExecutionResult" -> result;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aRunningJobPasses() throws Exception {
        LocalJobs.failIfStopped(job(CompletableFuture.completedFuture(JobStatus.RUNNING), new CompletableFuture<>()));
        LocalJobs.failIfStopped(job(CompletableFuture.completedFuture(JobStatus.RESTARTING), new CompletableFuture<>()));
    }

    @Test
    void aJobThatFailedForGoodFailsWithItsOwnErrorEvenAfterItsClusterShutDown() {
        // Once the job has failed its MiniCluster shuts down: the status request fails, the result tells why.
        JobClient failed = job(CompletableFuture.failedFuture(new IllegalStateException(
                        "MiniCluster is not yet running or has already been shut down.")),
                CompletableFuture.failedFuture(new RuntimeException("Job execution failed.", new RuntimeException(
                        "Recovery is suppressed by FailureRateRestartBackoffTimeStrategy",
                        new IOException("Insufficient number of network buffers: required 17, but only 15 available")))));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LocalJobs.failIfStopped(failed));
        assertTrue(e.getMessage().endsWith("IOException: Insufficient number of network buffers: required 17, but only"
                + " 15 available"), e.getMessage());
    }

    /**
     * A stop signal interrupted the thread that cancels the job: the cancel still waits for the job's
     * end (what the job uses stops next), and the interrupt is kept.
     */
    @Test
    void cancellingOnAnInterruptedThreadWaitsForTheJobsEnd() throws Exception {
        CompletableFuture<JobExecutionResult> result = new CompletableFuture<>();
        CompletableFuture<Void> cancelled = new CompletableFuture<>();
        JobClient running = (JobClient) Proxy.newProxyInstance(JobClient.class.getClassLoader(),
                new Class<?>[] {JobClient.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "cancel" -> {
                        // the job ends a moment after its cancel is acknowledged
                        CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS)
                                .execute(() -> result.completeExceptionally(new IllegalStateException("cancelled")));
                        cancelled.complete(null);
                        yield cancelled;
                    }
                    case "getJobExecutionResult" -> result;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        Thread.currentThread().interrupt();
        try {
            LocalJobs.cancelQuietly(running);
            assertTrue(result.isDone(), "returned before the job ended");
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept");
        } finally {
            Thread.interrupted();
        }
    }
}
