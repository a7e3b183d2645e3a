package io.werkstrom.jobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import io.werkstrom.jobs.alert.AlertPipeline;
import io.werkstrom.jobs.source.MqttSourceOptions;
import io.werkstrom.jobs.source.reader.MqttSourceReader;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.MosquittoBroker;
import io.werkstrom.testing.MqttClients;

/**
 * The sessions the job's launchers create before they submit it ({@link TelemetryJob#provisionReaderSessions})
 * queue what gateways publish while the job starts: telemetry, status and events.
 */
class TelemetryJobSessionsIT {

    private static final GatewayAddress GATEWAY = new GatewayAddress("acme", "plant-1", "gw-1");

    @Test
    void theSessionsOfEveryReaderQueueWhatGatewaysPublishBeforeTheJobRuns() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            TelemetryJobOptions options = TelemetryJobOptions.builder()
                    .mqttUri(broker.uri())
                    .store(new StoreOptions("jdbc:postgresql://127.0.0.1:9/none", "nobody", ""))
                    .parallelism(1)
                    .build();
            TelemetryJob.provisionReaderSessions(options);
            MqttClients.publish(broker.uri(), Topics.telemetry(GATEWAY), "telemetry");
            MqttClients.publish(broker.uri(), Topics.status(GATEWAY), "status");
            MqttClients.publish(broker.uri(), Topics.events(GATEWAY), "events");

            assertEquals(Topics.telemetry(GATEWAY) + " telemetry", queuedIn(options.mqtt()));
            assertEquals(Topics.status(GATEWAY) + " status",
                    queuedIn(AlertPipeline.signalSource(options.mqtt(), Topics.STATUS)));
            assertEquals(Topics.events(GATEWAY) + " events",
                    queuedIn(AlertPipeline.signalSource(options.mqtt(), Topics.EVENTS)));
        }
    }

    /** The first message the broker kept for the session of reader 0, or null after 10 s. */
    private static String queuedIn(MqttSourceOptions source) throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        MqttClient session = new MqttClient(source.serverUri(), source.clientId(0), new MemoryPersistence());
        try {
            session.setCallback(MqttClients.collectingInto(received));
            session.connect(MqttSourceReader.connectionOptions(source));
            return received.poll(10, TimeUnit.SECONDS);
        } finally {
            MqttClients.disconnectAndClose(session);
        }
    }
}
