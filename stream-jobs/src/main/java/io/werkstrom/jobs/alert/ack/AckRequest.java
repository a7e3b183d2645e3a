package io.werkstrom.jobs.alert.ack;

import java.io.IOException;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.protocol.GatewayAddress;

/**
 * An acknowledgement as it arrives, checked: the tenant and alert id from the topic or path, the
 * user from the JSON body {@code {"user": "..."}}. Immutable.
 */
public record AckRequest(String tenant, UUID alertId, String user) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_BYTES = 4096;
    private static final int MAX_USER_LENGTH = 128;

    /** @throws IllegalArgumentException with a message fit for the sender */
    public static AckRequest parse(String tenant, String alertId, byte[] body) {
        try {
            GatewayAddress.requireSegment("tenant", tenant);
        } catch (NullPointerException e) {
            throw new IllegalArgumentException("tenant is missing", e);
        }
        UUID id;
        try {
            id = UUID.fromString(alertId);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("alert id '" + alertId + "' is not a UUID", e);
        }
        if (body == null || body.length == 0) {
            throw new IllegalArgumentException("body must be a JSON object like {\"user\":\"alice\"}");
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new IllegalArgumentException("body exceeds " + MAX_BODY_BYTES + " bytes");
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("body is not JSON; expected {\"user\":\"alice\"}", e);
        }
        if (json == null || !json.isObject() || !json.path("user").isTextual()) {
            throw new IllegalArgumentException("body must be a JSON object with a string 'user'");
        }
        String user = json.path("user").asText().strip();
        if (user.isEmpty() || user.length() > MAX_USER_LENGTH || user.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("user must be 1 to " + MAX_USER_LENGTH
                    + " characters without control characters");
        }
        return new AckRequest(tenant, id, user);
    }
}
