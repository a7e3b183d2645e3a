package io.werkstrom.jobs.alert.notify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.werkstrom.jobs.alert.AlertStore.Delivery;

/**
 * HTTP POST of the alert JSON to the subscription's URL, signed ({@link Signatures}). A 2xx answer
 * is delivered; 5xx, 408, 429 and network failures are retried; other answers are permanent
 * failures (the receiver will not change its mind).
 */
public final class WebhookChannel implements Channel {

    public static final String DELIVERY_HEADER = "X-Werkstrom-Delivery";

    private final HttpClient client;
    private final Secrets secrets;
    private final Duration timeout;

    public WebhookChannel(Secrets secrets, Duration timeout) {
        this.secrets = secrets;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public void send(Delivery delivery) throws DeliveryException {
        URI uri;
        try {
            uri = URI.create(delivery.target());
        } catch (IllegalArgumentException e) {
            throw new DeliveryException("webhook target '" + delivery.target() + "' is not a URI", true, e);
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new DeliveryException("webhook target '" + delivery.target() + "' must be http or https", true);
        }
        byte[] body = delivery.payload().getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header(Signatures.HEADER, Signatures.sign(secrets.resolve(delivery.secretRef()), body))
                .header(DELIVERY_HEADER, Long.toString(delivery.id()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        int status;
        try {
            status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new DeliveryException("POST " + uri + " failed: " + e, false, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException("interrupted while posting to " + uri, false, e);
        }
        if (status >= 200 && status < 300) {
            return;
        }
        boolean retry = status >= 500 || status == 408 || status == 429;
        throw new DeliveryException("POST " + uri + " answered " + status, !retry);
    }
}
