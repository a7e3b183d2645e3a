package io.werkstrom.jobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.werkstrom.analytics.detect.RobustZScoreOptions;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.analytics.remote.RemoteKernelBackend;
import io.werkstrom.jobs.StateExpiry;
import io.werkstrom.jobs.eventtime.EventTimeOptions;
import io.werkstrom.jobs.predict.RulPredictionOptions;
import io.werkstrom.jobs.sink.SinkOptions;
import io.werkstrom.jobs.source.AckMode;
import io.werkstrom.jobs.storage.MaintenanceOptions;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.WriteMethod;
import io.werkstrom.protocol.Topics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TelemetryJobOptionsTest {

    private static final String URI = "--mqtt.uri=tcp://broker:1883";
    private static final String JDBC = "--store.jdbc-url=jdbc:postgresql://db:5432/werkstrom";
    private static final String USER = "--store.user=werkstrom";

    @Test
    void theRequiredArgumentsAloneGiveTheDefaults() {
        TelemetryJobOptions options = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER});

        assertEquals("tcp://broker:1883", options.mqtt().serverUri());
        assertNull(options.mqtt().username());
        assertEquals(Topics.ALL_TELEMETRY, options.mqtt().topicFilter());
        assertEquals(TelemetryJobOptions.DEFAULT_SHARED_GROUP, options.mqtt().sharedGroup());
        assertEquals(AckMode.ON_CHECKPOINT, options.mqtt().ackMode());
        assertEquals("jdbc:postgresql://db:5432/werkstrom", options.store().jdbcUrl());
        assertEquals("", options.store().password());
        assertEquals(SinkOptions.defaults(), options.sink());
        assertEquals(1, options.parallelism());
        assertEquals(Duration.ofSeconds(3), options.checkpointInterval());
        assertTrue(options.detectorEnabled());
        assertEquals(RobustZScoreOptions.defaults(), options.detector());
        assertEquals("auto", options.kernelBackend());
        assertEquals(StateExpiry.defaults(), options.stateExpiry());
    }

    @Test
    void anArgumentOfAFeatureThatIsOffIsAcceptedWithAWarning() {
        assertEquals(List.of(), ignored(URI, JDBC, USER, "--rul.max-history=500", "--alerts.tick-interval=2s",
                "--detector.threshold=4", "--detector.bucket=2s", "--analytics.timeout=2s"), "every feature on");
        assertEquals(List.of("--rul.max-history is ignored: --rul.enabled=false turns remaining-useful-life"
                        + " prediction off.",
                "--alerts.tick-interval is ignored: --alerts.enabled=false turns alert evaluation off.",
                "--detector.threshold is ignored: --detector.enabled=false turns the robust z-score detector off.",
                "--detector.bucket is ignored: --detector.multivariate=off turns the multivariate detector off."),
                ignored(URI, JDBC, USER, "--rul.enabled=false", "--rul.max-history=500", "--alerts.enabled=false",
                        "--alerts.tick-interval=2s", "--detector.enabled=false", "--detector.threshold=4",
                        "--detector.multivariate=off", "--detector.bucket=2s", "--analytics.timeout=2s",
                        "--predict.model-refresh=30s"));
        // With the quality prediction off too, nothing reads models or runs a kernel.
        assertEquals(List.of("--predict.model-refresh is ignored: quality prediction, remaining-useful-life"
                        + " prediction and the multivariate detector, which read the models, are all off.",
                "--analytics.backend is ignored: every detector and predictor, which run the kernels, is off."),
                ignored(URI, JDBC, USER, "--rul.enabled=false", "--detector.enabled=false",
                        "--detector.multivariate=off", "--predict.enabled=false", "--predict.model-refresh=30s",
                        "--analytics.backend=java"));
    }

    private static List<String> ignored(String... args) {
        return TelemetryJobOptions.ignoredArguments(TelemetryJobOptions.fromArgs(args), args);
    }

    @Test
    void stateExpiresAfterThirtyIdleDaysByDefaultOrAsGivenOrNever() {
        assertEquals(Duration.ofDays(30), TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER})
                .stateExpiry().idleExpiry());
        assertEquals(new StateExpiry(Duration.ofDays(90)), TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--state.idle-expiry=90d"}).stateExpiry());
        for (String never : new String[] {"0", "0d", " 0 "}) {
            assertEquals(StateExpiry.NEVER, TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                    "--state.idle-expiry=" + never}).stateExpiry(), never);
        }
        IllegalArgumentException shortSpan = assertMessage(new String[] {URI, JDBC, USER, "--state.idle-expiry=30m"},
                "--state.idle-expiry is invalid: idleExpiry must be 0 (never) or at least 1h, got 30m.");
        assertTrue(shortSpan.getMessage().contains("Accepted: 0 (never) or a duration of at least 1h"),
                shortSpan.getMessage());
        assertMessage(new String[] {URI, JDBC, USER, "--state.idle-expiry=30"}, "--state.idle-expiry='30' is invalid");
        assertTrue(TelemetryJobOptions.usage().contains("--state.idle-expiry  0 (never) or a duration of at least 1h"),
                TelemetryJobOptions.usage());
    }

    @Test
    void passwordsComeFromTheEnvironmentWhenNoFileIsGiven() {
        TelemetryJobOptions options = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER},
                Map.of(TelemetryJobOptions.MQTT_PASSWORD_ENV, "from-env", TelemetryJobOptions.DB_PASSWORD_ENV, "db-env"));
        assertEquals("from-env", options.mqtt().password());
        assertEquals("db-env", options.store().password());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER, "--store.password-file=/no/such/file"}));
        assertTrue(e.getMessage().startsWith("--store.password-file="), e.getMessage());
    }

    @Test
    void everyArgumentIsParsed(@TempDir Path secrets) throws Exception {
        Path mqttSecret = Files.writeString(secrets.resolve("mqtt"), "mqtt-secret\n");
        Path dbSecret = Files.writeString(secrets.resolve("db"), "db-secret\n");
        TelemetryJobOptions options = TelemetryJobOptions.fromArgs(new String[] {
                URI, JDBC, USER,
                "--mqtt.username=job", "--mqtt.password-file=" + mqttSecret, "--mqtt.shared-group=cloud-a",
                "--mqtt.client-id-prefix=job-a", "--mqtt.topic-filter=werkstrom/v1/acme/+/+/telemetry",
                "--mqtt.ack-mode=on-receive", "--mqtt.session-expiry=2h", "--mqtt.queue-capacity=50",
                "--store.password-file=" + dbSecret, "--store.insert-chunk-rows=500", "--store.connect-timeout=30s",
                "--sink.batch-rows=100", "--sink.flush-interval=250ms", "--parallelism=4",
                "--checkpoint.interval=500ms", "--decode.max-clock-skew=5m", "--detector.enabled=false",
                "--detector.threshold=4.5", "--detector.window-size=64", "--detector.min-samples=16",
                "--detector.learning-period=0s",
                "--analytics.backend=java"});

        assertEquals("job", options.mqtt().username());
        assertEquals("mqtt-secret", options.mqtt().password());
        assertEquals("cloud-a", options.mqtt().sharedGroup());
        assertEquals("job-a-0", options.mqtt().clientId(0));
        assertEquals("werkstrom/v1/acme/+/+/telemetry", options.mqtt().topicFilter());
        assertEquals(AckMode.ON_RECEIVE, options.mqtt().ackMode());
        assertEquals(Duration.ofHours(2), options.mqtt().sessionExpiry());
        assertEquals(50, options.mqtt().queueCapacity());
        assertEquals(new StoreOptions("jdbc:postgresql://db:5432/werkstrom", "werkstrom", "db-secret", 500,
                Duration.ofSeconds(30)), options.store());
        assertEquals(new SinkOptions(100, Duration.ofMillis(250)), options.sink());
        assertEquals(4, options.parallelism());
        assertEquals(Duration.ofMillis(500), options.checkpointInterval());
        assertEquals(Duration.ofMinutes(5), options.maxClockSkew());
        assertFalse(options.detectorEnabled());
        assertEquals(4.5, options.detector().threshold());
        assertEquals(64, options.detector().windowSize());
        assertEquals(16, options.detector().minSamples());
        assertEquals(Duration.ZERO, options.detector().learningPeriod());
        assertEquals("java", options.kernelBackend());
        assertFalse(options.toString().contains("secret"), options.toString());
    }

    @Test
    void anEmptySharedGroupIsAPlainSubscriptionForOneReaderOnly() {
        TelemetryJobOptions options = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER, "--mqtt.shared-group="});
        assertEquals(Topics.ALL_TELEMETRY, options.mqtt().sharedSubscription(), "no $share/ prefix");
        assertMessage(new String[] {URI, JDBC, USER, "--mqtt.shared-group=", "--parallelism=2"}, "sharedGroup");
    }

    @Test
    void withAlertsTheClientIdPrefixAndGroupLeaveRoomForTheStatusAndEventsReaders() {
        String prefix = "p".repeat(42);
        String group = "g".repeat(58);
        assertMessage(new String[] {URI, JDBC, USER, "--mqtt.client-id-prefix=" + prefix},
                "--mqtt.client-id-prefix");
        assertMessage(new String[] {URI, JDBC, USER, "--mqtt.shared-group=" + group}, "--mqtt.shared-group");

        TelemetryJobOptions longest = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--mqtt.client-id-prefix=" + "p".repeat(41), "--mqtt.shared-group=" + "g".repeat(57)});
        for (String kind : new String[] {Topics.STATUS, Topics.EVENTS}) {
            assertEquals("p".repeat(41) + "-" + kind,
                    io.werkstrom.jobs.alert.AlertPipeline.signalSource(longest.mqtt(), kind).clientIdPrefix());
        }
        TelemetryJobOptions withoutAlerts = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--mqtt.client-id-prefix=" + prefix, "--mqtt.shared-group=" + group, "--alerts.enabled=false"});
        assertEquals(prefix, withoutAlerts.mqtt().clientIdPrefix());
    }

    @Test
    void tlsFilesAreReadWhereTheJobIsSubmittedAndCheckedByName(@TempDir Path dir) {
        try (io.werkstrom.testing.TestPki pki = io.werkstrom.testing.TestPki.create()) {
            String tlsUri = "--mqtt.uri=ssl://broker:8883";
            TelemetryJobOptions options = TelemetryJobOptions.fromArgs(new String[] {tlsUri, JDBC, USER,
                    "--mqtt.ca-file=" + pki.caCertificate(), "--mqtt.cert-file=" + pki.client().certificate(),
                    "--mqtt.key-file=" + pki.client().privateKey()});
            assertEquals(pki.caCertificate().toString(), options.mqtt().tls().ca().origin());
            assertEquals("--mqtt.key-file", options.mqtt().tls().key().option());
            assertEquals(options.mqtt().tls(), io.werkstrom.jobs.alert.AlertPipeline.signalSource(options.mqtt(),
                    Topics.STATUS).tls(), "the status and events readers use the same TLS");

            assertMessage(new String[] {tlsUri, JDBC, USER, "--mqtt.ca-file=" + dir.resolve("absent.pem")},
                    "--mqtt.ca-file: cannot read " + dir.resolve("absent.pem"));
            assertMessage(new String[] {tlsUri, JDBC, USER, "--mqtt.cert-file=" + pki.client().certificate(),
                    "--mqtt.key-file=" + pki.client().privateKey()}, "--mqtt.cert-file and --mqtt.key-file need"
                    + " --mqtt.ca-file.");
            assertMessage(new String[] {tlsUri, JDBC, USER, "--mqtt.ca-file=" + pki.caCertificate(),
                    "--mqtt.key-file=" + pki.client().privateKey()}, "--mqtt.cert-file and --mqtt.key-file go together.");
            assertMessage(new String[] {tlsUri, JDBC, USER, "--mqtt.ca-file=" + pki.client().privateKey()},
                    "--mqtt.ca-file: ");
            assertMessage(new String[] {URI, JDBC, USER, "--mqtt.ca-file=" + pki.caCertificate()},
                    "a CA file needs an ssl:// or wss:// serverUri");
        }
    }

    @Test
    void alertArgumentsAreParsedAndCheckedByName() {
        TelemetryJobOptions defaults = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER});
        assertEquals(io.werkstrom.jobs.alert.AlertOptions.defaults(), defaults.alerts());
        TelemetryJobOptions options = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--alerts.enabled=false", "--alerts.rule-reload=5s", "--alerts.tick-interval=500ms"});
        assertEquals(new io.werkstrom.jobs.alert.AlertOptions(false, java.time.Duration.ofSeconds(5),
                java.time.Duration.ofMillis(500)), options.alerts());
        assertMessage(new String[] {URI, JDBC, USER, "--alerts.tick-interval=10ms"}, "--alerts.tick-interval");
    }

    @Test
    void eventTimeArgumentsAreParsedAndTracedBack() {
        assertEquals(EventTimeOptions.defaults(),
                TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER}).eventTime());
        TelemetryJobOptions options = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--event-time.out-of-orderness=2s", "--event-time.idleness=30s", "--event-time.allowed-lateness=15m"});
        assertEquals(new EventTimeOptions(Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofMinutes(15)),
                options.eventTime());
        assertMessage(new String[] {URI, JDBC, USER, "--event-time.idleness=0s"}, "--event-time.idleness");
        assertMessage(new String[] {URI, JDBC, USER, "--event-time.allowed-lateness=late"},
                "--event-time.allowed-lateness");
        assertMessage(new String[] {URI, JDBC, USER, "--store.connect-timeout=2500ms"}, "--store.connect-timeout");
        assertEquals(Duration.ofSeconds(90), TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--event-time.refresh-interval=90s"}).eventTime().refreshInterval());
        assertMessage(new String[] {URI, JDBC, USER, "--event-time.refresh-interval=0s"}, "--event-time.refresh-interval");
        assertEquals(Duration.ofMinutes(30), EventTimeOptions.defaults().refreshTimeout());
        assertEquals(Duration.ofHours(2), TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--event-time.refresh-timeout=2h"}).eventTime().refreshTimeout());
        assertMessage(new String[] {URI, JDBC, USER, "--event-time.refresh-timeout=500ms"}, "--event-time.refresh-timeout");
        assertMessage(new String[] {URI, JDBC, USER, "--event-time.refresh-timeout=25d"}, "--event-time.refresh-timeout");
    }

    @Test
    void aRefreshTimeoutOfExactly1SecondOrOfTheDatabasesLongestStatementTimeoutIsAccepted() {
        assertEquals(Duration.ofSeconds(1), TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--event-time.refresh-timeout=1s"}).eventTime().refreshTimeout());
        Duration longest = Duration.ofMillis(io.werkstrom.jobs.storage.Connections.MAX_STATEMENT_TIMEOUT_MILLIS);
        EventTimeOptions defaults = EventTimeOptions.defaults();
        assertEquals(longest, new EventTimeOptions(defaults.outOfOrderness(), defaults.idleness(),
                defaults.allowedLateness(), defaults.refreshInterval(), longest).refreshTimeout());
        assertThrows(IllegalArgumentException.class, () -> new EventTimeOptions(defaults.outOfOrderness(),
                defaults.idleness(), defaults.allowedLateness(), defaults.refreshInterval(), longest.plusMillis(1)));
    }

    @Test
    void theMaximumSampleAgeDefaultsToTheRetentionAndIsCheckedByName() {
        assertEquals(Duration.ofDays(365), TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER}).maxSampleAge());
        assertEquals(Duration.ofDays(730), TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--decode.max-sample-age=730d", "--store.bookkeeping-keep=800d"}).maxSampleAge());
        assertEquals(Duration.ofHours(36), TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--decode.max-sample-age=36h"}).maxSampleAge());
        IllegalArgumentException zero = assertMessage(new String[] {URI, JDBC, USER, "--decode.max-sample-age=0d"},
                "--decode.max-sample-age");
        assertTrue(zero.getMessage().contains("maxSampleAge must be positive"), zero.getMessage());
        assertMessage(new String[] {URI, JDBC, USER, "--decode.max-sample-age=999999999999999d"}, "too large");
        assertTrue(TelemetryJobOptions.usage().contains("--decode.max-sample-age  a duration > 0 (e.g. 365d)"),
                TelemetryJobOptions.usage());
        assertTrue(TelemetryJobOptions.usage().contains("default 365d"), TelemetryJobOptions.usage());
    }

    @Test
    void bookkeepingIsKeptLongerThanAReplayCanBeAcceptedAndPrunedHourly() {
        TelemetryJobOptions defaults = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER});
        assertEquals(MaintenanceOptions.defaults(), defaults.maintenance());
        assertEquals(new MaintenanceOptions(Duration.ofHours(1), Duration.ofDays(400)), defaults.maintenance());
        TelemetryJobOptions tuned = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--store.maintenance-interval=15m", "--store.bookkeeping-keep=32d", "--decode.max-sample-age=30d"});
        assertEquals(new MaintenanceOptions(Duration.ofMinutes(15), Duration.ofDays(32)), tuned.maintenance());
        // Exactly age + skew + the margin is enough.
        assertEquals(Duration.ofHours(31 * 24 + 1), TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--store.bookkeeping-keep=745h", "--decode.max-sample-age=30d"}).maintenance().bookkeepingKeep());

        // A ledger row must outlast every replay the validator would still accept, with a margin
        // for the clocks of job and database.
        for (String[] args : new String[][] {
                {URI, JDBC, USER, "--decode.max-sample-age=730d"},
                {URI, JDBC, USER, "--store.bookkeeping-keep=365d"},
                {URI, JDBC, USER, "--store.bookkeeping-keep=30d", "--decode.max-sample-age=29d",
                        "--decode.max-clock-skew=1d"},
                {URI, JDBC, USER, "--store.bookkeeping-keep=31d", "--decode.max-sample-age=30d"},
                {URI, JDBC, USER, "--store.bookkeeping-keep=743h", "--decode.max-sample-age=30d",
                        "--decode.max-clock-skew=0s"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TelemetryJobOptions.fromArgs(args), String.join(" ", args));
            assertTrue(e.getMessage().contains("--store.bookkeeping-keep (") && e.getMessage().contains(
                    ") must be at least --decode.max-sample-age (") && e.getMessage().contains(
                    ") + --decode.max-clock-skew (") && e.getMessage().contains(") + a margin of 1d"),
                    e.getMessage());
        }
        assertTrue(new MaintenanceOptions(Duration.ofHours(1), Duration.ofDays(31))
                .outlastsReplays(Duration.ofDays(30), Duration.ZERO));
        assertFalse(new MaintenanceOptions(Duration.ofHours(1), Duration.ofDays(31).minusMillis(1))
                .outlastsReplays(Duration.ofDays(30), Duration.ZERO));
        IllegalArgumentException named = assertThrows(IllegalArgumentException.class,
                () -> TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER, "--decode.max-sample-age=400d"}));
        assertTrue(named.getMessage().contains("--store.bookkeeping-keep (400d) must be at least"
                + " --decode.max-sample-age (400d) + --decode.max-clock-skew (1h) + a margin of 1d"),
                named.getMessage());
        IllegalArgumentException atDefault = assertThrows(IllegalArgumentException.class,
                () -> TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER, "--sink.retry-backoff=10s"}));
        assertTrue(atDefault.getMessage().startsWith("--sink.max-retry-backoff, not given, is invalid at its default: "),
                atDefault.getMessage());
        IllegalArgumentException builder = assertThrows(IllegalArgumentException.class, () -> TelemetryJobOptions.builder()
                .mqttUri("tcp://broker:1883").store(new StoreOptions("jdbc:postgresql://db/w", "w", ""))
                .maintenance(new MaintenanceOptions(Duration.ofHours(1), Duration.ofDays(365))).build());
        assertTrue(builder.getMessage().contains("--decode.max-sample-age (365d)"), builder.getMessage());

        assertMessage(new String[] {URI, JDBC, USER, "--store.maintenance-interval=0s"}, "--store.maintenance-interval");
        assertMessage(new String[] {URI, JDBC, USER, "--store.bookkeeping-keep=0d"}, "--store.bookkeeping-keep");
        assertTrue(TelemetryJobOptions.usage().contains("--store.bookkeeping-keep  a duration of at least"
                + " --decode.max-sample-age + --decode.max-clock-skew + 1d"), TelemetryJobOptions.usage());
        assertTrue(TelemetryJobOptions.usage().contains("--store.maintenance-interval  a duration > 0"),
                TelemetryJobOptions.usage());
    }

    @Test
    void rulArgumentsAreParsedAndTracedBack() {
        assertEquals(RulPredictionOptions.defaults(), TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER}).rul());
        TelemetryJobOptions options = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--rul.enabled=false", "--rul.max-history=400", "--rul.reorder-delay=500ms",
                "--rul.max-reorder-delay=2s"});
        assertEquals(new RulPredictionOptions(false, 400, Duration.ofMillis(500), Duration.ofSeconds(2)), options.rul());
        assertMessage(new String[] {URI, JDBC, USER, "--rul.max-history=50"}, "--rul.max-history");
        assertMessage(new String[] {URI, JDBC, USER, "--rul.reorder-delay=soon"}, "--rul.reorder-delay");
        assertMessage(new String[] {URI, JDBC, USER, "--rul.reorder-delay=10s", "--rul.max-reorder-delay=5s"},
                "--rul.max-reorder-delay");
    }

    @Test
    void writeMethodWritersAndRetriesAreParsed() {
        TelemetryJobOptions options = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--store.write-method=insert", "--sink.writers=4", "--sink.queued-flushes=3",
                "--sink.retry-backoff=50ms", "--sink.max-retry-backoff=2s", "--sink.max-outage=90s"});
        assertEquals(WriteMethod.INSERT, options.store().writeMethod());
        assertEquals(new SinkOptions(SinkOptions.DEFAULT_BATCH_ROWS, SinkOptions.DEFAULT_FLUSH_INTERVAL, 4, 3,
                Duration.ofMillis(50), Duration.ofSeconds(2), Duration.ofSeconds(90)), options.sink());
        assertEquals(WriteMethod.COPY, TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER}).store().writeMethod());
        assertMessage(new String[] {URI, JDBC, USER, "--store.write-method=upsert"}, "--store.write-method");
        assertMessage(new String[] {URI, JDBC, USER, "--sink.writers=0"}, "--sink.writers");
        assertTrue(assertMessage(new String[] {URI, JDBC, USER, "--sink.max-outage=1h"}, "--sink.max-outage")
                .getMessage().contains("between 0 and 25 minutes"));
        assertMessage(new String[] {URI, JDBC, USER, "--sink.max-retry-backoff=10ms"}, "--sink.max-retry-backoff");
    }

    @Test
    void aMissingRequiredArgumentIsNamed() {
        assertMessage(new String[] {JDBC, USER}, "--mqtt.uri");
        assertMessage(new String[] {URI, USER}, "--store.jdbc-url");
        assertMessage(new String[] {URI, JDBC}, "--store.user");
    }

    @Test
    void anUnknownArgumentIsNamedWithTheAcceptedKeys() {
        IllegalArgumentException e = assertMessage(new String[] {URI, JDBC, USER, "--mqtt.url=x"}, "--mqtt.url");
        assertTrue(e.getMessage().contains("mqtt.uri"), e.getMessage());
    }

    @Test
    void aMalformedArgumentIsRefused() {
        assertMessage(new String[] {URI, JDBC, USER, "parallelism=2"}, "--key=value");
        assertMessage(new String[] {URI, JDBC, USER, "--parallelism=1", "--parallelism=2"}, "twice");
    }

    @Test
    void aBadValueNamesTheArgumentAndWhatItAccepts() {
        IllegalArgumentException ackMode = assertMessage(new String[] {URI, JDBC, USER, "--mqtt.ack-mode=later"},
                "--mqtt.ack-mode");
        assertTrue(ackMode.getMessage().contains("on-checkpoint or on-receive"), ackMode.getMessage());

        IllegalArgumentException interval = assertMessage(
                new String[] {URI, JDBC, USER, "--checkpoint.interval=soon"}, "--checkpoint.interval");
        assertTrue(interval.getMessage().contains("500ms"), interval.getMessage());

        IllegalArgumentException backend = assertMessage(new String[] {URI, JDBC, USER, "--analytics.backend=cuda"},
                "--analytics.backend");
        assertTrue(backend.getMessage().contains("auto, java"), backend.getMessage());
        // Refused here, not when every operator opens the backend and fails the job.
        assertMessage(new String[] {URI, JDBC, USER, "--analytics.backend=grpc://analytics:88150"},
                "--analytics.backend");

        assertMessage(new String[] {URI, JDBC, USER, "--parallelism=two"}, "--parallelism");
        assertMessage(new String[] {URI, JDBC, USER, "--detector.enabled=yes"}, "--detector.enabled");
    }

    @Test
    void aBrokerUriWithCredentialsIsRefusedWithoutShowingThePassword() {
        // The MQTT client would not log in with them, and the URI goes into the job's log line and
        // into the arguments Flink's REST API shows.
        IllegalArgumentException e = assertMessage(new String[] {"--mqtt.uri=tcp://werkstrom:s3cret@broker:1883", JDBC,
                USER}, "--mqtt.uri");
        assertTrue(e.getMessage().contains("--mqtt.username") && e.getMessage().contains("--mqtt.password-file")
                && e.getMessage().contains("tcp://broker:1883"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        assertMessage(new String[] {"--mqtt.uri=ssl://werkstrom@broker:8883", JDBC, USER}, "user-info");
    }

    @Test
    void aDatabaseUrlWithAPasswordIsRefusedWithoutShowingIt() {
        // The job's arguments are kept in its JobManager's configuration, which Flink's REST API shows.
        for (String url : new String[] {"jdbc:postgresql://db:5432/werkstrom?user=werkstrom&password=s3cret",
                "jdbc:postgresql://db:5432/werkstrom?sslmode=require&sslpassword=s3cret",
                "jdbc:postgresql://werkstrom:s3cret@db:5432/werkstrom"}) {
            IllegalArgumentException e = assertMessage(new String[] {URI, "--store.jdbc-url=" + url, USER},
                    "--store.jdbc-url");
            assertTrue(e.getMessage().contains("--store.password-file or WERKSTROM_DB_PASSWORD"), e.getMessage());
            assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        }
        // A client key's file is no secret of the URL's own.
        String withKey = "jdbc:postgresql://db:5432/werkstrom?sslmode=verify-full&sslkey=/run/secrets/db.key";
        assertEquals(withKey, TelemetryJobOptions.fromArgs(new String[] {URI, "--store.jdbc-url=" + withKey, USER})
                .store().jdbcUrl());
    }

    @Test
    void valuesRefusedByTheComponentOptionsAreTracedBackToTheirArgument() {
        assertMessage(new String[] {"--mqtt.uri=localhost", JDBC, USER}, "--mqtt.uri");
        assertMessage(new String[] {URI, JDBC, USER, "--mqtt.topic-filter=a/#/b"}, "--mqtt.topic-filter");
        assertMessage(new String[] {URI, JDBC, USER, "--mqtt.shared-group=Bad Group"}, "--mqtt.shared-group");
        assertMessage(new String[] {URI, "--store.jdbc-url=jdbc:mysql://db/x", USER}, "--store.jdbc-url");
        assertMessage(new String[] {URI, JDBC, USER, "--sink.batch-rows=0"}, "--sink.batch-rows");
        assertMessage(new String[] {URI, JDBC, USER, "--parallelism=0"}, "--parallelism");
        assertMessage(new String[] {URI, JDBC, USER, "--checkpoint.interval=1ms"}, "--checkpoint.interval");
        assertMessage(new String[] {URI, JDBC, USER, "--detector.window-size=1"}, "--detector.window-size");
        // MQTT counts the expiry in whole seconds: 500 ms would have become 0, a session that ends at disconnect.
        for (String expiry : new String[] {"500ms", "1500ms"}) {
            IllegalArgumentException e = assertMessage(new String[] {URI, JDBC, USER, "--mqtt.session-expiry=" + expiry},
                    "--mqtt.session-expiry");
            assertTrue(e.getMessage().contains("must be a whole number of seconds"), e.getMessage());
        }
        assertMessage(new String[] {URI, JDBC, USER, "--store.connect-timeout=2500ms"}, "--store.connect-timeout");
        assertEquals(Duration.ofSeconds(90), TelemetryJobOptions.fromArgs(
                new String[] {URI, JDBC, USER, "--mqtt.session-expiry=90000ms"}).mqtt().sessionExpiry());
    }

    @Test
    void multivariateArgumentsAreParsedAndCheckedByName() {
        TelemetryJobOptions defaults = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER});
        assertEquals(io.werkstrom.jobs.detect.MultivariateOptions.defaults(), defaults.multivariate());
        assertEquals(io.werkstrom.jobs.detect.MultivariateOptions.Method.MSET, defaults.multivariate().method());

        TelemetryJobOptions options = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--detector.multivariate=PCA", "--detector.training-states=120", "--detector.bucket=500ms"});
        assertEquals(io.werkstrom.jobs.detect.MultivariateOptions.Method.PCA, options.multivariate().method());
        assertEquals(120, options.multivariate().trainingStates());
        assertEquals(Duration.ofMillis(500), options.multivariate().bucket());
        assertFalse(TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER, "--detector.multivariate=off"})
                .multivariate().enabled());

        IllegalArgumentException method = assertMessage(
                new String[] {URI, JDBC, USER, "--detector.multivariate=ica"}, "--detector.multivariate");
        assertTrue(method.getMessage().contains("mset, pca or off"), method.getMessage());
        assertMessage(new String[] {URI, JDBC, USER, "--detector.training-states=3"}, "--detector.training-states");
        assertMessage(new String[] {URI, JDBC, USER, "--detector.training-states=many"}, "--detector.training-states");
        assertMessage(new String[] {URI, JDBC, USER, "--detector.bucket=2h"}, "--detector.bucket");
        assertTrue(TelemetryJobOptions.usage().contains("--detector.multivariate"));

        TelemetryJobOptions capped = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--detector.max-machines=50", "--detector.max-sensors=16", "--detector.max-pending-states=0"});
        assertEquals(50, capped.multivariate().maxMachines());
        assertEquals(16, capped.multivariate().maxSensors());
        assertEquals(0, capped.multivariate().maxPendingStates());
        assertEquals(io.werkstrom.jobs.detect.MultivariateOptions.DEFAULT_MAX_MACHINES,
                defaults.multivariate().maxMachines());
        assertMessage(new String[] {URI, JDBC, USER, "--detector.max-machines=0"}, "--detector.max-machines");
        assertMessage(new String[] {URI, JDBC, USER, "--detector.max-sensors=1"}, "--detector.max-sensors");
        assertMessage(new String[] {URI, JDBC, USER, "--detector.max-pending-states=-1"},
                "--detector.max-pending-states");
    }

    @Test
    void theBuilderTakesComponentOptionsDirectly() {
        StoreOptions store = new StoreOptions("jdbc:postgresql://localhost/db", "u", "");
        TelemetryJobOptions options = TelemetryJobOptions.builder()
                .mqttUri("tcp://localhost:1883")
                .store(store)
                .checkpointInterval(Duration.ofMillis(500))
                .build();

        assertEquals(store, options.store());
        assertThrows(IllegalArgumentException.class, () -> TelemetryJobOptions.builder().store(store).build());
    }

    @Test
    void theAnalyticsDeadlineReachesARemoteBackendAndIsCheckedByName() {
        TelemetryJobOptions defaults = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER});
        assertEquals(TelemetryJobOptions.DEFAULT_ANALYTICS_TIMEOUT, defaults.analyticsTimeout());
        assertEquals(defaults.kernelBackend(), defaults.kernelBackendWithTimeout(), "in-process: no deadline");

        TelemetryJobOptions remote = TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--analytics.backend=grpc://analytics:8815", "--analytics.timeout=1500ms"});
        assertEquals(Duration.ofMillis(1500), remote.analyticsTimeout());
        assertEquals("grpc://analytics:8815", remote.kernelBackend());
        assertEquals("grpc://analytics:8815?timeout_ms=1500", remote.kernelBackendWithTimeout());
        try (KernelBackend backend = KernelBackends.select(remote.kernelBackendWithTimeout())) {
            assertEquals(1500, ((RemoteKernelBackend) backend).timeoutMillis(), "the backend uses that deadline");
        }

        // An address's own deadline would be replaced by --analytics.timeout: refused, not ignored.
        IllegalArgumentException e = assertMessage(new String[] {URI, JDBC, USER,
                "--analytics.backend=grpc://analytics:8815?timeout_ms=20000"}, "--analytics.backend");
        assertTrue(e.getMessage().contains("--analytics.timeout"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TelemetryJobOptions.builder()
                .mqttUri("tcp://localhost:1883").store(new StoreOptions("jdbc:postgresql://localhost/db", "u", ""))
                .kernelBackend("grpc://analytics:8815?timeout_ms=20000").build());
        assertTrue(e.getMessage().contains("--analytics.timeout"), e.getMessage());

        assertMessage(new String[] {URI, JDBC, USER, "--analytics.timeout=50ms"}, "--analytics.timeout");
        assertMessage(new String[] {URI, JDBC, USER, "--analytics.timeout=1h"}, "--analytics.timeout");
        assertTrue(TelemetryJobOptions.usage().contains("--analytics.timeout"));
    }

    @Test
    void usageListsEveryArgument() {
        String usage = TelemetryJobOptions.usage();

        for (String key : new String[] {"--mqtt.uri", "--store.jdbc-url", "--checkpoint.interval", "--analytics.backend"}) {
            assertTrue(usage.contains(key), usage);
        }
    }

    @Test
    void aDurationTooLargeToCountIsRefusedByName() {
        for (String option : List.of("--decode.max-sample-age", "--decode.max-clock-skew", "--sink.flush-interval",
                "--sink.retry-backoff", "--alerts.rule-reload", "--alerts.tick-interval")) {
            IllegalArgumentException e = assertMessage(new String[] {URI, JDBC, USER, option + "=999999999999d"},
                    "duration is too large (at most 106751d)");
            assertTrue(e.getMessage().startsWith(option), e.getMessage());
        }
        assertEquals(Duration.ofDays(106_751), TelemetryJobOptions.fromArgs(new String[] {URI, JDBC, USER,
                "--store.maintenance-interval=106751d"}).maintenance().interval());
    }

    private static IllegalArgumentException assertMessage(String[] args, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TelemetryJobOptions.fromArgs(args));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        return e;
    }
}
