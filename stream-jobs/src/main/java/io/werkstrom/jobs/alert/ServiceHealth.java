package io.werkstrom.jobs.alert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the alert service's {@code GET /health} reports: up while its MQTT client is connected (alert
 * states go out and MQTT acknowledgements come in over it) and its notifier's last round reached the
 * database; otherwise down, with the reason. A container's health check retries, which rides out a
 * reconnect.
 *
 * @param mqttConnected    whether the service's MQTT client is connected now
 * @param notifierFailure  why the notifier's last delivery round failed, or null when it succeeded
 */
public record ServiceHealth(boolean mqttConnected, String notifierFailure) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public boolean up() {
        return mqttConnected && notifierFailure == null;
    }

    /** 200 when up, 503 when down. */
    public int httpStatus() {
        return up() ? 200 : 503;
    }

    /** {@code {"status":"up"|"down","mqtt_connected":…,"reason":"…"}}. */
    public String json() {
        ObjectNode node = JSON.createObjectNode();
        node.put("status", up() ? "up" : "down");
        node.put("mqtt_connected", mqttConnected);
        node.put("reason", reason());
        return node.toString();
    }

    private String reason() {
        if (up()) {
            return "ok";
        }
        StringBuilder reason = new StringBuilder();
        if (!mqttConnected) {
            reason.append("the MQTT client is not connected (reconnecting)");
        }
        if (notifierFailure != null) {
            reason.append(reason.isEmpty() ? "" : "; ").append("the last notifier round failed: ").append(notifierFailure);
        }
        return reason.toString();
    }
}
