package io.werkstrom.jobs.source;

import io.werkstrom.jobs.source.reader.MqttSourceReader;

import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttSubscription;

/**
 * Creates the persistent MQTT sessions of a job's readers before the job first runs, each with
 * the job's shared subscription. From then on the broker queues telemetry for the readers, so
 * nothing that gateways publish while the job is still starting is lost. Later starts of the job
 * resume these sessions ({@code cleanStart=false}). Creating a session that exists already changes
 * nothing. Not for use while the readers run: it would take their sessions over.
 */
public final class ReaderSessions {

    private static final long TIMEOUT_MS = 15_000;

    private ReaderSessions() {
    }

    /** Creates (or keeps) the sessions of readers {@code 0 .. readers-1}, each subscribed to the shared subscription. */
    public static void provision(MqttSourceOptions options, int readers) throws MqttException {
        for (int i = 0; i < readers; i++) {
            MqttAsyncClient client = new MqttAsyncClient(options.serverUri(), options.clientId(i), new MemoryPersistence());
            try {
                // The readers' own options: with a private CA or mutual TLS, anything else fails the handshake.
                MqttConnectionOptions connection = MqttSourceReader.connectionOptions(options);
                client.connect(connection).waitForCompletion(TIMEOUT_MS);
                client.subscribe(new MqttSubscription(options.sharedSubscription(), 1)).waitForCompletion(TIMEOUT_MS);
                client.disconnect().waitForCompletion(TIMEOUT_MS);
            } finally {
                client.close(true);
            }
        }
    }
}
