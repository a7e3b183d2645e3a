package io.werkstrom.jobs.alert.notify;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.werkstrom.jobs.alert.AlertStore.Delivery;

/**
 * HTTP POST of the alert JSON to the subscription's URL, signed ({@link Signatures}). A 2xx answer
 * is delivered; 5xx, 408, 429, network failures and an exchange that takes longer than the timeout
 * are retried; other answers, and a target that is not a usable http(s) URL, are permanent failures
 * (the receiver will not change its mind).
 *
 * <p>The timeout bounds the whole exchange, connecting included, and the answer's body is never
 * read: a receiver that sends its headers and then trickles a body cannot hold the notifier.
 * Messages, and the causes they keep (the log prints those too), name the target by scheme, host
 * and port only: a URL's path may carry its secret (Slack's do). Thread-safe.
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

    /**
     * The target as logs and errors may show it: {@code scheme://host[:port]}, never its path or
     * query, which may hold a secret.
     */
    public static String origin(String target) {
        try {
            URI uri = URI.create(target);
            if (uri.getScheme() == null || uri.getHost() == null) {
                return "(not a URL with a host)";
            }
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        } catch (IllegalArgumentException e) {
            return "(not a URL)";
        }
    }

    @Override
    public void send(Delivery delivery) throws DeliveryException {
        String origin = origin(delivery.target());
        URI uri;
        try {
            uri = new URI(delivery.target());
        } catch (URISyntaxException e) {
            // Not kept as the cause: its message holds the whole target, and the log prints causes.
            throw new DeliveryException("webhook target " + origin + " is not a URI: " + e.getReason()
                    + (e.getIndex() < 0 ? "" : " at index " + e.getIndex()), true);
        }
        // A scheme is case-insensitive: HTTPS://… is a URL the client takes as https://….
        if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
            throw new DeliveryException("webhook target " + origin + " must be http or https", true);
        }
        if (uri.getHost() == null) {
            // http:foo, http:///typo: URI accepts them, no request can go anywhere.
            throw new DeliveryException("webhook target " + origin + " has no host", true);
        }
        byte[] body = delivery.payload().getBytes(StandardCharsets.UTF_8);
        byte[] secret = secrets.resolve(delivery.secretRef());
        CompletableFuture<HttpResponse<Void>> exchange;
        try {
            HttpRequest request = HttpRequest.newBuilder(uri)
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .header(Signatures.HEADER, Signatures.sign(secret, body))
                    .header(Signatures.TIMESTAMPED_HEADER, Signatures.signTimestamped(secret, body, Instant.now()))
                    .header(DELIVERY_HEADER, Long.toString(delivery.id()))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            exchange = client.sendAsync(request, info -> new StatusOnly());
        } catch (IllegalArgumentException e) {
            // A port out of range, a host name the client cannot use: no retry can mend the URL.
            throw new DeliveryException("webhook target " + origin + " is not usable: "
                    + e.getMessage().replace(delivery.target(), origin), true);
        }
        int status;
        try {
            status = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS).statusCode();
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new DeliveryException("POST " + origin + " took longer than " + timeout, false, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IllegalArgumentException) {
                throw new DeliveryException("webhook target " + origin + " is not usable: "
                        + cause.getMessage().replace(delivery.target(), origin), true);
            }
            throw new DeliveryException("POST " + origin + " failed: " + cause, false, cause);
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw new DeliveryException("interrupted while posting to " + origin, false, e);
        }
        if (status >= 200 && status < 300) {
            return;
        }
        boolean retry = status >= 500 || status == 408 || status == 429;
        throw new DeliveryException("POST " + origin + " answered " + status, !retry);
    }

    /**
     * Takes the status line and headers and stops at once: the body is not read (cancelling the
     * subscription closes the connection), so how slowly it would arrive does not matter.
     */
    private static final class StatusOnly implements HttpResponse.BodySubscriber<Void> {

        private final CompletableFuture<Void> done = new CompletableFuture<>();

        @Override
        public CompletionStage<Void> getBody() {
            return done;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.cancel();
            done.complete(null);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            // Nothing is requested.
        }

        @Override
        public void onError(Throwable throwable) {
            done.complete(null);
        }

        @Override
        public void onComplete() {
            done.complete(null);
        }
    }
}
