package io.werkstrom.gateway.monitor;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.werkstrom.gateway.GatewayHealth;
import io.werkstrom.gateway.GatewayStats;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.http.RequestTimeLimits;

/**
 * The gateway's operations endpoints over plain HTTP (the JDK's server, two daemon threads; a
 * request that has not fully arrived within 10 s is dropped, {@link RequestTimeLimits}):
 * {@code GET /metrics} in the Prometheus text format ({@link PrometheusText}) and
 * {@code GET /health}, 200 with a JSON body when the gateway is healthy and 503 otherwise.
 * Owned by the gateway that starts it; {@link #close()} stops it.
 */
public final class MonitorServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MonitorServer.class);
    private static final int THREADS = 2;

    static {
        RequestTimeLimits.applyDefaults();
    }

    private final HttpServer server;
    private final ExecutorService executor;

    private MonitorServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Listens on {@code port} of {@code host}, or of every interface when {@code host} is null.
     *
     * @throws IOException if the address cannot be bound
     */
    public static MonitorServer start(String host, int port, GatewayAddress address, Supplier<GatewayStats> stats,
                                      Supplier<GatewayHealth> health) throws IOException {
        HttpServer server;
        try {
            InetSocketAddress bind = host == null ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
            if (bind.isUnresolved()) {
                throw new IOException("unknown host " + host);
            }
            server = HttpServer.create(bind, 16);
        } catch (IOException e) {
            // Named as operators set them: on the command line or in the configuration file.
            throw new IOException("the metrics and health endpoints cannot listen on "
                    + (host == null ? "port " + port : host + " port " + port)
                    + " (--http-host/--http-port, or metrics.host/metrics.port in the configuration file): "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "werkstrom-gateway-" + address.gateway() + "-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", MonitorServer::notFound);
        server.createContext("/metrics", exchange -> respond(exchange, "/metrics", () -> {
            byte[] body = PrometheusText.render(address, stats.get()).getBytes(StandardCharsets.UTF_8);
            return new Response(200, PrometheusText.CONTENT_TYPE, body);
        }));
        server.createContext("/health", exchange -> respond(exchange, "/health", () -> {
            GatewayHealth h = health.get();
            return new Response(h.healthy() ? 200 : 503, "application/json",
                    h.toJson().getBytes(StandardCharsets.UTF_8));
        }));
        server.start();
        log.info("Gateway {} serves /metrics and /health on {}", address, server.getAddress());
        return new MonitorServer(server, executor);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The address and port it listens on. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private static void notFound(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = "unknown path; use GET /metrics or GET /health\n".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(404, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private record Response(int status, String contentType, byte[] body) {
    }

    /** Answers {@code path} itself: the server matches a context by prefix, so /healthz would reach /health. */
    private static void respond(HttpExchange exchange, String path, Supplier<Response> handler) throws IOException {
        try (exchange) {
            if (!path.equals(exchange.getRequestURI().getRawPath())) {
                notFound(exchange);
                return;
            }
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            Response response;
            try {
                response = handler.get();
            } catch (RuntimeException e) {
                log.warn("Serving {} failed", exchange.getRequestURI(), e);
                response = new Response(500, "text/plain; charset=utf-8",
                        ("internal error: " + e).getBytes(StandardCharsets.UTF_8));
            }
            exchange.getResponseHeaders().set("Content-Type", response.contentType());
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(response.status(), head ? -1 : response.body().length);
            if (!head) {
                try (OutputStream body = exchange.getResponseBody()) {
                    body.write(response.body());
                }
            }
        }
    }
}
