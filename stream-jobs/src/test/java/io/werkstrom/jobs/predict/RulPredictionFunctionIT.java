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

    /**
     * A run kept while the tenant's models could not be read goes once they can be, though its
     * machine sends nothing more: a name a gateway invented during the outage does not stay.
     */
    @Test
    void aRunKeptWhileTheModelsCouldNotBeReadGoesOnceTheyCanBe() throws Exception {
        Duration refresh = Duration.ofSeconds(1);
        server.stop();
        boolean down = true;
        try (var harness = harness(store.withConnectTimeout(Duration.ofSeconds(1)), refresh)) {
            harness.processElement(new StreamRecord<>(samples(GATEWAY, "invented-0", "temperature", 20.0)));
            assertEquals(1, harness.numKeyedStateEntries(), "kept while the models cannot be read");

            server.restart();
            down = false;
            Thread.sleep(refresh.toMillis() + 200); // the registry reads again after its refresh
            harness.setProcessingTime(refresh.multipliedBy(2).toMillis());
            assertEquals(0, harness.numKeyedStateEntries(), "gone once the models could be read");
        } finally {
            if (down) {
                server.restart();
            }
        }
    }
}
