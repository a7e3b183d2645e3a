package io.werkstrom.app.chaos;

import io.werkstrom.jobs.decode.BatchDecoder;
import io.werkstrom.jobs.storage.DeadLetter;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.TelemetryStore;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.Topics;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cloud's ingest path without Flink, for the security drill: subscribes as the cloud user to
 * every gateway's telemetry, decodes each message with the job's {@link BatchDecoder} (identity
 * from the topic) and stores batches and dead letters through the job's {@link TelemetryStore}.
 * Counts outcomes per topic and every exception that escapes (a crash).
 *
 * <p>Paho's callback thread decodes; one writer thread of its own stores. {@link #close()} stops
 * both; the store and the decoder stay the caller's.
 */
final class CloudIngest implements AutoCloseable {

    /** What became of the messages of one topic. */
    static final class TopicCounts {
        final AtomicLong accepted = new AtomicLong();
        final AtomicLong acceptedRows = new AtomicLong();
        final AtomicLong deadLettered = new AtomicLong();
        final Map<String, AtomicLong> reasons = new ConcurrentHashMap<>();
    }

    private final MqttAsyncClient client;
    private final BatchDecoder decoder;
    private final TelemetryStore store;
    private final BlockingQueue<Object> pending = new LinkedBlockingQueue<>();
    private final Map<String, TopicCounts> counts = new ConcurrentHashMap<>();
    private final AtomicLong crashes = new AtomicLong();
    private final AtomicLong stored = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final Thread writer;
    private volatile boolean running = true;

    CloudIngest(String brokerUri, String user, byte[] password, BatchDecoder decoder, TelemetryStore store)
            throws MqttException {
        this.decoder = decoder;
        this.store = store;
        this.client = new MqttAsyncClient(brokerUri, "werkstrom-cloud-chaos", new MemoryPersistence());
        client.setCallback(new Callback());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(user);
        options.setPassword(password);
        // No reconnecting: the drill restarts no broker, so a dropped connection is a finding. It is
        // reported, and what it loses shows in the counts.
        options.setAutomaticReconnect(false);
        options.setReceiveMaximum(1_000);
        client.connect(options).waitForCompletion(10_000);
        IMqttToken subscribed = client.subscribe(new MqttSubscription(Topics.ALL_TELEMETRY, 1));
        subscribed.waitForCompletion(10_000);
        if (subscribed.getReasonCodes()[0] > 2) {
            throw new IllegalStateException("the cloud user may not subscribe to " + Topics.ALL_TELEMETRY
                    + ": reason code " + subscribed.getReasonCodes()[0]);
        }
        writer = new Thread(this::writeLoop, "chaos-cloud-writer");
        writer.setDaemon(true);
        writer.start();
    }

    TopicCounts counts(String topic) {
        return counts.computeIfAbsent(topic, t -> new TopicCounts());
    }

    long crashes() {
        return crashes.get();
    }

    /** Messages decoded so far. */
    long received() {
        return received.get();
    }

    /** Waits until every message received so far is stored, or the timeout passes. */
    boolean awaitStored(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            if (pending.isEmpty() && stored.get() == received.get()) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    private void writeLoop() {
        List<Object> drained = new ArrayList<>();
        while (running || !pending.isEmpty()) {
            try {
                Object first = pending.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                drained.add(first);
                pending.drainTo(drained, 499);
                List<ReceivedBatch> batches = new ArrayList<>();
                List<DeadLetter> letters = new ArrayList<>();
                for (Object item : drained) {
                    if (item instanceof ReceivedBatch batch) {
                        batches.add(batch);
                    } else {
                        letters.add((DeadLetter) item);
                    }
                }
                if (!batches.isEmpty()) {
                    store.writeBatches(batches);
                }
                if (!letters.isEmpty()) {
                    store.writeDeadLetters(letters);
                }
                stored.addAndGet(drained.size());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (StoreException | RuntimeException e) {
                crashes.incrementAndGet();
                System.err.println("chaos: the cloud's store failed: " + e);
                stored.addAndGet(drained.size());
            } finally {
                drained.clear();
            }
        }
    }

    private final class Callback implements MqttCallback {
        @Override
        public void messageArrived(String topic, MqttMessage message) {
            try {
                long now = BatchValidator.micros(Instant.now());
                BatchDecoder.Outcome outcome = decoder.decode(topic, message.getPayload(), now);
                TopicCounts topicCounts = counts(topic);
                if (outcome instanceof BatchDecoder.Accepted accepted) {
                    topicCounts.accepted.incrementAndGet();
                    topicCounts.acceptedRows.addAndGet(accepted.batch().batch().size());
                    pending.add(accepted.batch());
                } else {
                    DeadLetter letter = ((BatchDecoder.Rejected) outcome).deadLetter();
                    topicCounts.deadLettered.incrementAndGet();
                    String reason = letter.reason().isBlank() ? "(no reason)" : letter.reason();
                    topicCounts.reasons.computeIfAbsent(shortReason(reason), r -> new AtomicLong()).incrementAndGet();
                    pending.add(letter);
                }
            } catch (RuntimeException e) {
                crashes.incrementAndGet();
                System.err.println("chaos: decoding a message on " + topic + " threw " + e);
                stored.incrementAndGet();
            } finally {
                received.incrementAndGet();
            }
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            System.err.println("chaos: the cloud's connection dropped (not reconnected; what is sent from now on is"
                    + " lost to the drill): " + response.getReasonString());
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            System.err.println("chaos: the cloud's MQTT client reports " + exception);
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }

    /** A reason without its numbers, so that similar reasons group together in the summary. */
    static String shortReason(String reason) {
        String cut = reason.length() > 90 ? reason.substring(0, 90) : reason;
        return new String(cut.replaceAll("[0-9]+", "N").getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
            client.close(true);
        } catch (MqttException e) {
            System.err.println("chaos: closing the cloud's MQTT client: " + e);
        }
        writer.join(30_000);
    }
}
