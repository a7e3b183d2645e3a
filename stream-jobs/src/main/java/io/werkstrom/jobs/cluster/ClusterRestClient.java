package io.werkstrom.jobs.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.werkstrom.protocol.QuotedText;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The parts of Flink's REST API that submitting and watching a job needs: upload a jar
 * ({@code POST /jars/upload}), run it ({@code POST /jars/{id}/run}), the job's state and restart
 * count, cancel. Works against any Flink session cluster whose JobManager serves jar uploads
 * (flink-runtime-web on its class path, as in every Flink distribution).
 *
 * <p>Thread-safe (one {@link HttpClient}); every call fails with {@link IOException} naming the
 * request and carrying the server's answer when the server does not answer with 2xx, and when its
 * whole answer, body included, has not arrived within a minute.
 */
public final class ClusterRestClient {

    static final long TIMEOUT_SECONDS = 60;

    private final URI base;
    private final Duration timeout;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    public ClusterRestClient(URI base) {
        this(base, Duration.ofSeconds(TIMEOUT_SECONDS));
    }

    /** A client whose calls each end within {@code timeout}, the answer's body included. */
    ClusterRestClient(URI base, Duration timeout) {
        this.base = Objects.requireNonNull(base, "base must not be null.");
        this.timeout = Objects.requireNonNull(timeout, "timeout must not be null.");
    }

    /** Uploads a job jar; returns the jar id that {@link #runJar} takes. */
    public String uploadJar(Path jar) throws IOException {
        String boundary = "werkstrom-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        JsonNode answer = send(HttpRequest.newBuilder(endpoint("/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())), "uploading " + jar);
        String file = answer.path("filename").asText("");
        if (file.isEmpty()) {
            throw new IOException("uploading " + jar + ": the answer names no file: " + answer);
        }
        return Path.of(file).getFileName().toString();
    }

    /**
     * Runs an uploaded jar's main class with {@code programArgs}; the JobManager runs the main
     * method, which submits the job. Returns the job id.
     */
    public String runJar(String jarId, List<String> programArgs) throws IOException {
        ObjectNode request = json.createObjectNode();
        programArgs.forEach(request.putArray("programArgsList")::add);
        JsonNode answer = send(HttpRequest.newBuilder(endpoint("/jars/" + jarId + "/run"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(request))), "running jar " + jarId);
        String jobId = answer.path("jobid").asText("");
        if (jobId.isEmpty()) {
            throw new IOException("running jar " + jarId + ": the answer names no job: " + answer);
        }
        return jobId;
    }

    /** The job's state: CREATED, RUNNING, RESTARTING, FAILED, CANCELED, FINISHED, ... */
    public String jobState(String jobId) throws IOException {
        return get("/jobs/" + jobId, "the state of job " + jobId).path("state").asText();
    }

    /** True when every task of the job is RUNNING (the job's state alone says RUNNING while tasks still deploy). */
    public boolean allTasksRunning(String jobId) throws IOException {
        JsonNode job = get("/jobs/" + jobId, "the state of job " + jobId);
        if (!"RUNNING".equals(job.path("state").asText())) {
            return false;
        }
        for (JsonNode vertex : job.path("vertices")) {
            if (!"RUNNING".equals(vertex.path("status").asText())) {
                return false;
            }
        }
        return job.path("vertices").size() > 0;
    }

    /**
     * How often the job restarted: its {@code numRestarts} metric, or, until the metric has been
     * fetched, the number of failures in its exception history.
     */
    public long restarts(String jobId) throws IOException {
        JsonNode metrics = get("/jobs/" + jobId + "/metrics?get=numRestarts", "the restarts of job " + jobId);
        long fromMetric = -1;
        for (JsonNode metric : metrics) {
            if ("numRestarts".equals(metric.path("id").asText())) {
                fromMetric = Long.parseLong(metric.path("value").asText("0"));
            }
        }
        JsonNode history = get("/jobs/" + jobId + "/exceptions", "the exceptions of job " + jobId)
                .path("exceptionHistory").path("entries");
        return Math.max(fromMetric, history.size());
    }

    /** The resource ids of the TaskManagers that run at least one of the job's subtasks. */
    public Set<String> taskManagersOf(String jobId) throws IOException {
        Set<String> ids = new TreeSet<>();
        for (JsonNode vertex : get("/jobs/" + jobId, "the vertices of job " + jobId).path("vertices")) {
            String vertexId = vertex.path("id").asText();
            JsonNode hosts = get("/jobs/" + jobId + "/vertices/" + vertexId + "/taskmanagers",
                    "the TaskManagers of vertex " + vertexId).path("taskmanagers");
            for (JsonNode host : hosts) {
                String id = host.path("taskmanager-id").asText("");
                if (!id.isEmpty()) {
                    ids.add(id);
                }
            }
        }
        return ids;
    }

    /** The number of TaskManagers registered with the JobManager. */
    public int taskManagerCount() throws IOException {
        return get("/overview", "the cluster overview").path("taskmanagers").asInt();
    }

    /** Asks the cluster to cancel the job; returns without waiting for it to end. */
    public void cancel(String jobId) throws IOException {
        send(HttpRequest.newBuilder(endpoint("/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()), "cancelling job " + jobId);
    }

    private JsonNode get(String path, String what) throws IOException {
        return send(HttpRequest.newBuilder(endpoint(path)).GET(), what);
    }

    /** {@code path} under the base address, its own path kept (a JobManager behind a proxy at /flink/). */
    private URI endpoint(String path) {
        String prefix = base.toString();
        while (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        return URI.create(prefix + path);
    }

    private JsonNode send(HttpRequest.Builder request, String what) throws IOException {
        HttpResponse<String> response;
        // The request's own timeout ends only the wait for the answer's headers: a JobManager that
        // sends them and then stalls in the body would hold the caller for good. The future's
        // deadline covers the whole exchange.
        CompletableFuture<HttpResponse<String>> answer =
                http.sendAsync(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
        try {
            response = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new IOException(what + " was interrupted", e);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new IOException(what + " failed: no complete answer from " + base + " within " + timeout, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new IOException(what + " failed: " + cause, cause);
        }
        if (response.statusCode() / 100 != 2) {
            throw new IOException(what + " failed: HTTP " + response.statusCode() + " " + response.body());
        }
        String body = response.body();
        if (body == null || body.isBlank()) {
            return json.createObjectNode();
        }
        try {
            return json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IOException(what + " failed: the answer of " + response.uri() + " is not JSON: "
                    + QuotedText.abbreviate(body, 200), e);
        }
    }
}
