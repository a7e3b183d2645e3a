package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ServiceHealthTest {

    @Test
    void upOnlyWhileConnectedSubscribedAndReachingTheStore() {
        ServiceHealth up = new ServiceHealth(true, true, true);
        assertEquals(200, up.httpStatus());
        assertEquals("{\"status\":\"up\",\"mqtt_connected\":true,\"reason\":\"ok\"}", up.json());
        assertEquals(503, new ServiceHealth(true, true, false).httpStatus());
        assertEquals(503, new ServiceHealth(true, false, true).httpStatus());
        assertEquals(503, new ServiceHealth(false, true, true).httpStatus());
    }

    @Test
    void downNamesWhatIsWrong() {
        assertEquals("{\"status\":\"down\",\"mqtt_connected\":false,\"reason\":\"the MQTT client is not connected"
                + " (reconnecting)\"}", new ServiceHealth(false, false, true).json());
        assertEquals("{\"status\":\"down\",\"mqtt_connected\":true,\"reason\":\"the MQTT acknowledgement subscription"
                + " is not in place (subscribing again)\"}", new ServiceHealth(true, false, true).json());
        assertEquals("{\"status\":\"down\",\"mqtt_connected\":true,\"reason\":\"the notifier's last round could not"
                + " reach the database (see the service's log)\"}", new ServiceHealth(true, true, false).json());
        assertEquals("{\"status\":\"down\",\"mqtt_connected\":false,\"reason\":\"the MQTT client is not connected"
                + " (reconnecting); the notifier's last round could not reach the database (see the service's log)\"}",
                new ServiceHealth(false, true, false).json());
    }
}
