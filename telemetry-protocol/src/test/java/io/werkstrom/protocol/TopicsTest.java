package io.werkstrom.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void telemetryTopicRoundTrips() {
        GatewayAddress address = new GatewayAddress("acme", "plant-1", "gw-7");
        String topic = Topics.telemetry(address);
        assertEquals("werkstrom/v1/acme/plant-1/gw-7/telemetry", topic);
        assertEquals(address, Topics.parseTelemetry(topic).orElseThrow());
        assertEquals("werkstrom/v1/acme/plant-1/gw-7/status", Topics.status(address));
        assertEquals(address, Topics.parseStatus(Topics.status(address)).orElseThrow());
    }

    @Test
    void eventsAndCommandTopicsAreTheGatewaysAndTheTenantFilterOnlyItsTenants() {
        GatewayAddress address = new GatewayAddress("acme", "plant-1", "gw-7");
        assertEquals("werkstrom/v1/acme/plant-1/gw-7/events", Topics.events(address));
        assertEquals(address, Topics.parseEvents(Topics.events(address)).orElseThrow());
        assertTrue(Topics.parseEvents(Topics.telemetry(address)).isEmpty());
        assertEquals("werkstrom/v1/acme/plant-1/gw-7/commands/#", Topics.commands(address));
        assertEquals("werkstrom/v1/acme/+/+/telemetry", Topics.tenantTelemetry("acme"));
    }

    @Test
    void foreignOrMalformedTopicsDoNotParse() {
        assertTrue(Topics.parseTelemetry("werkstrom/v1/acme/plant-1/gw-7/status").isEmpty());
        assertTrue(Topics.parseTelemetry("werkstrom/v2/acme/plant-1/gw-7/telemetry").isEmpty());
        assertTrue(Topics.parseTelemetry("werkstrom/v1/acme/plant-1/telemetry").isEmpty());
        assertTrue(Topics.parseTelemetry("werkstrom/v1/ACME/plant-1/gw-7/telemetry").isEmpty());
        assertTrue(Topics.parseTelemetry("werkstrom/v1/acme/+/gw-7/telemetry").isEmpty());
        assertTrue(Topics.parseTelemetry(null).isEmpty());
        // werkstrom/v1/{tenant}/alerts/ is the tenant's alerts, whose users may publish there.
        assertTrue(Topics.parseTelemetry("werkstrom/v1/acme/alerts/gw-7/telemetry").isEmpty());
        assertTrue(Topics.parseStatus("werkstrom/v1/acme/alerts/gw-7/status").isEmpty());
    }

    @Test
    void segmentsAreCheckedWithAMessageNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GatewayAddress("acme", "plant/1", "gw"));
        assertTrue(e.getMessage().startsWith("site"), e.getMessage());
        IllegalArgumentException reserved = assertThrows(IllegalArgumentException.class,
                () -> new GatewayAddress("acme", "alerts", "gw"));
        assertEquals("site 'alerts' is reserved: werkstrom/v1/acme/alerts/ carries the tenant's alerts.",
                reserved.getMessage());
        assertEquals("$share/cloud/werkstrom/v1/+/+/+/telemetry", Topics.shared("cloud", Topics.ALL_TELEMETRY));
    }

    @Test
    void anAddressReadsAsItsPathAndAMissingSegmentIsNamed() {
        assertEquals("acme/plant-1/gw-7", new GatewayAddress("acme", "plant-1", "gw-7").toString());
        NullPointerException e = assertThrows(NullPointerException.class, () -> new GatewayAddress("acme", null, "gw-7"));
        assertEquals("site must not be null.", e.getMessage());
    }
}
