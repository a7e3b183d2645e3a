package io.werkstrom.app.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import io.werkstrom.app.alerts.AlertsCommand;
import io.werkstrom.app.analytics.AnalyticsCommand;
import io.werkstrom.app.bench.GatewayBench;
import io.werkstrom.app.cli.Durations;
import io.werkstrom.app.gateway.ConfiguredGateway;
import io.werkstrom.gateway.GatewayOptions;

/**
 * The compose stack's structure, checked without a container engine: the services an operator
 * needs, pinned images, health checks on everything long-running, mounted paths that exist in the
 * repository, declared volumes, no secrets in the file and every variable it reads in .env.example.
 */
class ComposeFileTest {

    private static final Path COMPOSE = Path.of("..", "compose");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> REQUIRED = Set.of("mosquitto", "timescaledb", "migrate", "jobmanager",
            "taskmanager", "analytics", "alerts", "grafana", "gateway");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)[^}]*}");
    private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(password|secret|token|key)$");

    private final JsonNode compose = read(COMPOSE.resolve("docker-compose.yml"));
    private final JsonNode services = compose.path("services");

    private static JsonNode read(Path file) {
        try {
            // SnakeYAML resolves the merge keys (<<: *anchor) that compose files use
            return JSON.valueToTree(new Yaml().load(Files.readString(file)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file.toAbsolutePath(), e);
        }
    }

    @Test
    void theWholeStackIsThere() {
        Set<String> names = fieldNames(services);
        assertTrue(names.containsAll(REQUIRED), "services " + names + " lack some of " + REQUIRED);
    }

    @Test
    void everyImageIsPinned() {
        services.fields().forEachRemaining(service -> {
            String image = service.getValue().path("image").asText("");
            assertFalse(image.isEmpty(), service.getKey() + " names no image (a build needs a tag too)");
            int colon = image.lastIndexOf(':');
            assertTrue(colon > 0, service.getKey() + ": image " + image + " has no tag");
            String tag = image.substring(colon + 1);
            assertFalse(tag.equals("latest") || !tag.matches(".*\\d.*"),
                    service.getKey() + ": image " + image + " is not pinned to a version");
        });
    }

    @Test
    void longRunningServicesHaveHealthChecks() {
        Set<String> oneShot = new HashSet<>();
        services.fields().forEachRemaining(service -> service.getValue().path("depends_on").fields().forEachRemaining(
                dependency -> {
                    if ("service_completed_successfully".equals(dependency.getValue().path("condition").asText())) {
                        oneShot.add(dependency.getKey());
                    }
                }));
        services.fields().forEachRemaining(service -> {
            if (!oneShot.contains(service.getKey())) {
                JsonNode test = service.getValue().path("healthcheck").path("test");
                assertTrue(test.isArray() && test.size() >= 2, service.getKey() + " has no health check");
            }
        });
        assertTrue(oneShot.contains("migrate"), "the migration should be a one-shot service the others wait for");
    }

    @Test
    void dependenciesNameServicesOfTheFile() {
        Set<String> names = fieldNames(services);
        services.fields().forEachRemaining(service -> service.getValue().path("depends_on").fieldNames()
                .forEachRemaining(dependency -> assertTrue(names.contains(dependency),
                        service.getKey() + " depends on unknown service " + dependency)));
    }

    @Test
    void mountedPathsExistAndVolumesAreDeclared() {
        Set<String> declared = fieldNames(compose.path("volumes"));
        List<String> mounts = new ArrayList<>();
        services.fields().forEachRemaining(service -> {
            for (JsonNode volume : service.getValue().path("volumes")) {
                String source = volume.asText().split(":")[0];
                mounts.add(source);
                if (source.startsWith(".") || source.startsWith("/")) {
                    assertTrue(Files.exists(COMPOSE.resolve(source)), service.getKey() + " mounts " + source
                            + ", which is not in the repository (" + COMPOSE.resolve(source).normalize() + ")");
                } else {
                    assertTrue(declared.contains(source), service.getKey() + " uses undeclared volume " + source);
                }
            }
            String context = service.getValue().path("build").path("context").asText(null);
            if (context != null) {
                String dockerfile = service.getValue().path("build").path("dockerfile").asText("Dockerfile");
                assertTrue(Files.exists(COMPOSE.resolve(context).resolve(dockerfile)),
                        service.getKey() + " builds from missing " + context + "/" + dockerfile);
            }
        });
        assertTrue(mounts.contains("../dashboards/provisioning"), "Grafana's provisioning is not mounted");
    }

    /**
     * Flink's image runs as its user flink. Docker gives a new named volume the owner of the
     * directory it is mounted on in the image, and makes it root's where the image has no such
     * directory: Flink could then write no checkpoint there.
     */
    @Test
    void theFlinkImageGivesItsUserTheDirectoriesOfItsNamedVolumes() throws IOException {
        JsonNode jobmanager = services.path("jobmanager");
        String image = jobmanager.path("image").asText();
        String dockerfile = Files.readString(COMPOSE.resolve(jobmanager.path("build").path("context").asText())
                .resolve(jobmanager.path("build").path("dockerfile").asText()));
        // the stage that becomes the image
        String finalStage = dockerfile.substring(dockerfile.lastIndexOf("\nFROM "));
        Set<String> declared = fieldNames(compose.path("volumes"));
        int checked = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> service = it.next();
            if (!image.equals(service.getValue().path("image").asText())) {
                continue;
            }
            for (JsonNode volume : service.getValue().path("volumes")) {
                String[] mount = volume.asText().split(":");
                if (!declared.contains(mount[0])) {
                    continue;
                }
                String directory = Pattern.quote(mount[1]);
                assertTrue(Pattern.compile("mkdir -p " + directory + "\\b").matcher(finalStage).find()
                                && Pattern.compile("chown (-R )?flink:flink " + directory + "\\b").matcher(finalStage).find(),
                        service.getKey() + " mounts volume " + mount[0] + " on " + mount[1] + ", which the Flink image"
                                + " must create and give to its user flink (else the volume is root's)");
                checked++;
            }
        }
        assertTrue(checked >= 2, "the JobManager and the TaskManager should share the checkpoint volume");
    }

    @Test
    void noSecretIsWrittenInTheFileAndEveryVariableIsInTheExample() throws IOException {
        services.fields().forEachRemaining(service -> service.getValue().path("environment").fields().forEachRemaining(
                variable -> {
                    if (SECRET_KEY.matcher(variable.getKey()).matches()) {
                        assertTrue(VARIABLE.matcher(variable.getValue().asText()).matches(), service.getKey() + ": "
                                + variable.getKey() + " must come from the environment (${...}), not the file");
                    }
                }));
        String text = Files.readString(COMPOSE.resolve("docker-compose.yml"));
        Set<String> example = new HashSet<>();
        for (String line : Files.readAllLines(COMPOSE.resolve(".env.example"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                example.add(line.substring(0, line.indexOf('=')).trim());
            }
        }
        Matcher used = VARIABLE.matcher(text);
        int variables = 0;
        while (used.find()) {
            variables++;
            assertTrue(example.contains(used.group(1)), used.group(1) + " is used but missing from .env.example");
        }
        assertTrue(variables >= 4, "the passwords should come from variables");
        assertTrue(Files.readString(Path.of("..", ".gitignore")).contains("compose/.env"), "compose/.env must be ignored");
        // The Dockerfiles copy the whole tree into their build stage: the secrets must stay out of it too.
        List<String> dockerIgnored = Files.readAllLines(Path.of("..", ".dockerignore"));
        for (String secret : List.of("compose/.env", "compose/certs")) {
            assertTrue(dockerIgnored.contains(secret), secret + " must be in .dockerignore");
        }
    }

    /**
     * The image passes {@code WERKSTROM_JAVA_OPTS} to the JVM as the launcher does, and the stack's
     * gateway sets the launcher's gateway options there: the edge budget the README gives (48 MB
     * heap) holds in a container too.
     */
    @Test
    void theGatewayContainerRunsWithTheLaunchersGatewayJvmOptions() throws IOException {
        // GatewayBenchTest holds these equal to the werkstrom script's.
        assertEquals(String.join(" ", GatewayBench.GATEWAY_JVM_FLAGS),
                services.path("gateway").path("environment").path("WERKSTROM_JAVA_OPTS").asText(),
                "the stack's gateway runs with other JVM options than the launcher's gateway");
        // An instruction continues over lines that end with a backslash.
        String dockerfile = Files.readString(Path.of("..", "Dockerfile")).replace("\\\n", "");
        String entrypoint = dockerfile.lines().filter(line -> line.startsWith("ENTRYPOINT ")).reduce((a, b) -> b)
                .orElseThrow();
        List<String> command = strings(JSON.readTree(entrypoint.substring("ENTRYPOINT ".length())));
        assertEquals(List.of("/bin/sh", "-c"), command.subList(0, 2), "the image's entry point runs no shell");
        assertTrue(command.get(2).startsWith("exec java $WERKSTROM_JAVA_OPTS "),
                "the image's entry point does not pass WERKSTROM_JAVA_OPTS to java: " + command.get(2));
        assertTrue(command.get(2).endsWith(" io.werkstrom.app.Werkstrom \"$@\""),
                "the image's entry point does not pass the command's arguments as they are: " + command.get(2));
    }

    /**
     * Docker sends SIGTERM, then kills the container after its stop grace period (10 s unless
     * set). Each Werkstrom service holds its JVM longer than that on a stop: the gateway drains its
     * spool and announces its clean offline status, the alert service records the notification in
     * flight (else it is sent again), the analytics service finishes the job's calls.
     */
    @Test
    void eachServiceIsGivenTheTimeItsCommandTakesToStop() {
        Map<String, Duration> needed = Map.of(
                "gateway", ConfiguredGateway.stopGrace(GatewayOptions.DEFAULT_DRAIN_TIMEOUT),
                "alerts", AlertsCommand.CLOSE_TIMEOUT,
                "analytics", AnalyticsCommand.REPORT_WAIT);
        needed.forEach((service, stop) -> {
            String grace = services.path(service).path("stop_grace_period").asText("10s");
            assertTrue(Durations.parse(grace).compareTo(stop) > 0, service + " is killed " + grace
                    + " after SIGTERM, but its command takes up to " + stop.toSeconds() + " s to stop");
        });
    }

    @Test
    void theGpuOverlayReservesAnNvidiaDeviceForTheAnalyticsService() {
        JsonNode gpu = read(COMPOSE.resolve("docker-compose.gpu.yml"));
        JsonNode devices = gpu.path("services").path("analytics").path("deploy").path("resources")
                .path("reservations").path("devices");
        assertEquals(1, devices.size(), "one device reservation expected: " + gpu);
        assertEquals("nvidia", devices.get(0).path("driver").asText());
        assertTrue(devices.get(0).path("capabilities").toString().contains("gpu"));
        assertTrue(services.has("analytics"), "the overlay extends a service the base file defines");
        assertTrue(services.path("analytics").path("deploy").isMissingNode(),
                "the base file must run without a GPU (CPU fallback)");
    }

    @Test
    void theJobScoresInTheAnalyticsServiceWhichIsNotPublishedOnTheHost() {
        JsonNode analytics = services.path("analytics");
        List<String> serve = strings(analytics.path("command"));
        int flag = serve.indexOf("--port");
        assertTrue(flag >= 0 && flag + 1 < serve.size(), "the analytics service names no --port: " + serve);
        String port = serve.get(flag + 1);
        // Arrow Flight without TLS belongs on the stack's network, not on the host's interfaces
        assertTrue(analytics.path("ports").isMissingNode(), "analytics publishes " + analytics.path("ports")
                + " on the host; expose its port to the stack's network only");
        assertTrue(strings(analytics.path("expose")).contains(port), "analytics should expose " + port
                + " to the stack's network: " + analytics.path("expose"));
        JsonNode jobmanager = services.path("jobmanager");
        assertTrue(strings(jobmanager.path("command")).contains("--analytics.backend=grpc://analytics:" + port),
                "the job must score in the analytics service, else the (GPU) service serves nobody: "
                        + jobmanager.path("command"));
        assertEquals("service_healthy", jobmanager.path("depends_on").path("analytics").path("condition").asText(),
                "the job should start once the analytics service answers");
    }

    @Test
    void grafanaReadsAsAReadOnlyRoleNotAsTheDatabaseOwner() throws IOException {
        JsonNode environment = services.path("grafana").path("environment");
        String reader = environment.path("WERKSTROM_DB_READER").asText();
        String owner = services.path("timescaledb").path("environment").path("POSTGRES_USER").asText();
        assertFalse(reader.isEmpty() || owner.isEmpty(), "Grafana's reader or the database's owner is not named");
        assertFalse(reader.equals(owner), "Grafana's datasource must not log in as " + owner
                + ", the image's superuser: an editor could run any SQL as it in Explore");
        assertFalse(environment.path("WERKSTROM_DB_READER_PASSWORD").asText().contains("DB_PASSWORD}"),
                "the reader needs a password of its own, not the owner's");
        // The one-shot service that makes the role runs before Grafana, with a script of the repository.
        String maker = null;
        for (Iterator<String> it = services.path("grafana").path("depends_on").fieldNames(); it.hasNext(); ) {
            String dependency = it.next();
            if (String.join(" ", strings(services.path(dependency).path("command"))).contains("\\password " + reader)) {
                maker = dependency;
            }
        }
        assertTrue(maker != null, "no service Grafana waits for sets the password of " + reader);
        assertEquals("service_completed_successfully",
                services.path("grafana").path("depends_on").path(maker).path("condition").asText());
        String script = Files.readString(COMPOSE.resolve("timescaledb/operator-reader.sql"));
        assertTrue(script.contains("CREATE ROLE " + reader + " LOGIN"), "the script makes no role " + reader);
        assertTrue(script.contains("NOSUPERUSER") && script.contains("GRANT SELECT ON ALL TABLES"),
                "the role should be no superuser and only SELECT");
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new HashSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

}
