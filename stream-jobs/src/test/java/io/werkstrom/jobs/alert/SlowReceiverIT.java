package io.werkstrom.jobs.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.werkstrom.jobs.alert.AlertStore.Delivery;
import io.werkstrom.jobs.alert.notify.DeliveryException;
import io.werkstrom.jobs.alert.notify.Secrets;
import io.werkstrom.jobs.alert.notify.SmtpClient;
import io.werkstrom.jobs.alert.notify.SmtpOptions;
import io.werkstrom.jobs.alert.notify.WebhookChannel;

import org.junit.jupiter.api.Test;

/**
 * Receivers that answer a byte at a time, against real loopback servers: a webhook or SMTP
 * attempt ends after its timeout however the bytes trickle, and a timed-out attempt is retried
 * (not permanent). Each server trickles for 20 s at most, so that a client without the bound
 * fails these tests instead of hanging them.
 */
class SlowReceiverIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static final long TRICKLE_FOR_MS = 20_000;
    private static final long BYTE_EVERY_MS = 100;

    @Test
    void aWebhookReceiverThatTricklesItsBodyDoesNotHoldTheNotifier() throws Exception {
        AtomicBoolean hungUpOn = new AtomicBoolean();
        CountDownLatch ended = new CountDownLatch(1);
        try (LoopbackServer receiver = new LoopbackServer(connection -> {
            try {
                readRequest(connection);
                OutputStream out = connection.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                hungUpOn.set(!trickle(out));
            } finally {
                ended.countDown();
            }
        })) {
            // The status decides the outcome; the body is never waited for.
            channel().send(delivery("http://127.0.0.1:" + receiver.port() + "/hook"));
            assertTrue(ended.await(TRICKLE_FOR_MS + 5_000, TimeUnit.MILLISECONDS), "the receiver's script ended");
            assertTrue(hungUpOn.get(), "the client closed the connection while the body was still trickling");
        }
    }

    @Test
    void aWebhookReceiverThatTricklesItsHeadersTimesOutAndIsRetried() throws Exception {
        try (LoopbackServer receiver = new LoopbackServer(connection -> {
            readRequest(connection);
            OutputStream out = connection.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            trickle(out);
        })) {
            DeliveryException slow = assertThrows(DeliveryException.class,
                    () -> channel().send(delivery("http://127.0.0.1:" + receiver.port() + "/hook")));
            assertFalse(slow.permanent(), "a slow receiver may be quicker next time");
            assertTrue(slow.attempted());
            assertTrue(slow.getMessage().startsWith("POST http://127.0.0.1:" + receiver.port() + " "),
                    slow.getMessage());
            assertFalse(slow.getMessage().contains("/hook"), "the URL's path may carry a secret: " + slow.getMessage());
        }
    }

    @Test
    void anSmtpServerThatTricklesItsGreetingTimesOutAndIsRetried() throws Exception {
        try (LoopbackServer server = new LoopbackServer(connection -> {
            OutputStream out = connection.getOutputStream();
            out.write("220".getBytes(StandardCharsets.US_ASCII));
            trickle(out);
        })) {
            SmtpClient client = new SmtpClient(SmtpOptions.relay("127.0.0.1", server.port(), "alerts@werkstrom.example",
                    TIMEOUT), "test");
            DeliveryException slow = assertThrows(DeliveryException.class,
                    () -> client.send("ops@acme.example", "subject", "body"));
            assertFalse(slow.permanent(), "a slow server may be quicker next time");
            assertEquals("SMTP to 127.0.0.1:" + server.port() + " took longer than " + TIMEOUT, slow.getMessage());
        }
    }

    private static WebhookChannel channel() {
        return new WebhookChannel(new Secrets(Map.of("HOOK", "hook-secret")), TIMEOUT);
    }

    private static Delivery delivery(String target) {
        return new Delivery(1, "acme", UUID.randomUUID(), "webhook", target, "{\"tenant\":\"acme\"}", 0, "env:HOOK",
                null);
    }

    /** Reads a request's headers and its Content-Length body. */
    private static void readRequest(Socket connection) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(),
                StandardCharsets.US_ASCII));
        int length = 0;
        for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        for (int i = 0; i < length; i++) {
            in.read();
        }
    }

    /** One byte every {@link #BYTE_EVERY_MS}; returns false when the client hung up before the end. */
    private static boolean trickle(OutputStream out) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TRICKLE_FOR_MS);
        while (System.nanoTime() < end) {
            try {
                out.write('x');
                out.flush();
            } catch (IOException hungUp) {
                return false;
            }
            Thread.sleep(BYTE_EVERY_MS);
        }
        return true;
    }
}
