package io.werkstrom.jobs.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.jobs.storage.RulPrediction;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class RulPredictionFunctionTest {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");
    private static final long TIME = 1_700_000_000_000_000L;
    private static long nextSequence;

    /**
     * Until the tenant's models could be read, a machine's run is kept: it may have a model that the
     * unreachable database hides.
     */
    @Test
    void whileTheModelsCannotBeReadAMachinesRunIsKept() throws Exception {
        // Nothing listens there: the tenant's models are never read.
        StoreOptions store = new StoreOptions("jdbc:postgresql://127.0.0.1:9/none", "nobody", "")
                .withConnectTimeout(Duration.ofSeconds(1));
        try (var harness = harness(store)) {
            harness.processElement(new StreamRecord<>(samples(GATEWAY, "press-1", "temperature", 20.0)));
            assertEquals(2, harness.numKeyedStateEntries(), "its run and its batch sequences");
        }
    }

    /** The operator with a model refresh of a minute, opened at processing time 0. */
    static KeyedOneInputStreamOperatorTestHarness<String, MachineSamples, RulPrediction> harness(StoreOptions store)
            throws Exception {
        return harness(store, Duration.ofMinutes(1));
    }

    /** The operator with the given model refresh, opened at processing time 0. */
    static KeyedOneInputStreamOperatorTestHarness<String, MachineSamples, RulPrediction> harness(StoreOptions store,
            Duration modelRefresh) throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new RulPredictionFunction(
                store, RulPredictionOptions.defaults(), modelRefresh, KernelBackends.JAVA)),
                MachineSamples::key, Types.STRING);
        harness.open();
        harness.setProcessingTime(0);
        return harness;
    }

    /** One sample of a batch of its own (a sequence not used before). */
    static MachineSamples samples(GatewayAddress gateway, String machine, String sensor, double value) {
        return new MachineSamples(gateway, machine, new long[] {TIME}, new String[] {sensor}, new double[] {value},
                new byte[] {0}, TIME, nextSequence++);
    }
}
