package io.werkstrom.jobs.alert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the alert service's {@code GET /health} reports: up while its MQTT client is connected (alert
 * states go out and MQTT acknowledgements come in over it), its acknowledgement subscription is in
 * place, and its notifier's last round reached the database; otherwise down, with the reason. The
 * endpoint needs no token, so the reason names what is wrong, never a detail of it (database errors
 * name tables and users): those go to the service's log. A container's health check retries, which
 * rides out a reconnect.
 *
 * @param mqttConnected        whether the service's MQTT client is connected now
 * @param acknowledgementsHeard whether the MQTT acknowledgement subscription is in place
 * @param notifierReachesStore whether the notifier's last delivery round reached the database
 */
public record ServiceHealth(boolean mqttConnected, boolean acknowledgementsHeard, boolean notifierReachesStore) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public boolean up() {
        return mqttConnected && acknowledgementsHeard && notifierReachesStore;
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
        } else if (!acknowledgementsHeard) {
            reason.append("the MQTT acknowledgement subscription is not in place (subscribing again)");
        }
        if (!notifierReachesStore) {
            reason.append(reason.isEmpty() ? "" : "; ")
                    .append("the notifier's last round could not reach the database (see the service's log)");
        }
        return reason.toString();
    }
}
