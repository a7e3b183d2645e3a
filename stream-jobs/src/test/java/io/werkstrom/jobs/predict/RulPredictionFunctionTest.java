package io.werkstrom.jobs.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.jobs.storage.RulPrediction;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.WellKnownSensors;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class RulPredictionFunctionTest {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");
    private static final long TIME = 1_700_000_000_000_000L;

    /** Machines without a model (none can be read here) keep no keyed state once nothing of theirs waits. */
    @Test
    void machineNamesWithoutAModelDoNotGrowTheState() throws Exception {
        // Nothing listens there: the registry has no model for any machine.
        StoreOptions store = new StoreOptions("jdbc:postgresql://127.0.0.1:9/none", "nobody", "")
                .withConnectTimeout(Duration.ofSeconds(1));
        try (KeyedOneInputStreamOperatorTestHarness<String, MachineSamples, RulPrediction> harness =
                     new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new RulPredictionFunction(
                             store, RulPredictionOptions.defaults(), Duration.ofMinutes(1), KernelBackends.JAVA)),
                             MachineSamples::key, Types.STRING)) {
            harness.open();
            harness.setProcessingTime(0);
            for (int i = 0; i < 100; i++) {
                harness.processElement(new StreamRecord<>(samples("invented-" + i, "temperature", 20.0)));
            }
            assertEquals(0, harness.numKeyedStateEntries());

            // A failure waits its reorder delay in the machine's state, which then goes.
            harness.processElement(new StreamRecord<>(samples("press-1", WellKnownSensors.FAILURE, 1.0)));
            assertEquals(1, harness.numKeyedStateEntries());
            harness.setProcessingTime(Duration.ofMinutes(1).toMillis());
            assertEquals(0, harness.numKeyedStateEntries());
            assertEquals(0, harness.extractOutputValues().size(), "no cycles, no failure row");
        }
    }

    private static MachineSamples samples(String machine, String sensor, double value) {
        return new MachineSamples(GATEWAY, machine, new long[] {TIME}, new String[] {sensor}, new double[] {value},
                new byte[] {0}, TIME);
    }
}
