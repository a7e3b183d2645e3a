package io.werkstrom.jobs.alert.ack;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Topics;
import io.werkstrom.protocol.mqtt.PahoSyncClient;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acknowledgements over MQTT: a message {@code {"user":"alice"}} on
 * {@code werkstrom/v1/{tenant}/alerts/{alert-id}/ack}. The tenant is taken from the topic, so a
 * broker ACL that confines a tenant's users to {@code werkstrom/v1/{tenant}/alerts/#} confines
 * their acknowledgements too. The answer (the JSON of {@link Acknowledgements}, with {@code ok}
 * false and an {@code error} for a bad command) goes to the request's MQTT 5 response topic, else
 * to {@code .../ack/result}. Messages are handled off Paho's callback thread, one at a time.
 *
 * <p>Uses but does not own the client, which must be connected; owns its worker thread.
 */
public final class MqttAckListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MqttAckListener.class);

    private static final long RESUBSCRIBE_DELAY_MS = 2_000;

    /** Every tenant's acknowledgement topic. */
    public static final String FILTER = Topics.ROOT + "/" + Topics.VERSION + "/+/alerts/+/ack";

    private final PahoSyncClient client;
    private final String subscription;
    private final Acknowledgements acknowledgements;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "alert-ack-mqtt");
        thread.setDaemon(true);
        return thread;
    });

    /** Whether the subscription is in place on the current connection (false after a failed subscribe). */
    private volatile boolean subscribed;

    /** Not yet the client's callback, nor subscribed: see {@link #start}. */
    MqttAckListener(PahoSyncClient client, String subscription, Acknowledgements acknowledgements) {
        this.client = client;
        this.subscription = subscription;
        this.acknowledgements = acknowledgements;
    }

    /** The topic a tenant's user publishes an acknowledgement of alert {@code alertId} to. */
    public static String ackTopic(String tenant, String alertId) {
        return Topics.ROOT + "/" + Topics.VERSION + "/" + tenant + "/alerts/" + alertId + "/ack";
    }

    /**
     * Subscribes {@code client} (already connected) to {@code $share/{group}/}{@value #FILTER}, so
     * that several alert services split the commands.
     */
    public static MqttAckListener start(PahoSyncClient client, String sharedGroup, Acknowledgements acknowledgements)
            throws MqttException {
        MqttAckListener listener = new MqttAckListener(client, Topics.shared(sharedGroup, FILTER), acknowledgements);
        client.setCallback(listener.callback());
        listener.subscribe();
        return listener;
    }

    private void subscribe() throws MqttException {
        subscribed = false;
        IMqttToken token = client.subscribe(new MqttSubscription[] {new MqttSubscription(subscription, 1)});
        int granted = token.getReasonCodes() == null || token.getReasonCodes().length == 0 ? 0 : token.getReasonCodes()[0];
        if (granted >= 0x80) {
            throw new MqttException(granted);
        }
        subscribed = true;
    }

    /** Whether acknowledgements over MQTT are heard now: subscribed on the current connection. */
    public boolean isSubscribed() {
        return subscribed && client.isConnected();
    }

    /**
     * After a reconnect: subscribes again, and while that fails on a connected client, tries again every
     * {@value #RESUBSCRIBE_DELAY_MS} ms (a lost connection ends the loop; the next connection starts it anew).
     */
    private void resubscribe() {
        while (!worker.isShutdown()) {
            try {
                subscribe();
                return;
            } catch (MqttException e) {
                LOG.error("could not subscribe again to {} after reconnecting; MQTT acknowledgements go unheard until"
                        + " it works (trying again in {} ms)", subscription, RESUBSCRIBE_DELAY_MS, e);
                if (!client.isConnected()) {
                    return;
                }
            }
            try {
                TimeUnit.MILLISECONDS.sleep(RESUBSCRIBE_DELAY_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void handle(String topic, MqttMessage message) {
        String[] parts = topic.split("/", -1);
        String replyTopic = replyTopic(topic, parts, message);
        Acknowledgements.Answer answer;
        if (parts.length != 6 || !GatewayAddress.SEGMENT.matcher(parts[2]).matches()) {
            answer = Acknowledgements.error(400, "topic must be werkstrom/v1/{tenant}/alerts/{alert-id}/ack");
        } else {
            try {
                answer = acknowledgements.acknowledge(AckRequest.parse(parts[2], parts[4], message.getPayload()), "mqtt");
            } catch (IllegalArgumentException e) {
                answer = Acknowledgements.error(400, e.getMessage());
            }
        }
        if (answer.status() != 200) {
            LOG.info("refused acknowledgement on {}: {}", topic, answer.json());
        }
        try {
            MqttMessage reply = new MqttMessage(answer.json().getBytes(StandardCharsets.UTF_8));
            reply.setQos(1);
            if (message.getProperties() != null && message.getProperties().getCorrelationData() != null) {
                MqttProperties properties = new MqttProperties();
                properties.setCorrelationData(message.getProperties().getCorrelationData());
                reply.setProperties(properties);
            }
            int code = client.publishForReasonCode(replyTopic, reply);
            if (code >= 0x80) {
                LOG.warn("could not answer the acknowledgement on {}: the broker refused the answer at {}, reason code 0x{}",
                        topic, replyTopic, Integer.toHexString(code).toUpperCase(Locale.ROOT));
            }
        } catch (MqttException | IllegalArgumentException e) {
            LOG.warn("could not answer the acknowledgement on {} at {}", topic, replyTopic, e);
        }
    }

    /**
     * Where the answer goes: the request's response topic when it lies under the requesting tenant's
     * own {@code werkstrom/v1/{tenant}/alerts/} and is none of the service's own topics there (an
     * alert's state {@code alerts/{id}}, whose subscribers expect the alert, or a request topic
     * {@code alerts/{id}/ack}), else {@code <topic>/result}. The service publishes with the cloud's
     * identity, which may write to every tenant's topics, so a response topic elsewhere (another
     * tenant's alerts or a gateway's commands) would let a tenant's user make it publish there.
     */
    static String replyTopic(String topic, String[] parts, MqttMessage message) {
        String fallback = topic + "/result";
        String requested = message.getProperties() == null ? null : message.getProperties().getResponseTopic();
        if (requested == null) {
            return fallback;
        }
        String allowed = parts.length == 6 && GatewayAddress.SEGMENT.matcher(parts[2]).matches()
                ? "werkstrom/v1/" + parts[2] + "/alerts/" : null;
        if (allowed != null && requested.startsWith(allowed) && requested.length() > allowed.length()
                && requested.indexOf('+') < 0 && requested.indexOf('#') < 0) {
            String[] levels = requested.substring(allowed.length()).split("/", -1);
            boolean serviceTopic = levels.length == 1 || levels.length == 2 && levels[1].equals("ack");
            if (!serviceTopic) {
                return requested;
            }
        }
        LOG.info("acknowledgement on {} names the response topic '{}', outside {}; answering on {}", topic,
                requested, allowed == null ? "the tenant's alerts topics" : allowed + "#", fallback);
        return fallback;
    }

    /** What the client is to call; {@link #start} sets it. */
    MqttCallback callback() {
        return new MqttCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage message) {
                hand(() -> {
                    try {
                        handle(topic, message);
                    } catch (RuntimeException e) {
                        LOG.error("acknowledgement on {} failed", topic, e);
                    }
                }, "acknowledgement on " + topic);
            }

            @Override
            public void disconnected(MqttDisconnectResponse response) {
                subscribed = false;
                LOG.warn("alert acknowledgement listener disconnected: {}", response);
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
                LOG.warn("alert acknowledgement listener MQTT error", exception);
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverUri) {
                // The listener starts on a connected client, so every connection it sees is a reconnect (its
                // owner reconnects, not Paho, which is why the flag says otherwise). A clean-start reconnect has
                // no subscriptions: subscribe again, off the callback thread.
                hand(MqttAckListener.this::resubscribe, "subscription after reconnecting");
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        };
    }

    /**
     * Hands {@code task} to the worker. After {@link #close} the client may still call back (a
     * message that arrived meanwhile, a reconnect of its owner): that is ignored, logged at debug,
     * since an exception would reach Paho's callback thread. Its sender gets no answer.
     */
    private void hand(Runnable task, String what) {
        try {
            worker.execute(task);
        } catch (RejectedExecutionException closed) {
            LOG.debug("alert acknowledgement listener is closed; {} ignored", what);
        }
    }

    @Override
    public void close() {
        worker.shutdown();
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
