package io.werkstrom.gateway.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.testing.CapturedLog;

/**
 * A broker outage is one warning when it starts, a reminder at most every few minutes, and a note
 * in the INFO line of the next connection; the attempts in between are DEBUG lines.
 */
class OutageLogTest {

    private static final String URI = "tcp://broker:1883";

    @Test
    void failedAttemptsWarnOnceThenAtMostEveryReminder() {
        AtomicLong clock = new AtomicLong();
        String name = "io.werkstrom.gateway.publish.OutageLogTest.attempts";
        try (CapturedLog log = CapturedLog.of(name, Level.INFO)) {
            OutageLog outage = new OutageLog(LoggerFactory.getLogger(name), "acme/p1/gw", URI, Duration.ofMinutes(5),
                    clock::get);
            IOException refused = new IOException("Connection refused");
            // 30 attempts, 9 s apart: 261 s, within the first reminder.
            for (int i = 0; i < 30; i++) {
                outage.attemptFailed("Connection refused", 1_000, refused);
                clock.addAndGet(TimeUnit.SECONDS.toNanos(9));
            }
            assertEquals(1, log.warnings().size(), log.lines().toString());
            assertTrue(log.warnings().get(0).contains("Connecting acme/p1/gw to " + URI + " failed: Connection refused"),
                    log.lines().toString());
            // Past five minutes: one reminder with the count and the last cause, then quiet again.
            for (int i = 0; i < 10; i++) {
                outage.attemptFailed(i < 9 ? "Connection refused" : "Connection reset", 30_000, refused);
                clock.addAndGet(TimeUnit.SECONDS.toNanos(9));
            }
            assertEquals(2, log.warnings().size(), log.lines().toString());
            assertEquals("WARN acme/p1/gw is still not connected to " + URI + " after 35 failed attempts in 306 s;"
                    + " the last one: Connection refused", log.warnings().get(1));
            assertEquals(", after 40 failed attempts in 360 s", outage.connected());
            assertEquals("", outage.connected(), "the outage ended with the connection");
        }
    }

    @Test
    void aReminderComesOnceTheReminderHasPassedAndTimesCountFromTheOutagesStart() {
        AtomicLong clock = new AtomicLong(TimeUnit.HOURS.toNanos(7)); // the clock's origin is arbitrary
        String name = "io.werkstrom.gateway.publish.OutageLogTest.reminder";
        try (CapturedLog log = CapturedLog.of(name, Level.INFO)) {
            OutageLog outage = new OutageLog(LoggerFactory.getLogger(name), "acme/p1/gw", URI, Duration.ofMinutes(5),
                    clock::get);
            outage.attemptFailed("Connection refused", 1_000, new IOException("Connection refused"));
            clock.addAndGet(TimeUnit.MINUTES.toNanos(5));
            outage.attemptFailed("Connection refused", 1_000, new IOException("Connection refused"));
            assertEquals(2, log.warnings().size(), log.lines().toString());
            assertEquals("WARN acme/p1/gw is still not connected to " + URI + " after 2 failed attempts in 300 s;"
                    + " the last one: Connection refused", log.warnings().get(1));
            clock.addAndGet(TimeUnit.SECONDS.toNanos(60));
            assertEquals(", after 2 failed attempts in 360 s", outage.connected());
        }
    }

    @Test
    void aConnectionRightAfterALostOneAddsNothingToItsLine() {
        String name = "io.werkstrom.gateway.publish.OutageLogTest.reconnected";
        try (CapturedLog log = CapturedLog.of(name, Level.INFO)) {
            OutageLog outage = new OutageLog(LoggerFactory.getLogger(name), "acme/p1/gw", URI, Duration.ofMinutes(5),
                    System::nanoTime);
            outage.lost(0, "connection lost", new IOException("EOF"));
            assertEquals("", outage.connected(), "no attempt failed");
        }
    }

    @Test
    void aLostConnectionIsTheOutagesOneWarning() {
        AtomicLong clock = new AtomicLong();
        String name = "io.werkstrom.gateway.publish.OutageLogTest.lost";
        try (CapturedLog log = CapturedLog.of(name, Level.INFO)) {
            OutageLog outage = new OutageLog(LoggerFactory.getLogger(name), "acme/p1/gw", URI, Duration.ofMinutes(5),
                    clock::get);
            outage.lost(0, "connection lost", new IOException("EOF"));
            for (int i = 0; i < 5; i++) {
                clock.addAndGet(TimeUnit.SECONDS.toNanos(2));
                outage.attemptFailed("Connection refused", 2_000, new IOException("Connection refused"));
            }
            assertEquals(1, log.warnings().size(), log.lines().toString());
            assertTrue(log.warnings().get(0).startsWith("WARN Connection of acme/p1/gw to " + URI + " lost"),
                    log.lines().toString());
            assertEquals(", after 5 failed attempts in 10 s", outage.connected());
            // The next outage warns again at its start.
            outage.attemptFailed("Connection refused", 1_000, new IOException("Connection refused"));
            assertEquals(2, log.warnings().size(), log.lines().toString());
        }
    }

    @Test
    void aPublisherWithoutItsBrokerWarnsOnceForManyFailedAttempts() throws Exception {
        String name = MqttPublisher.class.getName();
        GatewayAddress address = new GatewayAddress("acme", "plant-1", "gw-outage");
        // A "broker" that closes every connection at once: each attempt fails, and no one else can take the port.
        try (CapturedLog log = CapturedLog.of(name, Level.INFO);
             ServerSocket refusing = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread closer = new Thread(() -> {
                while (!refusing.isClosed()) {
                    try (Socket ignored = refusing.accept()) {
                        // closed at once
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "refusing-broker");
            closer.setDaemon(true);
            closer.start();
            try (MqttPublisher publisher = new MqttPublisher(PublisherOptions.builder()
                    .brokerUri("tcp://127.0.0.1:" + refusing.getLocalPort()).address(address)
                    .reconnectMinDelay(Duration.ofMillis(20)).reconnectMaxDelay(Duration.ofMillis(40)).build())) {
                publisher.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (publisher.failedConnectAttempts() < 5 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertTrue(publisher.failedConnectAttempts() >= 5, "attempts: " + publisher.failedConnectAttempts());
                assertEquals(1, log.warnings().size(), log.lines().toString());
            }
        }
    }
}
