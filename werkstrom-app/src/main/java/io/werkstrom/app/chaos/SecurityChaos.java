package io.werkstrom.app.chaos;

import io.werkstrom.app.Secrets;
import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.StopSignal;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.app.cli.WorkDirectory;
import io.werkstrom.app.embedded.EmbeddedDatabase;
import io.werkstrom.jobs.decode.BatchDecoder;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.DecodeLimits;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.common.MqttException;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * {@code ./werkstrom chaos security}: a security drill on this machine. A real Mosquitto with the
 * shipped ACL and password authentication, an embedded PostgreSQL with the migrations and one
 * role per tenant, the cloud's ingest path (the job's decoder and store), and two honest gateways
 * publishing throughout. Meanwhile a compromised gateway of tenant {@code acme} and outsiders try:
 * wrong credentials, publishing into other gateways' and tenants' topics, payloads claiming
 * another gateway or tenant, mutated batches, oversized messages; and each tenant's database role
 * tries to read and write the other tenant's rows, after rows of both tenants were written into
 * every relation it reads ({@link TenantRows}).
 *
 * <p>Every attempt is logged on stderr with the reason it was refused (mutated batches as a
 * histogram of dead-letter reasons). The last stdout line is {@link SecurityChaosResult#toJson()}.
 * Passwords are random per run, travel only through files and memory, and are never printed.
 *
 * <p>Ctrl-C or SIGTERM aborts the drill after its current step (within a hundred mutated batches):
 * the honest gateways stop, the broker and the database are stopped, the work directories deleted,
 * and the last stdout line is a JSON object marked {@code "aborted":true}.
 */
public final class SecurityChaos {

    static final String CLOUD_USER = "werkstrom-cloud";
    static final GatewayAddress ACME = new GatewayAddress("acme", "plant-1", "gw-1");
    static final GatewayAddress GLOBEX = new GatewayAddress("globex", "plant-1", "gw-1");
    static final List<String> TENANTS = List.of(ACME.tenant(), GLOBEX.tenant());
    /** A gateway of tenant acme that an attacker controls, with its genuine credentials. */
    static final GatewayAddress ROGUE = new GatewayAddress("acme", "plant-9", "gw-x");
    /** Sequence numbers of forged batches, far above what the honest gateways reach in a run. */
    static final long FORGED_SEQUENCE = 9_000_000_000L;
    private static final int BROKER_MAX_PACKET = 8 << 20;
    private static final int NOT_AUTHORIZED = 0x87;

    private final SecurityChaosOptions options;
    private final PrintStream err;
    private final Map<String, String> passwords = new LinkedHashMap<>();
    private final AtomicLong attempts = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong leaked = new AtomicLong();
    private final AtomicLong crashes = new AtomicLong();
    /** Samples of the honest gateways that the broker did not acknowledge: lost as much as unstored ones. */
    private final AtomicLong honestRefused = new AtomicLong();
    /** How long the JVM's exit waits after Ctrl-C or SIGTERM: the step in progress, then the cleanup. */
    static final Duration ABORT_GRACE = Duration.ofSeconds(90);
    private final DrillSteps steps;

    SecurityChaos(SecurityChaosOptions options, PrintStream err) {
        this(options, err, () -> false);
    }

    SecurityChaos(SecurityChaosOptions options, PrintStream err, BooleanSupplier stopRequested) {
        this.options = options;
        this.err = err;
        this.steps = new DrillSteps(stopRequested);
        for (String user : List.of(CLOUD_USER, ACME.toString(), GLOBEX.toString(), ROGUE.toString())) {
            passwords.put(user, Secrets.randomPassword());
        }
    }

    /** {@code --seed}: any whole number. */
    private static long seed(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seed must be a whole number, got '" + value + "'", e);
        }
    }

    /** The command: {@code chaos security [--mutations N] [--acl FILE] [--seed S]}. */
    public static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse("chaos security", argv, Set.of("mutations", "acl", "seed"), Set.of());
        SecurityChaosOptions options;
        try {
            options = new SecurityChaosOptions(args.positiveInt("mutations", SecurityChaosOptions.DEFAULT_MUTATIONS),
                    Path.of(args.string("acl", SecurityChaosOptions.shippedAcl().toString())),
                    seed(args.string("seed", "1")));
        } catch (IllegalArgumentException e) {
            throw new UsageException("chaos security: " + e.getMessage());
        }
        try (StopSignal stop = StopSignal.install("chaos-security", ABORT_GRACE)) {
            SecurityChaos drill = new SecurityChaos(options, err, stop::stopped);
            Optional<SecurityChaosResult> run = DrillSteps.runOrAbort(stop, drill.steps, drill::execute,
                    drill::abortedJson, "broker and database stopped, work directories deleted", out, err);
            if (run.isEmpty()) {
                return 1;
            }
            SecurityChaosResult result = run.get();
            out.println(result.toJson());
            out.flush();
            return result.passed() ? 0 : 1;
        }
    }

    /** What is known of an aborted drill: the step it was in and the attempts made so far. */
    String abortedJson() {
        return "{\"aborted\":true, \"phase\":\"" + steps.phase() + "\", \"attempts\":" + attempts.get() + ", \"rejected\":"
                + rejected.get() + "}";
    }

    SecurityChaosResult execute() throws Exception {
        steps.enter("starting the broker and the database");
        Path work = Files.createTempDirectory("werkstrom-chaos-security");
        try (EmbeddedDatabase database = EmbeddedDatabase.start(work.resolve("db"));
             MosquittoProcess broker = MosquittoProcess.startAuthenticated(passwords, options.aclFile(), BROKER_MAX_PACKET);
             BufferAllocator allocator = new RootAllocator()) {
            err.println("chaos: mosquitto (pid " + broker.pid() + ") with " + options.aclFile() + " on " + broker.uri());
            StoreOptions store = new StoreOptions(database.jdbcUrl(), EmbeddedDatabase.USER, database.password());
            SchemaMigrator.migrate(store);
            createTenantRoles(store);
            BatchCodec codec = new BatchCodec(allocator, DecodeLimits.DEFAULT);
            BatchDecoder decoder = new BatchDecoder(codec, new BatchValidator());
            long goodRowsSent;
            try (TelemetryStore telemetry = TelemetryStore.open(store);
                 CloudIngest cloud = new CloudIngest(broker.uri(), CLOUD_USER, password(CLOUD_USER), decoder, telemetry)) {
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong goodRows = new AtomicLong();
                List<Thread> honest = new ArrayList<>();
                for (GatewayAddress gateway : List.of(ACME, GLOBEX)) {
                    Thread thread = new Thread(() -> honestGateway(broker.uri(), gateway, codec, stop, goodRows),
                            "chaos-honest-" + gateway.tenant());
                    thread.start();
                    honest.add(thread);
                }
                long throughBroker;
                try {
                    steps.enter("wrong credentials");
                    wrongCredentials(broker.uri());
                    steps.enter("forged topics");
                    forgedTopics(broker.uri(), codec);
                    steps.enter("forged claims");
                    throughBroker = forgedClaims(broker.uri(), codec);
                    steps.enter("mutated batches");
                    throughBroker += mutatedBatches(broker.uri(), codec);
                    steps.enter("oversized payloads");
                    throughBroker += oversized(broker.uri(), codec);
                    steps.enter("cross-tenant queries");
                    crossTenantQueries(store);
                    steps.enter("secrets in the process list and logs");
                    secretsInProcessListAndLogs(broker);
                    steps.enter("draining");
                } finally {
                    stop.set(true);
                    for (Thread thread : honest) {
                        thread.join(30_000);
                    }
                }
                awaitRogueMessages(cloud, throughBroker);
                if (!cloud.awaitStored(60_000)) {
                    err.println("chaos: the cloud did not store everything it received within 60 s");
                }
                CloudIngest.TopicCounts rogue = cloud.counts(Topics.telemetry(ROGUE));
                rejected.addAndGet(rogue.deadLettered.get());
                if (rogue.accepted.get() > 0) {
                    err.println("chaos: NOT REJECTED: " + rogue.accepted.get() + " hostile payloads were accepted");
                }
                err.println("chaos: dead-letter reasons of the rogue gateway's " + rogue.deadLettered.get() + " payloads:");
                new TreeMap<>(rogue.reasons).forEach((reason, count) -> err.println("chaos:   " + count + " x " + reason));
                crashes.addAndGet(cloud.crashes());
                goodRowsSent = goodRows.get();
            }
            if (!broker.isRunning()) {
                crashes.incrementAndGet();
                err.println("chaos: mosquitto died: " + broker.log());
            }
            long lost;
            try (Connection admin = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password()); Statement statement = admin.createStatement()) {
                long storedGood = single(statement, "SELECT coalesce(sum(rows), 0) FROM batch_ledger WHERE sequence < "
                        + FORGED_SEQUENCE + " AND (tenant, gateway) IN (('acme', 'gw-1'), ('globex', 'gw-1'))");
                lost = Math.max(0, goodRowsSent - storedGood) + honestRefused.get();
                err.println("chaos: honest gateways: " + goodRowsSent + " samples acknowledged, " + storedGood + " stored, "
                        + honestRefused.get() + " refused by the broker");
                long forgedStored = single(statement, "SELECT count(*) FROM batch_ledger WHERE sequence >= " + FORGED_SEQUENCE);
                if (forgedStored > 0) {
                    err.println("chaos: LEAK: " + forgedStored + " forged batches were stored");
                }
                leaked.addAndGet(forgedStored);
                long unexplained = single(statement, "SELECT count(*) FROM dead_letters WHERE reason IS NULL OR reason = ''");
                if (unexplained > 0) {
                    err.println("chaos: " + unexplained + " dead letters without a reason");
                    crashes.addAndGet(unexplained);
                }
            }
            return result(lost);
        } finally {
            WorkDirectory.delete(work);
        }
    }

    /** The attempts, rejections, leaks and crashes counted so far, with {@code goodSamplesLost}. */
    SecurityChaosResult result(long goodSamplesLost) {
        return new SecurityChaosResult(attempts.get(), rejected.get(), leaked.get(), crashes.get(), goodSamplesLost);
    }

    /** The roles {@code acme_reader} and {@code globex_reader}, logging in with the owner's password. */
    static void createTenantRoles(StoreOptions store) throws SQLException {
        try (Connection admin = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password()); Statement statement = admin.createStatement()) {
            for (String tenant : TENANTS) {
                statement.execute("SELECT werkstrom_create_tenant_role('" + tenant + "', '" + tenant + "_reader')");
                // the embedded server admits password logins only; its random password is URL-safe Base64
                statement.execute("ALTER ROLE " + tenant + "_reader PASSWORD '" + store.password() + "'");
            }
        }
    }

    private byte[] password(String user) {
        return passwords.get(user).getBytes(StandardCharsets.UTF_8);
    }

    private void honestGateway(String uri, GatewayAddress gateway, BatchCodec codec, AtomicBoolean stop, AtomicLong rows) {
        try {
            MqttAsyncClient client = connect(uri, gateway.toString(), password(gateway.toString()));
            try {
                for (long sequence = 0; !stop.get(); sequence++) {
                    TelemetryBatch.Builder batch = TelemetryBatch.builder(gateway.gateway(), sequence);
                    long now = BatchValidator.micros(Instant.now());
                    for (int i = 0; i < 50; i++) {
                        batch.add(now - (50 - i) * 1_000L, "m-1", "temperature_c", 20 + i * 0.1, Quality.GOOD);
                    }
                    int code = publish(client, Topics.telemetry(gateway), codec.encode(batch.build()));
                    if (code == 0) {
                        rows.addAndGet(50);
                    } else {
                        honestRefused.addAndGet(50);
                        err.println("chaos: an honest batch of " + gateway + " was not acknowledged, code " + code);
                    }
                    Thread.sleep(20);
                }
            } finally {
                disconnect(client);
            }
        } catch (MqttException | RuntimeException e) {
            crashes.incrementAndGet();
            err.println("chaos: honest gateway " + gateway + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void wrongCredentials(String uri) {
        String acme = ACME.toString();
        Map<String, String> tries = new LinkedHashMap<>();
        tries.put("wrong password for " + acme, acme + "\n" + "not-the-password");
        tries.put("unknown user acme/plant-1/gw-404", "acme/plant-1/gw-404\n" + passwords.get(acme));
        tries.put("cloud user with a gateway's password", CLOUD_USER + "\n" + passwords.get(acme));
        tries.put("empty password for " + acme, acme + "\n");
        tries.put("anonymous client", null);
        for (Map.Entry<String, String> attempt : tries.entrySet()) {
            attempts.incrementAndGet();
            String[] credentials = attempt.getValue() == null ? null : attempt.getValue().split("\n", 2);
            try {
                MqttAsyncClient client = credentials == null ? connect(uri, null, null)
                        : connect(uri, credentials[0], credentials[1].getBytes(StandardCharsets.UTF_8));
                disconnect(client);
                err.println("chaos: NOT REJECTED: " + attempt.getKey() + " connected");
            } catch (MqttException e) {
                rejected.incrementAndGet();
                err.println("chaos: rejected: " + attempt.getKey() + ": connect refused, reason code " + e.getReasonCode());
            }
        }
    }

    private void forgedTopics(String uri, BatchCodec codec) {
        List<String> topics = List.of(Topics.telemetry(GLOBEX), Topics.events(GLOBEX), Topics.status(GLOBEX),
                Topics.telemetry(ACME), Topics.telemetry(new GatewayAddress("globex", "plant-9", "gw-x")),
                "werkstrom/v1/globex/plant-1/gw-1/commands/restart", "werkstrom/v1/acme/plant-9/gw-x/commands/restart",
                "werkstrom/v1/acme/plant-9/gw-x/telemetry/extra", "werkstrom/v2/acme/plant-9/gw-x/telemetry",
                // alert states and acknowledgements, its own tenant's and another's: a gateway may neither
                // retain a forged state nor acknowledge an alert
                "werkstrom/v1/acme/alerts/a-1", "werkstrom/v1/acme/alerts/a-1/ack", "werkstrom/v1/globex/alerts/a-1",
                "werkstrom/v1/globex/alerts/a-1/ack");
        long sequence = FORGED_SEQUENCE;
        for (String topic : topics) {
            attempts.incrementAndGet();
            byte[] payload = codec.encode(TelemetryBatch.builder("gw-1", sequence++)
                    .add(BatchValidator.micros(Instant.now()), "m-1", "temperature_c", 999, Quality.GOOD).build());
            try {
                MqttAsyncClient client = connect(uri, ROGUE.toString(), password(ROGUE.toString()));
                int code;
                try {
                    code = publish(client, topic, payload);
                } finally {
                    disconnect(client);
                }
                if (code == 0) {
                    err.println("chaos: NOT REJECTED: the rogue gateway published to " + topic);
                } else {
                    rejected.incrementAndGet();
                    err.println("chaos: rejected: rogue gateway publishing to " + topic + ": "
                            + (code == NOT_AUTHORIZED ? "PUBACK 0x87 not authorized" : "publish failed, code " + code));
                }
            } catch (MqttException e) {
                err.println("chaos: the rogue gateway could not connect: " + e);
                crashes.incrementAndGet();
            }
        }
    }

    /** Payloads on the rogue gateway's own topic that claim another gateway, site or tenant. */
    private long forgedClaims(String uri, BatchCodec codec) throws MqttException {
        List<String> claims = List.of("gw-1", "globex/plant-1/gw-1", "acme/plant-1/gw-1", "plant-1/gw-1", "../gw-1",
                "gw-x\u0000globex");
        MqttAsyncClient client = connect(uri, ROGUE.toString(), password(ROGUE.toString()));
        long sent = 0;
        try {
            long sequence = FORGED_SEQUENCE + 1_000;
            for (String claim : claims) {
                attempts.incrementAndGet();
                byte[] payload = codec.encode(TelemetryBatch.builder(claim, sequence++)
                        .add(BatchValidator.micros(Instant.now()), "m-1", "temperature_c", 1, Quality.GOOD).build());
                sent += publishCounted(client, payload);
            }
            // Timestamps outside the accepted range claim data the gateway cannot have measured.
            for (long micros : List.of(0L, BatchValidator.micros(Instant.parse("2200-01-01T00:00:00Z")), Long.MIN_VALUE + 1)) {
                attempts.incrementAndGet();
                byte[] payload = codec.encode(TelemetryBatch.builder(ROGUE.gateway(), sequence++)
                        .add(micros, "m-1", "temperature_c", 1, Quality.GOOD).build());
                sent += publishCounted(client, payload);
            }
        } finally {
            disconnect(client);
        }
        err.println("chaos: the rogue gateway sent " + sent + " batches claiming another identity or impossible times");
        return sent;
    }

    private long mutatedBatches(String uri, BatchCodec codec) throws MqttException, DrillSteps.Aborted {
        TelemetryBatch.Builder valid = TelemetryBatch.builder(ROGUE.gateway(), FORGED_SEQUENCE + 2_000);
        long now = BatchValidator.micros(Instant.now());
        for (int i = 0; i < 20; i++) {
            valid.add(now - i * 1_000L, "m-" + (i % 3), i % 2 == 0 ? "temperature_c" : "pressure_bar", i, Quality.GOOD);
        }
        BatchMutator mutator = new BatchMutator(codec.encode(valid.build()), codec, ROGUE, options.seed());
        MqttAsyncClient client = connect(uri, ROGUE.toString(), password(ROGUE.toString()));
        long sent = 0;
        try {
            for (int i = 0; i < options.mutations(); i++) {
                attempts.incrementAndGet();
                sent += publishCounted(client, mutator.next());
                if ((i + 1) % 2_000 == 0) {
                    err.println("chaos: " + (i + 1) + " mutated batches sent");
                }
                if ((i + 1) % 100 == 0) {
                    steps.check();
                }
            }
        } finally {
            disconnect(client);
        }
        return sent;
    }

    private long oversized(String uri, BatchCodec codec) throws MqttException {
        long sent = 0;
        MqttAsyncClient client = connect(uri, ROGUE.toString(), password(ROGUE.toString()));
        try {
            // Above the decoder's limit, within the broker's: the cloud dead-letters it.
            attempts.incrementAndGet();
            sent += publishCounted(client, new byte[DecodeLimits.DEFAULT.maxPayloadBytes() + 1]);
            TelemetryBatch.Builder many = TelemetryBatch.builder(ROGUE.gateway(), FORGED_SEQUENCE + 3_000);
            long now = BatchValidator.micros(Instant.now());
            for (int i = 0; i <= DecodeLimits.DEFAULT.maxRows(); i++) {
                many.add(now, "m-1", "temperature_c", i, Quality.GOOD);
            }
            attempts.incrementAndGet();
            sent += publishCounted(client, codec.encode(many.build()));
        } finally {
            disconnect(client);
        }
        // Above the broker's packet limit: the broker drops the connection.
        attempts.incrementAndGet();
        MqttAsyncClient big = connect(uri, ROGUE.toString(), password(ROGUE.toString()));
        try {
            int code = publish(big, Topics.telemetry(ROGUE), new byte[BROKER_MAX_PACKET + 1]);
            if (code == 0) {
                err.println("chaos: NOT REJECTED: the broker accepted a message above max_packet_size");
            } else {
                rejected.incrementAndGet();
                err.println("chaos: rejected: a " + (BROKER_MAX_PACKET + 1) + "-byte message: the broker refused it, code " + code);
            }
        } finally {
            disconnect(big);
        }
        return sent;
    }

    /** Publishes on the rogue gateway's own topic; 1 when the broker took it (the cloud then judges it). */
    private long publishCounted(MqttAsyncClient client, byte[] payload) {
        int code = publish(client, Topics.telemetry(ROGUE), payload);
        if (code != 0) {
            rejected.incrementAndGet();
            err.println("chaos: rejected: the broker refused a payload on the rogue gateway's own topic, code " + code);
            return 0;
        }
        return 1;
    }

    private void awaitRogueMessages(CloudIngest cloud, long expected) throws InterruptedException, DrillSteps.Aborted {
        CloudIngest.TopicCounts rogue = cloud.counts(Topics.telemetry(ROGUE));
        long deadline = System.currentTimeMillis() + 60_000;
        while (rogue.accepted.get() + rogue.deadLettered.get() < expected && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
            steps.check();
        }
        long seen = rogue.accepted.get() + rogue.deadLettered.get();
        if (seen < expected) {
            err.println("chaos: the cloud saw " + seen + " of the " + expected + " payloads the broker took");
        }
    }

    /**
     * Each tenant role reads every relation that has a {@code tenant} column for the other tenant's
     * rows, and tries to write. Every relation first gets rows of each tenant ({@link TenantRows}):
     * a read that finds nothing proves the isolation only where the owner sees rows to hide, so a
     * relation that holds none of the other tenant's rows counts as an attempt not rejected.
     */
    void crossTenantQueries(StoreOptions store) throws SQLException, StoreException {
        TenantRows.write(store, TENANTS);
        String adminUrl = store.jdbcUrl();
        // each relation, and where the owner counts its rows: a werkstrom_tenant view shows the owner
        // nothing (it is bound to no tenant), so the owner counts in the relation the view filters
        Map<String, String> relations = new TreeMap<>();
        try (Connection admin = DriverManager.getConnection(adminUrl, store.user(), store.password()); Statement owner = admin.createStatement()) {
            try (ResultSet rows = owner.executeQuery("""
                    SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname),
                           quote_ident(CASE n.nspname WHEN 'werkstrom_tenant' THEN current_schema() ELSE n.nspname END)
                               || '.' || quote_ident(c.relname)
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant' AND NOT a.attisdropped
                    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')""")) {
                while (rows.next()) {
                    relations.put(rows.getString(1), rows.getString(2));
                }
            }
            String tenantUrl = adminUrl.replaceAll("([?&])user=[^&]*&?", "$1").replaceAll("[?&]$", "");
            for (String tenant : TENANTS) {
                String role = tenant + "_reader";
                try (Connection connection = DriverManager.getConnection(tenantUrl, role, store.password());
                     Statement statement = connection.createStatement()) {
                    for (Map.Entry<String, String> relation : relations.entrySet()) {
                        attempts.incrementAndGet();
                        String others = " WHERE tenant IS DISTINCT FROM '" + tenant + "'";
                        long hidden = single(owner, "SELECT count(*) FROM " + relation.getValue() + others);
                        try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + relation.getKey() + others)) {
                            rows.next();
                            long count = rows.getLong(1);
                            if (count > 0) {
                                leaked.addAndGet(count);
                                err.println("chaos: LEAK: " + role + " read " + count + " rows of other tenants from "
                                        + relation.getKey());
                            } else if (hidden > 0) {
                                rejected.incrementAndGet();
                                err.println("chaos: rejected: " + role + " reading other tenants' rows of " + relation.getKey()
                                        + ": no rows visible of the " + hidden + " there (row-level security / tenant view)");
                            } else {
                                notChecked(role, relation.getKey());
                            }
                        } catch (SQLException e) {
                            if (hidden > 0) {
                                rejected.incrementAndGet();
                                err.println("chaos: rejected: " + role + " reading " + relation.getKey() + ": " + e.getMessage());
                            } else {
                                notChecked(role, relation.getKey());
                            }
                        }
                    }
                    for (String write : List.of("INSERT INTO telemetry (time, tenant, site, gateway, machine, sensor, value, quality) "
                                    + "VALUES (now(), '" + tenant + "', 's', 'g', 'm', 's', 1, 0)",
                            "DELETE FROM batch_ledger", "UPDATE dead_letters SET tenant = '" + tenant + "'",
                            "INSERT INTO werkstrom_tenant_roles (role_name, tenant) VALUES ('" + role + "_2', 'globex')")) {
                        attempts.incrementAndGet();
                        try {
                            statement.executeUpdate(write);
                            err.println("chaos: NOT REJECTED: " + role + " ran " + write);
                        } catch (SQLException e) {
                            rejected.incrementAndGet();
                            err.println("chaos: rejected: " + role + " writing (" + write.split(" ")[0] + "): " + e.getMessage());
                        }
                    }
                }
            }
        }
    }

    /** A relation without the other tenant's rows proves nothing: the attempt is not counted as rejected. */
    private void notChecked(String role, String relation) {
        err.println("chaos: NOT CHECKED: " + role + " reading other tenants' rows of " + relation
                + ": it holds none to hide");
    }

    /** No password of this run may appear in any process's arguments or in the broker's log. */
    private void secretsInProcessListAndLogs(MosquittoProcess broker) {
        Path proc = Path.of("/proc");
        if (!Files.isDirectory(proc)) {
            err.println("chaos: no /proc here; the process list was not searched for passwords");
            return;
        }
        List<String> hits = new ArrayList<>();
        try (var entries = Files.list(proc)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                if (!entry.getFileName().toString().chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String arguments;
                try {
                    arguments = new String(Files.readAllBytes(entry.resolve("cmdline")), StandardCharsets.UTF_8);
                } catch (java.io.IOException | SecurityException gone) {
                    continue; // the process ended, or is not ours to read
                }
                for (Map.Entry<String, String> secret : passwords.entrySet()) {
                    if (arguments.contains(secret.getValue())) {
                        hits.add("the password of " + secret.getKey() + " is in the arguments of process "
                                + entry.getFileName());
                    }
                }
            }
        } catch (java.io.IOException e) {
            err.println("chaos: could not list /proc: " + e);
        }
        String log = broker.log();
        passwords.forEach((user, password) -> {
            if (log.contains(password)) {
                hits.add("the password of " + user + " is in the broker's log");
            }
        });
        if (hits.isEmpty()) {
            err.println("chaos: no password in any process's arguments or in the broker's log");
        } else {
            hits.forEach(hit -> err.println("chaos: LEAK: " + hit));
            leaked.addAndGet(hits.size());
        }
    }

    private static MqttAsyncClient connect(String uri, String user, byte[] password) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(uri, "chaos-" + System.nanoTime(), new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setAutomaticReconnect(false);
        options.setConnectionTimeout(10);
        if (user != null) {
            options.setUserName(user);
            options.setPassword(password);
        }
        try {
            client.connect(options).waitForCompletion(10_000);
            return client;
        } catch (MqttException e) {
            client.close(true);
            throw e;
        }
    }

    /**
     * 0 when the broker took a QoS 1 publish, else the PUBACK's reason code or the client's error
     * code. The broker took it for every code below 0x80: 0x10 (no matching subscribers) is a
     * publish accepted onto a topic nobody reads yet, a forged retained state among them.
     */
    private static int publish(MqttAsyncClient client, String topic, byte[] payload) {
        for (int attempt = 0; ; attempt++) {
            try {
                IMqttToken token = client.publish(topic, payload, 1, false);
                token.waitForCompletion(10_000);
                int[] codes = token.getReasonCodes();
                return codes == null || codes.length == 0 || codes[0] < 0x80 ? 0 : codes[0];
            } catch (MqttException e) {
                // Paho frees the in-flight slot of an acknowledged message slightly after the token
                // completes; that is the client's own back-pressure, not the broker's answer.
                if (e.getReasonCode() == MqttClientException.REASON_CODE_MAX_INFLIGHT && attempt < 1_000) {
                    sleepBriefly();
                    continue;
                }
                return e.getReasonCode() == 0 ? -1 : e.getReasonCode();
            }
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void disconnect(MqttAsyncClient client) {
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
        } catch (MqttException ignored) {
            // the broker may already have dropped a client it refused
        }
        try {
            client.close(true);
        } catch (MqttException ignored) {
            // nothing left to release
        }
    }

    private static long single(Statement statement, String sql) throws SQLException {
        try (ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
