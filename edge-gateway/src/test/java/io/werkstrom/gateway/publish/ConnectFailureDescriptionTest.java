package io.werkstrom.gateway.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;

import javax.net.ssl.SSLHandshakeException;

import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.Test;

/** Why a connection attempt failed, in words an operator can act on. */
class ConnectFailureDescriptionTest {

    @Test
    void aBrokersRefusalNamesItsReasonAndCode() {
        assertEquals("the broker refused the connection: bad user name or password (reason code 134)",
                MqttPublisher.describeConnectFailure(new MqttException(0x86)));
        assertEquals("the broker refused the connection: not authorized (reason code 135)",
                MqttPublisher.describeConnectFailure(new MqttException(0x87)));
        assertEquals("the broker refused the connection: banned (reason code 138)",
                MqttPublisher.describeConnectFailure(new MqttException(0x8A)));
        assertEquals("the broker refused the connection: client identifier not valid (reason code 133)",
                MqttPublisher.describeConnectFailure(new MqttException(0x85)));
        assertEquals("the broker refused the connection: server unavailable (reason code 136)",
                MqttPublisher.describeConnectFailure(new MqttException(0x88)));
        assertEquals("the broker refused the connection: server busy (reason code 137)",
                MqttPublisher.describeConnectFailure(new MqttException(0x89)));
    }

    @Test
    void anotherClientFailureNamesItsCodeAndCause() {
        MqttException refused = new MqttException(MqttClientException.REASON_CODE_SERVER_CONNECT_ERROR,
                new ConnectException("Connection refused"));
        assertEquals("connection failed: " + refused.getMessage() + " (reason code 32103): "
                + "java.net.ConnectException: Connection refused", MqttPublisher.describeConnectFailure(refused));
        MqttException timeout = new MqttException(MqttClientException.REASON_CODE_CLIENT_TIMEOUT);
        assertEquals("connection failed: " + timeout.getMessage() + " (reason code 32000)",
                MqttPublisher.describeConnectFailure(timeout));
        assertEquals("connection failed: java.io.IOException: Broken pipe",
                MqttPublisher.describeConnectFailure(new IOException("Broken pipe")));
    }

    @Test
    void aTlsFailureAnywhereInTheCausesIsNamedWithWhatToCheck() {
        MqttException handshake = new MqttException(MqttClientException.REASON_CODE_SERVER_CONNECT_ERROR,
                new IOException("connect failed", new SSLHandshakeException("PKIX path building failed")));
        assertEquals("TLS handshake failed: PKIX path building failed (check the CA file against the broker's "
                + "certificate, and the client certificate)", MqttPublisher.describeConnectFailure(handshake));
    }

    /** Refusals that waiting does not cure make the gateway unhealthy; a broker busy or away does not. */
    @Test
    void onlyARefusalOfTheGatewayAsConfiguredCountsAsRefusingIt() {
        for (int code : new int[] {0x85, 0x86, 0x87, 0x8A, 0x8C}) {
            assertTrue(MqttPublisher.refusesTheGateway(new MqttException(code)), "reason code " + code);
        }
        for (int code : new int[] {0x80, 0x88, 0x89, 0x97, 0x9F}) {
            assertFalse(MqttPublisher.refusesTheGateway(new MqttException(code)), "reason code " + code);
        }
        assertFalse(MqttPublisher.refusesTheGateway(new MqttException(MqttClientException.REASON_CODE_SERVER_CONNECT_ERROR,
                new ConnectException("Connection refused"))));
        assertFalse(MqttPublisher.refusesTheGateway(new IOException("Broken pipe")));
    }
}
