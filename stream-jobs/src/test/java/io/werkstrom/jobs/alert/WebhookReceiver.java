package io.werkstrom.jobs.alert;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpServer;

import io.werkstrom.protocol.http.RequestTimeLimits;

/**
 * A real HTTP receiver on loopback for webhook tests: records every request (body and headers) and
 * answers with the next scripted status, then with the default status.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** One request as received. */
    public record Request(String path, byte[] body, Map<String, List<String>> headers) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Deque<Integer> script = new ArrayDeque<>();
    private volatile int defaultStatus = 200;
    private volatile long delayMillis;
    /** Requests are answered in parallel, as a real receiver does for several notifiers. */
    private final ExecutorService handlers = Executors.newFixedThreadPool(8);

    public WebhookReceiver() throws IOException {
        // The JDK reads its server time limits once per process, at the first server: set them as
        // the project's servers do, or a later test's endpoint in this JVM would run without them.
        RequestTimeLimits.applyDefaults();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                requests.add(new Request(exchange.getRequestURI().getPath(), in.readAllBytes(),
                        Map.copyOf(exchange.getRequestHeaders())));
                if (delayMillis > 0) {
                    try {
                        Thread.sleep(delayMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                int status;
                synchronized (script) {
                    status = script.isEmpty() ? defaultStatus : script.poll();
                }
                exchange.sendResponseHeaders(status, -1);
            }
        });
        server.setExecutor(handlers);
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The next answers, in order; afterwards {@link #answerAlways}'s status. */
    public void script(Integer... statuses) {
        synchronized (script) {
            script.addAll(List.of(statuses));
        }
    }

    /** Each request is answered this long after it arrived: a slow receiver. */
    public void delay(Duration delay) {
        delayMillis = delay.toMillis();
    }

    public void answerAlways(int status) {
        defaultStatus = status;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow();
    }
}
