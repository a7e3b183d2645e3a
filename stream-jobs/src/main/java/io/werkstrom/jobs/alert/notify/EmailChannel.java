package io.werkstrom.jobs.alert.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.jobs.alert.AlertStore.Delivery;

/** The alert as a short plain-text e-mail, through {@link SmtpClient}; the JSON is attached inline. */
public final class EmailChannel implements Channel {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SmtpClient smtp;

    public EmailChannel(SmtpClient smtp) {
        this.smtp = smtp;
    }

    @Override
    public void send(Delivery delivery) throws DeliveryException {
        JsonNode alert;
        try {
            alert = JSON.readTree(delivery.payload());
        } catch (JsonProcessingException e) {
            throw new DeliveryException("alert payload of delivery " + delivery.id() + " is not JSON", true, e);
        }
        String subject = "[werkstrom " + alert.path("tenant").asText() + "] " + alert.path("severity").asText()
                + " " + alert.path("event").asText() + ": " + alert.path("rule_id").asText() + " on "
                + alert.path("gateway").asText() + (alert.path("machine").isTextual()
                ? "/" + alert.path("machine").asText() : "");
        String body = alert.path("message").asText() + "\n\n"
                + "state:   " + alert.path("state").asText() + "\n"
                + "opened:  " + alert.path("opened_at").asText() + "\n"
                + "alert:   " + alert.path("id").asText() + "\n\n"
                + delivery.payload() + "\n";
        smtp.send(delivery.target(), subject, body);
    }
}
