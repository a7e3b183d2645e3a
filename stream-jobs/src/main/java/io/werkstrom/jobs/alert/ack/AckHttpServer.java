package io.werkstrom.jobs.alert.ack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;

import io.werkstrom.jobs.alert.ServiceHealth;
import io.werkstrom.protocol.http.RequestTimeLimits;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /tenants/{tenant}/alerts/{alert-id}/ack} with {@code Authorization: Bearer <token>}
 * (the tenant's token from {@link TenantTokens}) and body {@code {"user":"alice"}}. Answers JSON:
 * 200 acknowledged (or already), 400 bad request, 401 missing or wrong token, 404 no such alert of
 * this tenant, 405 wrong method, 409 resolved, 413 body too large, 503 database unavailable. A bad
 * request never affects the server, and one that has not fully arrived within 10 s is dropped
 * ({@link RequestTimeLimits}; an answer that takes over 30 s, the database's work included, is
 * cut off). {@code GET /health}, without a token, answers the service's
 * {@link ServiceHealth}. Without tenant tokens the server answers health only: an acknowledgement
 * gets 404 saying that HTTP acknowledgements are off. Owns its JDK HttpServer and threads; close it.
 */
public final class AckHttpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AckHttpServer.class);
    static {
        RequestTimeLimits.applyDefaults();
    }

    private static final Pattern PATH = Pattern.compile("/tenants/([^/]+)/alerts/([^/]+)/ack");
    private static final int MAX_BODY_BYTES = 4096;
    private static final int THREADS = 8;

    private final HttpServer server;
    private final ExecutorService executor;
    private final TenantTokens tokens;
    private final Acknowledgements acknowledgements;
    private final Supplier<ServiceHealth> health;

    private AckHttpServer(HttpServer server, ExecutorService executor, TenantTokens tokens,
                          Acknowledgements acknowledgements, Supplier<ServiceHealth> health) {
        this.server = server;
        this.executor = executor;
        this.tokens = tokens;
        this.acknowledgements = acknowledgements;
        this.health = health;
    }

    /**
     * Listens on {@code address} (port 0: any free port, see {@link #port()}), over HTTPS with
     * {@code tls} (a server context) unless it is null, and answers {@code GET /health} with what
     * {@code health} says. {@code tokens} null: no acknowledgements over HTTP. Does not own
     * {@code acknowledgements}.
     */
    public static AckHttpServer start(InetSocketAddress address, SSLContext tls, TenantTokens tokens,
                                      Acknowledgements acknowledgements, Supplier<ServiceHealth> health)
            throws IOException {
        HttpServer server;
        if (tls == null) {
            server = HttpServer.create(address, 16);
        } else {
            HttpsServer https = HttpsServer.create(address, 16);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread thread = new Thread(r, "alert-ack-http");
            thread.setDaemon(true);
            return thread;
        });
        AckHttpServer ack = new AckHttpServer(server, executor, tokens, acknowledgements, health);
        server.createContext("/", ack::handle);
        server.createContext("/health", ack::handleHealth);
        server.setExecutor(executor);
        server.start();
        return ack;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Acknowledgements.Answer answer;
            try {
                answer = answer(exchange);
            } catch (RuntimeException e) {
                LOG.error("acknowledgement request {} failed", exchange.getRequestURI(), e);
                answer = Acknowledgements.error(500, "internal error");
            }
            byte[] body = answer.json().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Unauthenticated, for container health checks: it tells nothing of any tenant. */
    private void handleHealth(HttpExchange exchange) throws IOException {
        try (exchange) {
            int status;
            String json;
            if (!"/health".equals(exchange.getRequestURI().getRawPath())) {
                Acknowledgements.Answer unknown = Acknowledgements.error(404, "unknown path; use GET /health");
                status = unknown.status();
                json = unknown.json();
            } else if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                Acknowledgements.Answer refused = Acknowledgements.error(405, "use GET");
                status = refused.status();
                json = refused.json();
            } else {
                ServiceHealth now = health.get();
                status = now.httpStatus();
                json = now.json();
            }
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(status, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    private Acknowledgements.Answer answer(HttpExchange exchange) throws IOException {
        Matcher path = PATH.matcher(exchange.getRequestURI().getRawPath());
        if (!path.matches()) {
            return Acknowledgements.error(404, "unknown path; use POST /tenants/{tenant}/alerts/{alert-id}/ack");
        }
        if (!"POST".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Allow", "POST");
            return Acknowledgements.error(405, "use POST");
        }
        if (tokens == null) {
            return Acknowledgements.error(404, "acknowledgements over HTTP are off: the service has no tenant token"
                    + " file (--tokens-file); use MQTT");
        }
        String tenant = path.group(1);
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String token = bearerToken(authorization);
        if (!tokens.accepts(tenant, token)) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            return Acknowledgements.error(401, "missing or wrong bearer token for tenant " + tenant);
        }
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) {
            return Acknowledgements.error(413, "body exceeds " + MAX_BODY_BYTES + " bytes");
        }
        AckRequest request;
        try {
            request = AckRequest.parse(tenant, path.group(2), body);
        } catch (IllegalArgumentException e) {
            return Acknowledgements.error(400, e.getMessage());
        }
        return acknowledgements.acknowledge(request, "http");
    }

    /**
     * The token of an {@code Authorization} header of the Bearer scheme, whose name is case-insensitive
     * (RFC 9110, 11.1); null for another scheme or none.
     */
    static String bearerToken(String authorization) {
        if (authorization == null || authorization.length() < 7
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorization.substring(7).strip();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
