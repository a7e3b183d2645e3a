package io.werkstrom.jobs.alert.ack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.werkstrom.jobs.alert.AlertStore;
import io.werkstrom.jobs.alert.AlertStore.AckOutcome;
import io.werkstrom.jobs.storage.StoreException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies acknowledgements from every front door (MQTT, HTTP) through one {@link AlertStore} and
 * turns the outcome into a status and a JSON answer. Thread-safe (serialised); owns the store.
 */
public final class Acknowledgements implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Acknowledgements.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The answer: an HTTP-like status code and a JSON body. */
    public record Answer(int status, String json) {
    }

    private final AlertStore store;

    public Acknowledgements(AlertStore store) {
        this.store = store;
    }

    public synchronized Answer acknowledge(AckRequest request, String via) {
        AckOutcome outcome;
        try {
            outcome = store.acknowledge(request.tenant(), request.alertId(), request.user(), via);
        } catch (StoreException e) {
            LOG.error("acknowledging alert {} of {} failed", request.alertId(), request.tenant(), e);
            return error(503, "the alert store is unavailable; try again");
        }
        return switch (outcome.status()) {
            case ACKNOWLEDGED -> ok("acknowledged", outcome.alert());
            case ALREADY_ACKNOWLEDGED -> ok("already acknowledged", outcome.alert());
            case RESOLVED -> error(409, "alert " + request.alertId() + " is resolved and cannot be acknowledged");
            case NOT_FOUND -> error(404, "tenant " + request.tenant() + " has no alert " + request.alertId());
        };
    }

    public static Answer error(int status, String message) {
        ObjectNode json = JSON.createObjectNode();
        json.put("ok", false);
        json.put("error", message);
        return new Answer(status, json.toString());
    }

    private static Answer ok(String result, String alert) {
        ObjectNode json = JSON.createObjectNode();
        json.put("ok", true);
        json.put("result", result);
        try {
            json.set("alert", JSON.readTree(alert));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the store wrote the alert JSON itself", e);
        }
        return new Answer(200, json.toString());
    }

    @Override
    public synchronized void close() throws StoreException {
        store.close();
    }
}
