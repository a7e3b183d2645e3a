package io.werkstrom.jobs.predict;

import static io.werkstrom.jobs.predict.RulPredictionFunctionTest.harness;
import static io.werkstrom.jobs.predict.RulPredictionFunctionTest.samples;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.WellKnownSensors;
import io.werkstrom.testing.PostgresServer;

/** The RUL operator against a database whose tenant has no RUL model. */
class RulPredictionFunctionIT {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");

    private static PostgresServer server;
    private static StoreOptions store;

    @BeforeAll
    static void start() throws Exception {
        server = PostgresServer.start();
        store = server.storeOptions();
        SchemaMigrator.migrate(store);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Machines without a model keep no keyed state once nothing of theirs waits. */
    @Test
    void machineNamesWithoutAModelDoNotGrowTheState() throws Exception {
        try (var harness = harness(store)) {
            for (int i = 0; i < 100; i++) {
                harness.processElement(new StreamRecord<>(samples(GATEWAY, "invented-" + i, "temperature", 20.0)));
            }
            assertEquals(0, harness.numKeyedStateEntries());

            // A failure waits its reorder delay in the machine's state, which then goes.
            harness.processElement(new StreamRecord<>(samples(GATEWAY, "press-1", WellKnownSensors.FAILURE, 1.0)));
            assertEquals(1, harness.numKeyedStateEntries());
            harness.setProcessingTime(Duration.ofMinutes(1).toMillis());
            assertEquals(0, harness.numKeyedStateEntries());
            assertEquals(0, harness.extractOutputValues().size(), "no cycles, no failure row");
        }
    }
}
