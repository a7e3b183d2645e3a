package io.werkstrom.jobs.alert.ack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AckUnitsTest {

    @Test
    void aGoodRequestIsRead() {
        UUID id = UUID.randomUUID();
        AckRequest request = AckRequest.parse("acme", id.toString(), bytes("{\"user\":\" alice \"}"));
        assertEquals(new AckRequest("acme", id, "alice"), request);
    }

    @Test
    void badRequestsSayWhatIsWrong() {
        String id = UUID.randomUUID().toString();
        assertMessage("is not a UUID", "acme", "42", "{\"user\":\"a\"}");
        assertMessage("must match", "ACME", id, "{\"user\":\"a\"}");
        assertMessage("not JSON", "acme", id, "{user");
        assertMessage("string 'user'", "acme", id, "{\"user\":7}");
        assertMessage("string 'user'", "acme", id, "[]");
        assertMessage("control characters", "acme", id, "{\"user\":\"a\\nb\"}");
        assertMessage("body must be", "acme", id, "");
    }

    @Test
    void aUserOfAtMost128CharactersInABodyOfAtMost4096BytesIsReadAndALongerOneIsRefused() {
        String id = UUID.randomUUID().toString();
        String user = "u".repeat(128);
        assertEquals(user, AckRequest.parse("acme", id, bytes("{\"user\":\"" + user + "\"}")).user());
        assertMessage("user must be 1 to 128 characters", "acme", id, "{\"user\":\"" + user + "u\"}");
        String padded = "{\"user\":\"alice\"}";
        padded = padded + " ".repeat(4096 - padded.length());
        assertEquals("alice", AckRequest.parse("acme", id, bytes(padded)).user());
        assertMessage("body exceeds 4096 bytes", "acme", id, padded + " ");
    }

    @Test
    void theBearerSchemeIsNamedInAnyCaseAndNoOtherSchemeGivesAToken() {
        assertEquals("s3cret", AckHttpServer.bearerToken("Bearer s3cret"));
        assertEquals("s3cret", AckHttpServer.bearerToken("bearer s3cret"));
        assertEquals("s3cret", AckHttpServer.bearerToken("BEARER   s3cret "));
        assertEquals("", AckHttpServer.bearerToken("Bearer "));
        assertEquals(null, AckHttpServer.bearerToken("Basic czNjcmV0"));
        assertEquals(null, AckHttpServer.bearerToken("Bearers3cret"));
        assertEquals(null, AckHttpServer.bearerToken("Bearer"));
        assertEquals(null, AckHttpServer.bearerToken(null));
    }

    @Test
    void anAnswerGoesToAResponseTopicOfTheTenantsAlertsThatIsNoneOfTheServicesOwn() {
        String id = UUID.randomUUID().toString();
        String topic = MqttAckListener.ackTopic("acme", id);
        String fallback = topic + "/result";
        assertEquals("werkstrom/v1/acme/alerts/replies/ui-7", replyTo(topic, "werkstrom/v1/acme/alerts/replies/ui-7"));
        assertEquals("werkstrom/v1/acme/alerts/" + id + "/ack/mine", replyTo(topic,
                "werkstrom/v1/acme/alerts/" + id + "/ack/mine"));
        assertEquals(fallback, replyTo(topic, null));
        // An alert's retained state, whose subscribers expect the alert, and the request topic itself.
        assertEquals(fallback, replyTo(topic, "werkstrom/v1/acme/alerts/" + id));
        assertEquals(fallback, replyTo(topic, "werkstrom/v1/acme/alerts/" + UUID.randomUUID() + "/ack"));
        assertEquals(fallback, replyTo(topic, "werkstrom/v1/globex/alerts/replies/ui-7"));
        assertEquals(fallback, replyTo(topic, "werkstrom/v1/acme/alerts/"));
    }

    private static String replyTo(String topic, String responseTopic) {
        org.eclipse.paho.mqttv5.common.MqttMessage message = new org.eclipse.paho.mqttv5.common.MqttMessage();
        org.eclipse.paho.mqttv5.common.packet.MqttProperties properties =
                new org.eclipse.paho.mqttv5.common.packet.MqttProperties();
        properties.setResponseTopic(responseTopic);
        message.setProperties(properties);
        return MqttAckListener.replyTopic(topic, topic.split("/", -1), message);
    }

    @Test
    void tokensAreCheckedPerTenant(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokens");
        Files.writeString(file, "# tenant=token\nacme=acme-token-0123456789\nglobex = globex-token-0123456789\n");
        TenantTokens tokens = TenantTokens.load(file);
        assertTrue(tokens.accepts("acme", "acme-token-0123456789"));
        assertFalse(tokens.accepts("acme", "globex-token-0123456789"));
        assertFalse(tokens.accepts("initech", "acme-token-0123456789"));
        assertFalse(tokens.accepts("acme", null));

        Files.writeString(file, "acme=short\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TenantTokens.load(file));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }

    @Test
    void aTokenFileLineThatIsNoTenantAndTokenOfAtLeast16CharactersOrASecondTokenIsRefusedNamingTheLine(
            @TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokens");
        Files.writeString(file, "acme=0123456789abcdef\n");
        assertTrue(TenantTokens.load(file).accepts("acme", "0123456789abcdef"), "16 characters are enough");
        assertTokenFileRefused(file, "acme=0123456789abcde\n", "line 1: the token of acme must have at least 16");
        assertTokenFileRefused(file, "# tokens\nacme 0123456789abcdef\n", "line 2 must look like tenant=token");
        assertTokenFileRefused(file, "=0123456789abcdef\n", "line 1 must look like tenant=token");
        assertTokenFileRefused(file, "acme=0123456789abcdef\nacme=fedcba9876543210\n",
                "line 2: tenant acme has a second token");
    }

    private static void assertTokenFileRefused(Path file, String text, String expected) throws Exception {
        Files.writeString(file, text);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TenantTokens.load(file));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void aTokenSharedByTwoTenantsIsRefusedNamingBothAndNotTheToken(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokens");
        Files.writeString(file, "acme=shared-token-0123456789\r\nglobex=shared-token-0123456789\r\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TenantTokens.load(file));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("globex")
                && e.getMessage().contains("tenant acme (line 1)"), e.getMessage());
        assertFalse(e.getMessage().contains("shared-token"), e.getMessage());
    }

    private static void assertMessage(String expected, String tenant, String id, String body) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AckRequest.parse(tenant, id, bytes(body)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
