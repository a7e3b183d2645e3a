package io.werkstrom.jobs.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;

import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.Test;

import io.werkstrom.testing.TcpFront;

class ReaderSessionsIT {

    @Test
    void aBrokerThatNeverAnswersFailsProvisioningWithTheTimeoutAndLeavesNoClientBehind() throws Exception {
        // A load balancer whose broker is down: it takes the connection and never sends the CONNACK.
        // Nothing is ever forwarded, so the port it would forward to need not be open.
        try (TcpFront front = TcpFront.forwardingTo(1)) {
            front.silent(true);
            MqttSourceOptions options = new MqttSourceOptions(front.uri(), null, null, "", "werkstrom/v1/+/+/+/telemetry",
                    "unanswered-sessions", AckMode.ON_CHECKPOINT, Duration.ofMinutes(10), 100, Duration.ofSeconds(1),
                    Duration.ofSeconds(30), null);

            MqttException failed = assertThrows(MqttException.class, () -> ReaderSessions.provision(options, 1));

            assertEquals(MqttClientException.REASON_CODE_CLIENT_TIMEOUT, failed.getReasonCode(),
                    "provisioning failed with why (no answer), not with what closing the client then said: " + failed);
            // Paho names its threads after the client: a client left connecting keeps its connection's threads.
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!pahoThreads(options.clientId(0)).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(List.of(), pahoThreads(options.clientId(0)));
        }
    }

    private static List<String> pahoThreads(String clientId) {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> name.startsWith("MQTT") && name.endsWith(clientId)).toList();
    }
}
