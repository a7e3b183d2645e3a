package io.werkstrom.jobs.source;

import io.werkstrom.jobs.source.reader.MqttSourceReader;
import io.werkstrom.protocol.mqtt.PahoConnection;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the persistent MQTT sessions of a job's readers before the job first runs, each with
 * the job's shared subscription. From then on the broker queues telemetry for the readers, so
 * nothing that gateways publish while the job is still starting is lost. Later starts of the job
 * resume these sessions ({@code cleanStart=false}). Creating a session that exists already changes
 * nothing. Not for use while the readers run: it would take their sessions over.
 *
 * <p>The sessions beyond the readers, which a run with more readers left (numbered on from the
 * readers' up to the first one the broker does not have), leave the shared subscription, so that
 * the broker no longer gives them a share of the messages that no reader of a job started afresh
 * would read. A job restored with fewer readers reads them again (its readers subscribe as they
 * connect); what the broker queued in them before is read only by such a job.
 *
 * <p>Each step waits up to twice the connection timeout for the broker's answer, as a reader's first
 * connection does; a step without one fails with Paho's timeout, and its client is ended and closed.
 */
public final class ReaderSessions {

    private static final Logger LOG = LoggerFactory.getLogger(ReaderSessions.class);
    /** DISCONNECT reason code: normal disconnection. */
    private static final int NORMAL_DISCONNECTION = 0;
    private static final long DISCONNECT_QUIESCE_MS = 1_000;

    private ReaderSessions() {
    }

    /**
     * Creates (or keeps) the sessions of readers {@code 0 .. readers-1}, each subscribed to the
     * shared subscription, and takes the sessions beyond them out of it.
     */
    public static void provision(MqttSourceOptions options, int readers) throws MqttException {
        long timeoutMs = timeoutMs(options);
        for (int i = 0; i < readers; i++) {
            MqttAsyncClient client = new MqttAsyncClient(options.serverUri(), options.clientId(i), new MemoryPersistence());
            try {
                // The readers' own options: with a private CA or mutual TLS, anything else fails the handshake.
                MqttConnectionOptions connection = MqttSourceReader.connectionOptions(options);
                client.connect(connection).waitForCompletion(timeoutMs);
                client.subscribe(new MqttSubscription(options.sharedSubscription(), 1)).waitForCompletion(timeoutMs);
                client.disconnect().waitForCompletion(timeoutMs);
            } finally {
                release(client);
            }
        }
        for (int i = readers; unsubscribe(options, i); i++) {
            LOG.info("MQTT session {} of no reader left {}", options.clientId(i), options.sharedSubscription());
        }
    }

    /**
     * Takes session {@code number} out of the shared subscription if the broker has it; returns
     * whether it had. A session the connection made afresh is ended with it.
     */
    private static boolean unsubscribe(MqttSourceOptions options, int number) throws MqttException {
        long timeoutMs = timeoutMs(options);
        MqttAsyncClient client = new MqttAsyncClient(options.serverUri(), options.clientId(number),
                new MemoryPersistence());
        try {
            IMqttToken connected = client.connect(MqttSourceReader.connectionOptions(options));
            connected.waitForCompletion(timeoutMs);
            boolean present = connected.getSessionPresent();
            MqttProperties disconnect = new MqttProperties();
            if (present) {
                client.unsubscribe(options.sharedSubscription()).waitForCompletion(timeoutMs);
            } else {
                disconnect.setSessionExpiryInterval(0L);
            }
            client.disconnect(timeoutMs, null, null, NORMAL_DISCONNECTION, disconnect).waitForCompletion(timeoutMs);
            return present;
        } finally {
            release(client);
        }
    }

    /** How long one step may wait for the broker: twice the connection timeout, as a reader's first connection. */
    private static long timeoutMs(MqttSourceOptions options) {
        return options.connectionTimeout().multipliedBy(2).toMillis();
    }

    /**
     * Ends the client's connection, whatever state it is in, and closes the client. Paho refuses to
     * close a client that is still connecting (a broker that never answered) or connected (one that
     * never answered the subscription): its connection and threads would stay, and the refusal
     * would replace why the step failed. A close that fails anyway is logged, not thrown, for that reason.
     */
    private static void release(MqttAsyncClient client) {
        PahoConnection.of(client).end(DISCONNECT_QUIESCE_MS);
        try {
            client.close(true);
        } catch (MqttException e) {
            LOG.warn("MQTT session {} did not close cleanly", client.getClientId(), e);
        }
    }
}
