package io.werkstrom.jobs.job;

import static io.werkstrom.jobs.Durations.format;

import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.werkstrom.analytics.detect.RobustZScoreOptions;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.jobs.StateExpiry;
import io.werkstrom.jobs.alert.AlertOptions;
import io.werkstrom.jobs.detect.MultivariateOptions;
import io.werkstrom.jobs.eventtime.EventTimeOptions;
import io.werkstrom.jobs.predict.RulPredictionOptions;
import io.werkstrom.jobs.sink.SinkOptions;
import io.werkstrom.jobs.source.AckMode;
import io.werkstrom.jobs.source.MqttSourceBuilder;
import io.werkstrom.jobs.source.MqttSourceOptions;
import io.werkstrom.jobs.storage.JdbcUrls;
import io.werkstrom.jobs.storage.MaintenanceOptions;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.WriteMethod;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.Topics;
import io.werkstrom.protocol.tls.PemTls;

/**
 * Everything {@link TelemetryJob} needs, validated. Build with {@link #builder()} or parse command
 * line arguments with {@link #fromArgs}; {@link #usage()} lists every argument with its default.
 *
 * @param mqtt               the MQTT source: broker, credentials, shared group, client ids, topic filter, acks
 * @param store              the database
 * @param sink               when the store writers flush (they also flush on every checkpoint)
 * @param parallelism        parallelism of every operator
 * @param checkpointInterval how often Flink checkpoints; with {@link AckMode#ON_CHECKPOINT} also how often
 *                           MQTT messages are acknowledged
 * @param maxClockSkew       how far in the future a sample's timestamp may lie before its batch is rejected
 * @param maxSampleAge       how far before receipt a sample's timestamp may lie before its batch is rejected;
 *                           keep it within the database's retention, which deletes older samples
 * @param detectorEnabled    whether batches are scored for anomalies
 * @param detector           the robust z-score detector's settings
 * @param kernelBackend      kernel backend for the detector and the quality and RUL predictors, one of {@link KernelBackends#CHOICES}
 * @param analyticsTimeout   the longest one kernel call on a remote analytics service may take
 * @param predictionEnabled  whether production cycles get a predicted scrap probability (needs a model in {@code models})
 * @param modelRefresh       how often the job reads the {@code models} table again for new versions
 * @param alerts             alert rule evaluation (rules in {@code alert_rules})
 * @param eventTime          per-gateway watermarks, the allowed lateness (late data is stored all the same and
 *                           its aggregates refreshed) and, on plain PostgreSQL, the aggregates' refresh interval
 * @param rul                remaining-useful-life prediction per machine cycle (needs a model in {@code models})
 * @param multivariate       the multivariate detector per machine (MSET or PCA on machine states), or off
 * @param maintenance        how often and after how long the bookkeeping tables are pruned; the rows must be kept
 *                           longer than {@code maxSampleAge} + {@code maxClockSkew}
 * @param stateExpiry        how long the detectors' and predictors' keyed state of a gateway or machine that sends
 *                           nothing is kept
 */
public record TelemetryJobOptions(
        MqttSourceOptions mqtt,
        StoreOptions store,
        SinkOptions sink,
        int parallelism,
        Duration checkpointInterval,
        Duration maxClockSkew,
        Duration maxSampleAge,
        boolean detectorEnabled,
        RobustZScoreOptions detector,
        String kernelBackend,
        Duration analyticsTimeout,
        boolean predictionEnabled,
        Duration modelRefresh,
        AlertOptions alerts,
        EventTimeOptions eventTime,
        RulPredictionOptions rul,
        MultivariateOptions multivariate,
        MaintenanceOptions maintenance,
        StateExpiry stateExpiry) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Environment variable with the MQTT password, when no --mqtt.password-file is given. */
    public static final String MQTT_PASSWORD_ENV = "WERKSTROM_MQTT_PASSWORD";
    /** Environment variable with the database password, when no --store.password-file is given. */
    public static final String DB_PASSWORD_ENV = "WERKSTROM_DB_PASSWORD";

    public static final String DEFAULT_SHARED_GROUP = "werkstrom-telemetry";
    public static final String DEFAULT_CLIENT_ID_PREFIX = "werkstrom-telemetry";
    public static final int DEFAULT_PARALLELISM = 1;
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(3);
    public static final Duration DEFAULT_MAX_CLOCK_SKEW = BatchValidator.DEFAULT_MAX_CLOCK_SKEW;
    /** The TimescaleDB schema's retention: older samples would be deleted after they were stored. */
    public static final Duration DEFAULT_MAX_SAMPLE_AGE = BatchValidator.DEFAULT_MAX_SAMPLE_AGE;
    public static final Duration DEFAULT_MODEL_REFRESH = Duration.ofMinutes(1);
    /** A few seconds: a hung analytics service delays a batch's analytics briefly, not the job. */
    public static final Duration DEFAULT_ANALYTICS_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration MIN_ANALYTICS_TIMEOUT = Duration.ofMillis(100);
    public static final Duration MAX_ANALYTICS_TIMEOUT = Duration.ofMinutes(10);
    /** Flink refuses checkpoint intervals below 10 ms. */
    public static final Duration MIN_CHECKPOINT_INTERVAL = Duration.ofMillis(10);

    /** The longest suffix the status and events readers add to the client id prefix and the shared group. */
    private static final int SIGNAL_SUFFIX = Math.max(Topics.STATUS.length(), Topics.EVENTS.length()) + 1;

    /**
     * The status and events readers connect as {@code {prefix}-status-{i}} and {@code {prefix}-events-{i}},
     * in the groups {@code {group}-status} and {@code {group}-events}: the prefix and the group must
     * leave room for the suffix within their own bounds.
     */
    private static void requireRoomForSignalReaders(MqttSourceOptions mqtt) {
        int maxPrefix = MqttSourceOptions.MAX_CLIENT_ID_PREFIX - SIGNAL_SUFFIX;
        if (mqtt.clientIdPrefix().length() > maxPrefix) {
            throw new IllegalArgumentException("--mqtt.client-id-prefix '" + mqtt.clientIdPrefix() + "' has "
                    + mqtt.clientIdPrefix().length() + " characters; with alerts on it may have at most " + maxPrefix
                    + ", since the status and events readers add '-" + Topics.STATUS + "' and '-" + Topics.EVENTS + "'.");
        }
        int maxGroup = 64 - SIGNAL_SUFFIX; // a group is a topic segment (GatewayAddress.SEGMENT) of at most 64
        if (mqtt.sharedGroup().length() > maxGroup) {
            throw new IllegalArgumentException("--mqtt.shared-group '" + mqtt.sharedGroup() + "' has "
                    + mqtt.sharedGroup().length() + " characters; with alerts on it may have at most " + maxGroup
                    + ", since the status and events readers add '-" + Topics.STATUS + "' and '-" + Topics.EVENTS + "'.");
        }
    }

    public TelemetryJobOptions {
        Objects.requireNonNull(mqtt, "mqtt must not be null.");
        Objects.requireNonNull(store, "store must not be null.");
        Objects.requireNonNull(sink, "sink must not be null.");
        Objects.requireNonNull(detector, "detector must not be null.");
        Objects.requireNonNull(alerts, "alerts must not be null.");
        Objects.requireNonNull(eventTime, "eventTime must not be null.");
        Objects.requireNonNull(rul, "rul must not be null.");
        Objects.requireNonNull(multivariate, "multivariate must not be null.");
        Objects.requireNonNull(maintenance, "maintenance must not be null.");
        Objects.requireNonNull(stateExpiry, "stateExpiry must not be null.");
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism + ".");
        }
        if (mqtt.sharedGroup().isEmpty() && parallelism != 1) {
            // Without a shared subscription every reader would receive every message.
            throw new IllegalArgumentException("sharedGroup may be empty (a plain subscription) only with parallelism 1, got "
                    + parallelism + ".");
        }
        if (alerts.enabled()) {
            requireRoomForSignalReaders(mqtt);
        }
        if (checkpointInterval == null || checkpointInterval.compareTo(MIN_CHECKPOINT_INTERVAL) < 0) {
            throw new IllegalArgumentException("checkpointInterval must be at least " + MIN_CHECKPOINT_INTERVAL.toMillis()
                    + " ms, got " + checkpointInterval + ".");
        }
        if (maxClockSkew == null || maxClockSkew.isNegative()) {
            throw new IllegalArgumentException("maxClockSkew must not be negative, got " + maxClockSkew + ".");
        }
        if (maxSampleAge == null || maxSampleAge.isNegative() || maxSampleAge.isZero()) {
            throw new IllegalArgumentException("maxSampleAge must be positive, got " + maxSampleAge + ".");
        }
        if (!maintenance.outlastsReplays(maxSampleAge, maxClockSkew)) {
            // A ledger row is all that keeps a replayed batch from being stored twice, as long as
            // the validator would still accept the replay.
            throw new IllegalArgumentException("--store.bookkeeping-keep (" + format(maintenance.bookkeepingKeep())
                    + ") must be at least --decode.max-sample-age (" + format(maxSampleAge)
                    + ") + --decode.max-clock-skew (" + format(maxClockSkew) + ") + a margin of "
                    + format(MaintenanceOptions.CLOCK_MARGIN) + " for the clocks of job and database: a batch"
                    + " received within age + skew can still be replayed and accepted, and only its row in"
                    + " batch_ledger keeps it from being stored twice. Raise --store.bookkeeping-keep or lower"
                    + " --decode.max-sample-age.");
        }
        if (modelRefresh == null || modelRefresh.isNegative() || modelRefresh.isZero()) {
            throw new IllegalArgumentException("modelRefresh must be positive, got " + modelRefresh + ".");
        }
        if (!KernelBackends.isValid(kernelBackend)) {
            throw new IllegalArgumentException("kernelBackend must be one of " + KernelBackends.CHOICES
                    + " or an analytics service address grpc://host:port, got "
                    + (kernelBackend == null ? "null" : "'" + kernelBackend + "'") + ".");
        }
        if (carriesQuery(kernelBackend)) {
            throw new IllegalArgumentException("kernelBackend must be grpc://host:port without a query, got '"
                    + kernelBackend + "': the job's call deadline is analyticsTimeout (--analytics.timeout).");
        }
        if (analyticsTimeout == null || analyticsTimeout.compareTo(MIN_ANALYTICS_TIMEOUT) < 0
                || analyticsTimeout.compareTo(MAX_ANALYTICS_TIMEOUT) > 0) {
            throw new IllegalArgumentException("analyticsTimeout must be between 100ms and 10m, got " + analyticsTimeout
                    + ".");
        }
    }

    /**
     * The kernel backend as the operators acquire it: {@link #kernelBackend()}, an analytics
     * service address with the call deadline {@link #analyticsTimeout()} ({@link KernelBackends#withTimeout}).
     */
    public String kernelBackendWithTimeout() {
        return KernelBackends.withTimeout(kernelBackend, analyticsTimeout);
    }

    /**
     * The longest the job itself lets a task thread wait, and with it a checkpoint: a write through
     * an outage (twice {@link SinkOptions#maxOutage()}, as its last attempt may run a statement of
     * that bound), one refresh of late data ({@link EventTimeOptions#refreshTimeout()}) or one call
     * to a remote analytics service ({@link #analyticsTimeout()}).
     */
    public Duration longestBoundedWait() {
        Duration wait = sink.maxOutage().multipliedBy(2);
        if (eventTime.refreshTimeout().compareTo(wait) > 0) {
            wait = eventTime.refreshTimeout();
        }
        return analyticsTimeout.compareTo(wait) > 0 ? analyticsTimeout : wait;
    }

    /**
     * How many checkpoints in a row may expire after {@code checkpointTimeout} without failing the
     * job: as many as {@link #longestBoundedWait()} spans. A wait within its bound then delays the
     * checkpoints instead of failing the job, which would only repeat the same wait after the
     * restart (a refresh of late data is committed again from the restored checkpoint); a wait past
     * its bound fails the job by itself.
     */
    public int tolerableCheckpointExpirations(Duration checkpointTimeout) {
        if (checkpointTimeout.isZero() || checkpointTimeout.isNegative()) {
            throw new IllegalArgumentException("checkpointTimeout must be positive, got " + checkpointTimeout + ".");
        }
        long millis = checkpointTimeout.toMillis();
        return (int) Math.min(Integer.MAX_VALUE, (longestBoundedWait().toMillis() + millis - 1) / millis);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Parses {@code --key=value} arguments (see {@link #usage()}). Throws
     * {@link IllegalArgumentException} naming the first unknown, malformed or missing argument and
     * what it accepts.
     */
    public static TelemetryJobOptions fromArgs(String[] args) {
        return fromArgs(args, System.getenv());
    }

    /**
     * As {@link #fromArgs(String[])}, with passwords not given as files taken from {@code env}
     * ({@value #MQTT_PASSWORD_ENV}, {@value #DB_PASSWORD_ENV}). Secrets are never command-line
     * values, so that they stay out of the process list.
     */
    public static TelemetryJobOptions fromArgs(String[] args, Map<String, String> env) {
        Builder builder = builder();
        builder.mqttPassword = env.get(MQTT_PASSWORD_ENV);
        builder.storePassword = env.getOrDefault(DB_PASSWORD_ENV, "");
        List<String> seen = new ArrayList<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || arg.indexOf('=') < 0) {
                throw new IllegalArgumentException("argument '" + arg + "' must look like --key=value; accepted keys: "
                        + acceptedKeys());
            }
            String key = arg.substring(2, arg.indexOf('='));
            String value = arg.substring(arg.indexOf('=') + 1);
            Argument argument = ARGUMENTS.get(key);
            if (argument == null) {
                throw new IllegalArgumentException("unknown argument --" + key + "; accepted keys: "
                        + acceptedKeys());
            }
            if (seen.contains(key)) {
                throw new IllegalArgumentException("argument --" + key + " is given twice.");
            }
            seen.add(key);
            try {
                argument.apply.accept(builder, value);
            } catch (IllegalArgumentException e) {
                // A value quoted with the secrets a URL may carry masked (a database URL's password).
                throw new IllegalArgumentException("--" + key + "='" + JdbcUrls.redacted(value) + "' is invalid: "
                        + e.getMessage()
                        + " Accepted: " + argument.accepts + ".", e);
            }
        }
        for (Map.Entry<String, Argument> entry : ARGUMENTS.entrySet()) {
            if (entry.getValue().required && !seen.contains(entry.getKey())) {
                throw new IllegalArgumentException("missing required argument --" + entry.getKey() + " ("
                        + entry.getValue().accepts + ").");
            }
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            List<String> named = new ArrayList<>();
            for (Map.Entry<String, Argument> entry : ARGUMENTS.entrySet()) {
                if (message.startsWith(entry.getValue().field + " ")) {
                    if (seen.contains(entry.getKey())) {
                        throw new IllegalArgumentException("--" + entry.getKey() + " is invalid: " + message
                                + " Accepted: " + entry.getValue().accepts + ".", e);
                    }
                    named.add(entry.getKey());
                }
            }
            if (named.size() == 1) {
                // An option left at its default that another one given no longer fits.
                String key = named.get(0);
                throw new IllegalArgumentException("--" + key + ", not given, is invalid at its default: " + message
                        + " Accepted: " + ARGUMENTS.get(key).accepts + ".", e);
            }
            throw new IllegalArgumentException("invalid arguments: " + message, e);
        }
    }

    /**
     * Warnings for the arguments in {@code args} that {@code options} (parsed from them) does not
     * use, since the feature they tune is off: e.g. {@code --rul.max-history} with
     * {@code --rul.enabled=false}. They are accepted, so that a script may switch a feature off and
     * on again without editing its other arguments, but not silently.
     */
    public static List<String> ignoredArguments(TelemetryJobOptions options, String[] args) {
        boolean modelsRead = options.predictionEnabled() || options.rul().enabled() || options.multivariate().enabled();
        boolean kernelsRun = modelsRead || options.detectorEnabled();
        List<String> warnings = new ArrayList<>();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            String key = arg.startsWith("--") && equals > 2 ? arg.substring(2, equals) : "";
            String off = null;
            if (!options.detectorEnabled() && List.of("detector.threshold", "detector.window-size",
                    "detector.min-samples", "detector.learning-period").contains(key)) {
                off = "--detector.enabled=false turns the robust z-score detector off";
            } else if (!options.multivariate().enabled() && List.of("detector.training-states", "detector.bucket",
                    "detector.max-machines", "detector.max-sensors", "detector.max-pending-states").contains(key)) {
                off = "--detector.multivariate=off turns the multivariate detector off";
            } else if (!options.rul().enabled() && key.startsWith("rul.") && !key.equals("rul.enabled")) {
                off = "--rul.enabled=false turns remaining-useful-life prediction off";
            } else if (!options.alerts().enabled() && key.startsWith("alerts.") && !key.equals("alerts.enabled")) {
                off = "--alerts.enabled=false turns alert evaluation off";
            } else if (!modelsRead && key.equals("predict.model-refresh")) {
                off = "quality prediction, remaining-useful-life prediction and the multivariate detector, which"
                        + " read the models, are all off";
            } else if (!kernelsRun && key.startsWith("analytics.")) {
                off = "every detector and predictor, which run the kernels, is off";
            }
            if (off != null) {
                warnings.add("--" + key + " is ignored: " + off + ".");
            }
        }
        return warnings;
    }

    private static String acceptedKeys() {
        return "--" + String.join(", --", ARGUMENTS.keySet());
    }

    /** One line per argument: key, what it accepts, default. */
    public static String usage() {
        StringBuilder text = new StringBuilder("Arguments (--key=value):\n");
        ARGUMENTS.forEach((key, argument) -> text.append("  --").append(key).append("  ").append(argument.accepts)
                .append(argument.required ? " (required)" : "").append('\n'));
        return text.toString();
    }

    /**
     * @param field the name the options records use for this value in their validation messages,
     *              so that a message from {@link Builder#build()} can be traced back to the argument
     */
    private record Argument(boolean required, String field, String accepts, BiConsumer<Builder, String> apply) {
    }

    private static final Map<String, Argument> ARGUMENTS = new LinkedHashMap<>();

    static {
        ARGUMENTS.put("mqtt.uri", new Argument(true, "serverUri", "broker URI, e.g. tcp://localhost:1883 (schemes "
                + MqttSourceOptions.SCHEMES + "), without user:password@ (--mqtt.username, --mqtt.password-file)", (b, v) -> b.mqttUri(v)));
        ARGUMENTS.put("mqtt.username", new Argument(false, "username", "MQTT user name; default none", (b, v) -> b.mqttUsername = v));
        ARGUMENTS.put("mqtt.password-file", new Argument(false, "password", "a file whose first line is the MQTT password; "
                + "default: the environment variable " + MQTT_PASSWORD_ENV + ", else none", (b, v) -> b.mqttPassword = readSecret(v)));
        ARGUMENTS.put("mqtt.ca-file", new Argument(false, "caFile", "a PEM file with the CA certificate(s) the broker's"
                + " certificate must chain to, with an ssl:// or wss:// URI; read here and sent with the job; default:"
                + " the JVM's trust store", (b, v) -> b.mqttCaFile = Path.of(v)));
        ARGUMENTS.put("mqtt.cert-file", new Argument(false, "certFile", "a PEM client certificate for brokers that"
                + " require one, with --mqtt.key-file and --mqtt.ca-file", (b, v) -> b.mqttCertFile = Path.of(v)));
        ARGUMENTS.put("mqtt.key-file", new Argument(false, "keyFile", "the client certificate's unencrypted PKCS#8 key"
                + " (BEGIN PRIVATE KEY)", (b, v) -> b.mqttKeyFile = Path.of(v)));
        ARGUMENTS.put("mqtt.shared-group", new Argument(false, "group", "shared-subscription group, lower-case letters, digits, "
                + "'-' and '_', at most 57 characters with alerts on, or empty for a plain subscription "
                + "(parallelism 1 only); default " + DEFAULT_SHARED_GROUP,
                (b, v) -> b.sharedGroup(v)));
        ARGUMENTS.put("mqtt.client-id-prefix", new Argument(false, "clientIdPrefix", "client id prefix matching "
                + MqttSourceOptions.CLIENT_ID_PREFIX.pattern() + ", at most 41 characters with alerts on; default "
                + DEFAULT_CLIENT_ID_PREFIX,
                (b, v) -> b.clientIdPrefix(v)));
        ARGUMENTS.put("mqtt.topic-filter", new Argument(false, "topicFilter", "MQTT topic filter; default " + Topics.ALL_TELEMETRY,
                (b, v) -> b.topicFilter(v)));
        ARGUMENTS.put("mqtt.ack-mode", new Argument(false, "ackMode", "on-checkpoint or on-receive; default on-checkpoint",
                (b, v) -> b.ackMode(parseEnum(AckMode.class, v))));
        ARGUMENTS.put("mqtt.session-expiry", new Argument(false, "sessionExpiry", "a whole number of seconds as a duration (30s, 5m, 1h); default "
                + format(MqttSourceBuilder.DEFAULT_SESSION_EXPIRY), (b, v) -> b.sessionExpiry(parseDuration(v))));
        ARGUMENTS.put("mqtt.queue-capacity", new Argument(false, "queueCapacity", "an integer >= 1; default "
                + MqttSourceBuilder.DEFAULT_QUEUE_CAPACITY, (b, v) -> b.queueCapacity(parseInt(v))));
        ARGUMENTS.put("store.jdbc-url", new Argument(true, "jdbcUrl", "a jdbc:postgresql: URL without a password",
                (b, v) -> b.jdbcUrl = withoutPassword(v)));
        ARGUMENTS.put("store.user", new Argument(true, "user", "database user", (b, v) -> b.storeUser = v));
        ARGUMENTS.put("store.password-file", new Argument(false, "password", "a file whose first line is the database "
                + "password; default: the environment variable " + DB_PASSWORD_ENV + ", else empty",
                (b, v) -> b.storePassword = readSecret(v)));
        ARGUMENTS.put("store.insert-chunk-rows", new Argument(false, "insertChunkRows", "an integer between 1 and "
                + StoreOptions.MAX_INSERT_CHUNK_ROWS + "; default " + StoreOptions.DEFAULT_INSERT_CHUNK_ROWS,
                (b, v) -> b.insertChunkRows = parseInt(v)));
        ARGUMENTS.put("store.connect-timeout", new Argument(false, "connectTimeout", "a duration; default "
                + format(StoreOptions.DEFAULT_CONNECT_TIMEOUT), (b, v) -> b.connectTimeout = parseDuration(v)));
        ARGUMENTS.put("store.write-method", new Argument(false, "writeMethod", "copy (binary COPY) or insert (multi-row"
                + " INSERT, for servers or poolers without COPY FROM STDIN); default " + StoreOptions.DEFAULT_WRITE_METHOD.optionValue(),
                (b, v) -> b.writeMethod = parseEnum(WriteMethod.class, v)));
        ARGUMENTS.put("store.maintenance-interval", new Argument(false, "interval", "a duration > 0; how often the job"
                + " prunes the bookkeeping tables (batch_ledger, sequence_gaps, dead_letters), the first time a"
                + " minute after it starts (or one interval, if shorter); default " + format(MaintenanceOptions.DEFAULT_INTERVAL),
                (b, v) -> b.maintenanceInterval = parseDuration(v)));
        ARGUMENTS.put("store.bookkeeping-keep", new Argument(false, "bookkeepingKeep", "a duration of at least"
                + " --decode.max-sample-age + --decode.max-clock-skew + " + format(MaintenanceOptions.CLOCK_MARGIN)
                + "; bookkeeping rows received longer ago are"
                + " pruned (a gateway's newest batch_ledger row stays); default "
                + format(MaintenanceOptions.DEFAULT_BOOKKEEPING_KEEP), (b, v) -> b.bookkeepingKeep = parseDuration(v)));
        ARGUMENTS.put("state.idle-expiry", new Argument(false, "idleExpiry", "0 (never) or a duration of at least "
                + format(StateExpiry.MIN_IDLE_EXPIRY) + "; the detectors' and predictors' state of a gateway (or"
                + " machine) that sent nothing for this long is dropped, and it learns anew when it comes back;"
                + " default " + format(StateExpiry.DEFAULT_IDLE_EXPIRY),
                (b, v) -> b.idleExpiry = v.trim().equals("0") ? Duration.ZERO : parseDuration(v)));
        ARGUMENTS.put("sink.writers", new Argument(false, "writers", "database connections per telemetry sink subtask, 1..64;"
                + " default " + SinkOptions.DEFAULT_WRITERS, (b, v) -> b.sinkWriters = parseInt(v)));
        ARGUMENTS.put("sink.queued-flushes", new Argument(false, "queuedFlushes", "full buffers that may wait per connection"
                + " before the sink blocks, >= 1; default " + SinkOptions.DEFAULT_QUEUED_FLUSHES,
                (b, v) -> b.sinkQueuedFlushes = parseInt(v)));
        ARGUMENTS.put("sink.retry-backoff", new Argument(false, "retryBackoff", "first wait after a transient database"
                + " failure, doubled per retry; default " + format(SinkOptions.DEFAULT_RETRY_BACKOFF),
                (b, v) -> b.sinkRetryBackoff = parseDuration(v)));
        ARGUMENTS.put("sink.max-retry-backoff", new Argument(false, "maxRetryBackoff", "longest wait between retries; default "
                + format(SinkOptions.DEFAULT_MAX_RETRY_BACKOFF), (b, v) -> b.sinkMaxRetryBackoff = parseDuration(v)));
        ARGUMENTS.put("sink.max-outage", new Argument(false, "maxOutage", "how long a write retries before the job fails"
                + " and restarts from its checkpoint, at most "
                + format(SinkOptions.MAX_OUTAGE_LIMIT) + "; default "
                + format(SinkOptions.DEFAULT_MAX_OUTAGE), (b, v) -> b.sinkMaxOutage = parseDuration(v)));
        ARGUMENTS.put("sink.batch-rows", new Argument(false, "batchRows", "an integer >= 1; default " + SinkOptions.DEFAULT_BATCH_ROWS,
                (b, v) -> b.sinkBatchRows = parseInt(v)));
        ARGUMENTS.put("sink.flush-interval", new Argument(false, "flushInterval", "a duration; default "
                + format(SinkOptions.DEFAULT_FLUSH_INTERVAL), (b, v) -> b.sinkFlushInterval = parseDuration(v)));
        ARGUMENTS.put("parallelism", new Argument(false, "parallelism", "an integer >= 1; default " + DEFAULT_PARALLELISM,
                (b, v) -> b.parallelism(parseInt(v))));
        ARGUMENTS.put("checkpoint.interval", new Argument(false, "checkpointInterval", "a duration >= 10ms; default "
                + format(DEFAULT_CHECKPOINT_INTERVAL), (b, v) -> b.checkpointInterval(parseDuration(v))));
        ARGUMENTS.put("decode.max-clock-skew", new Argument(false, "maxClockSkew", "a duration; default "
                + format(DEFAULT_MAX_CLOCK_SKEW), (b, v) -> b.maxClockSkew(parseDuration(v))));
        ARGUMENTS.put("decode.max-sample-age", new Argument(false, "maxSampleAge", "a duration > 0 (e.g. 365d); older"
                + " samples make their batch a dead letter. Raise it only together with the database's retention, which"
                + " deletes older samples (on TimescaleDB the job refuses to start with an age beyond the retention"
                + " policy of telemetry or anomalies); default " + format(DEFAULT_MAX_SAMPLE_AGE),
                (b, v) -> b.maxSampleAge(parseDuration(v))));
        ARGUMENTS.put("predict.enabled", new Argument(false, "predictionEnabled", "true or false; default true",
                (b, v) -> b.predictionEnabled(parseBoolean(v))));
        ARGUMENTS.put("predict.model-refresh", new Argument(false, "modelRefresh", "a duration like 60s; default "
                + DEFAULT_MODEL_REFRESH.toSeconds() + "s", (b, v) -> b.modelRefresh(parseDuration(v))));
        ARGUMENTS.put("rul.enabled", new Argument(false, "enabled", "true or false; default true",
                (b, v) -> b.rulEnabled = parseBoolean(v)));
        ARGUMENTS.put("rul.max-history", new Argument(false, "maxHistory", "cycles kept per machine, "
                + RulPredictionOptions.MIN_MAX_HISTORY + ".." + RulPredictionOptions.MAX_MAX_HISTORY + "; default "
                + RulPredictionOptions.DEFAULT_MAX_HISTORY, (b, v) -> b.rulMaxHistory = parseInt(v)));
        ARGUMENTS.put("rul.reorder-delay", new Argument(false, "reorderDelay", "a duration; how long a machine's cycle"
                + " waits for its other samples and earlier cycles; default "
                + format(RulPredictionOptions.DEFAULT_REORDER_DELAY), (b, v) -> b.rulReorderDelay = parseDuration(v)));
        ARGUMENTS.put("rul.max-reorder-delay", new Argument(false, "maxReorderDelay", "a duration, at least "
                + "rul.reorder-delay; how far a machine's reorder delay may grow (it doubles whenever the machine's "
                + "samples come later than it allowed); default " + format(RulPredictionOptions.DEFAULT_MAX_REORDER_DELAY),
                (b, v) -> b.rulMaxReorderDelay = parseDuration(v)));
        ARGUMENTS.put("event-time.out-of-orderness", new Argument(false, "outOfOrderness", "a duration; how far behind "
                + "a gateway's newest sample its others may arrive; default " + format(EventTimeOptions.DEFAULT_OUT_OF_ORDERNESS),
                (b, v) -> b.outOfOrderness = parseDuration(v)));
        ARGUMENTS.put("event-time.idleness", new Argument(false, "idleness", "a duration > 0; a gateway silent this long "
                + "no longer holds the watermark back; default " + format(EventTimeOptions.DEFAULT_IDLENESS),
                (b, v) -> b.idleness = parseDuration(v)));
        ARGUMENTS.put("event-time.allowed-lateness", new Argument(false, "allowedLateness", "a duration; data later "
                + "than this behind the watermark (or received over an hour after it was measured) is stored and its"
                + " aggregate buckets refreshed by the job; default "
                + format(EventTimeOptions.DEFAULT_ALLOWED_LATENESS), (b, v) -> b.allowedLateness = parseDuration(v)));
        ARGUMENTS.put("event-time.refresh-interval", new Argument(false, "refreshInterval", "a duration > 0; on plain "
                + "PostgreSQL, how often at most the aggregate views are refreshed for on-time data; default "
                + format(EventTimeOptions.DEFAULT_REFRESH_INTERVAL), (b, v) -> b.refreshInterval = parseDuration(v)));
        ARGUMENTS.put("event-time.refresh-timeout", new Argument(false, "refreshTimeout", "a duration >= 1s; a refresh"
                + " of the aggregates that runs (or waits for a lock) this long is cancelled, one whose answer does not"
                + " come 5s later is given up, and both are retried as failed refreshes are; default "
                + format(EventTimeOptions.DEFAULT_REFRESH_TIMEOUT), (b, v) -> b.refreshTimeout = parseDuration(v)));
        ARGUMENTS.put("detector.enabled", new Argument(false, "detectorEnabled", "true or false; default true",
                (b, v) -> b.detectorEnabled(parseBoolean(v))));
        ARGUMENTS.put("detector.threshold", new Argument(false, "threshold", "a number > 0; default "
                + RobustZScoreOptions.defaults().threshold(), (b, v) -> b.detectorThreshold = parseDouble(v)));
        ARGUMENTS.put("detector.window-size", new Argument(false, "windowSize", "an integer between 2 and "
                + RobustZScoreOptions.MAX_WINDOW_SIZE + "; default " + RobustZScoreOptions.defaults().windowSize(),
                (b, v) -> b.detectorWindowSize = parseInt(v)));
        ARGUMENTS.put("detector.min-samples", new Argument(false, "minSamples", "an integer between 1 and the window size; default "
                + RobustZScoreOptions.defaults().minSamples(), (b, v) -> b.detectorMinSamples = parseInt(v)));
        ARGUMENTS.put("detector.learning-period", new Argument(false, "learningPeriod", "a duration (0s scores from "
                + "min-samples on); default " + format(RobustZScoreOptions.defaults().learningPeriod()),
                (b, v) -> b.detectorLearningPeriod = parseDuration(v)));
        ARGUMENTS.put("detector.multivariate", new Argument(false, "multivariate", "mset, pca or off: the model of each"
                + " machine's sensor states; default " + MultivariateOptions.defaults().method().optionValue(),
                (b, v) -> b.multivariateMethod = MultivariateOptions.Method.parse(v)));
        ARGUMENTS.put("detector.training-states", new Argument(false, "trainingStates", "an integer between "
                + MultivariateOptions.MIN_TRAINING_STATES + " and " + MultivariateOptions.MAX_TRAINING_STATES
                + ": a machine's first states, its window of normal operation; default "
                + MultivariateOptions.DEFAULT_TRAINING_STATES, (b, v) -> b.multivariateTrainingStates = parseInt(v)));
        ARGUMENTS.put("detector.bucket", new Argument(false, "bucket", "a duration between 10ms and 1h: the time step"
                + " of a machine state; default " + format(MultivariateOptions.DEFAULT_BUCKET),
                (b, v) -> b.multivariateBucket = parseDuration(v)));
        ARGUMENTS.put("detector.max-machines", new Argument(false, "maxMachines", "an integer between 1 and "
                + MultivariateOptions.MAX_MAX_MACHINES + ": machines per gateway in the multivariate detector, the"
                + " samples of further ones are not assembled; default " + MultivariateOptions.DEFAULT_MAX_MACHINES,
                (b, v) -> b.multivariateMaxMachines = parseInt(v)));
        ARGUMENTS.put("detector.max-sensors", new Argument(false, "maxSensors", "an integer between 2 and "
                + MultivariateOptions.MAX_MAX_SENSORS + ": sensors per machine in the multivariate detector, the"
                + " samples of further ones are not assembled; default " + MultivariateOptions.DEFAULT_MAX_SENSORS,
                (b, v) -> b.multivariateMaxSensors = parseInt(v)));
        ARGUMENTS.put("detector.max-pending-states", new Argument(false, "maxPendingStates", "an integer between 0"
                + " and " + MultivariateOptions.MAX_MAX_PENDING_STATES + ": states per machine kept for the next"
                + " scoring call when one fails, the oldest beyond are dropped; default "
                + MultivariateOptions.DEFAULT_MAX_PENDING_STATES,
                (b, v) -> b.multivariateMaxPendingStates = parseInt(v)));
        ARGUMENTS.put("analytics.backend", new Argument(false, "kernelBackend", "one of " + String.join(", ", KernelBackends.CHOICES)
                + ", or grpc://host:port of an analytics service (remote mode)"
                + "; default " + KernelBackends.AUTO, (b, v) -> b.kernelBackend(parseChoice(v))));
        ARGUMENTS.put("analytics.timeout", new Argument(false, "analyticsTimeout", "a duration between 100ms and 10m:"
                + " the longest one kernel call on the analytics service may take (remote mode); default "
                + format(DEFAULT_ANALYTICS_TIMEOUT), (b, v) -> b.analyticsTimeout(parseDuration(v))));
        ARGUMENTS.put("alerts.enabled", new Argument(false, "enabled", "true or false; default true",
                (b, v) -> b.alertsEnabled = parseBoolean(v)));
        ARGUMENTS.put("alerts.rule-reload", new Argument(false, "ruleReload", "a duration >= 100ms; default "
                + format(AlertOptions.DEFAULT_RULE_RELOAD), (b, v) -> b.alertRuleReload = parseDuration(v)));
        ARGUMENTS.put("alerts.tick-interval", new Argument(false, "tickInterval", "a duration >= 100ms; default "
                + format(AlertOptions.DEFAULT_TICK_INTERVAL), (b, v) -> b.alertTickInterval = parseDuration(v)));
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    /** The longest duration taken: one whose nanoseconds fit a long, as the job counts some of them. */
    private static final Duration MAX_DURATION = Duration.ofNanos(Long.MAX_VALUE);

    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 365d}. */
    static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration like 500ms, 30s, 5m, 1h or 365d.");
        }
        long amount;
        try {
            amount = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("duration is too large.", e);
        }
        Duration duration;
        try {
            duration = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("duration is too large.", e);
        }
        if (duration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("duration is too large (at most " + MAX_DURATION.toDays() + "d).");
        }
        return duration;
    }

    /** The first line of a secret file, without its line end. */
    static String readSecret(String file) {
        try {
            String text = java.nio.file.Files.readString(java.nio.file.Path.of(file), java.nio.charset.StandardCharsets.UTF_8);
            int end = text.indexOf('\n');
            return (end < 0 ? text : text.substring(0, end)).strip();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read the file: " + e.getMessage() + ".", e);
        }
    }

    private static int parseInt(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an integer.", e);
        }
    }

    private static double parseDouble(String text) {
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number.", e);
        }
    }

    private static boolean parseBoolean(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("not true or false.");
        };
    }

    private static String parseChoice(String text) {
        if (!KernelBackends.isValid(text)) {
            throw new IllegalArgumentException("not a known backend (auto, java, or grpc://host:port of an analytics service).");
        }
        if (carriesQuery(text)) {
            // One source of truth for the deadline: a timeout_ms here would be replaced by --analytics.timeout.
            throw new IllegalArgumentException("an analytics service address takes no query here; set the call"
                    + " deadline with --analytics.timeout.");
        }
        String choice = text.trim();
        return choice.startsWith("grpc://") ? choice : choice.toLowerCase(Locale.ROOT);
    }

    /**
     * The job's database URL, refused when it carries a password: the job's arguments are kept in
     * its JobManager's configuration, which Flink's REST API and web UI show (an application
     * cluster's {@code $internal.application.program-args}), so the password goes in a file or the
     * environment instead.
     */
    private static String withoutPassword(String url) {
        if (JdbcUrls.carriesPassword(url)) {
            throw new IllegalArgumentException("'" + JdbcUrls.redacted(url) + "' carries a password, which the job's"
                    + " arguments would show in Flink's REST API and web UI; give it with --store.password-file or "
                    + DB_PASSWORD_ENV + " instead.");
        }
        return url;
    }

    /** Whether {@code backend} is an analytics service address with a query ({@code ?timeout_ms=N}). */
    private static boolean carriesQuery(String backend) {
        String address = backend.trim();
        return address.startsWith("grpc://") && address.contains("?");
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String text) {
        try {
            return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a known " + type.getSimpleName() + ".", e);
        }
    }

    /** Collects options; {@link #build()} validates them. Not thread-safe. */
    public static final class Builder {
        private String mqttUri;
        private String mqttUsername;
        private String mqttPassword;
        private Path mqttCaFile;
        private Path mqttCertFile;
        private Path mqttKeyFile;
        private String sharedGroup = DEFAULT_SHARED_GROUP;
        private String clientIdPrefix = DEFAULT_CLIENT_ID_PREFIX;
        private String topicFilter = Topics.ALL_TELEMETRY;
        private AckMode ackMode = MqttSourceBuilder.DEFAULT_ACK_MODE;
        private Duration sessionExpiry = MqttSourceBuilder.DEFAULT_SESSION_EXPIRY;
        private int queueCapacity = MqttSourceBuilder.DEFAULT_QUEUE_CAPACITY;
        private StoreOptions store;
        private String jdbcUrl;
        private String storeUser;
        private String storePassword = "";
        private int insertChunkRows = StoreOptions.DEFAULT_INSERT_CHUNK_ROWS;
        private Duration connectTimeout = StoreOptions.DEFAULT_CONNECT_TIMEOUT;
        private SinkOptions sink;
        private int sinkBatchRows = SinkOptions.DEFAULT_BATCH_ROWS;
        private Duration sinkFlushInterval = SinkOptions.DEFAULT_FLUSH_INTERVAL;
        private WriteMethod writeMethod = StoreOptions.DEFAULT_WRITE_METHOD;
        private int sinkWriters = SinkOptions.DEFAULT_WRITERS;
        private int sinkQueuedFlushes = SinkOptions.DEFAULT_QUEUED_FLUSHES;
        private Duration sinkRetryBackoff = SinkOptions.DEFAULT_RETRY_BACKOFF;
        private Duration sinkMaxRetryBackoff = SinkOptions.DEFAULT_MAX_RETRY_BACKOFF;
        private Duration sinkMaxOutage = SinkOptions.DEFAULT_MAX_OUTAGE;
        private int parallelism = DEFAULT_PARALLELISM;
        private Duration checkpointInterval = DEFAULT_CHECKPOINT_INTERVAL;
        private Duration maxClockSkew = DEFAULT_MAX_CLOCK_SKEW;
        private Duration maxSampleAge = DEFAULT_MAX_SAMPLE_AGE;
        private boolean detectorEnabled = true;
        private boolean predictionEnabled = true;
        private Duration modelRefresh = DEFAULT_MODEL_REFRESH;
        private RobustZScoreOptions detector;
        private Double detectorThreshold;
        private Integer detectorWindowSize;
        private Integer detectorMinSamples;
        private Duration detectorLearningPeriod;
        private String kernelBackend = KernelBackends.AUTO;
        private Duration analyticsTimeout = DEFAULT_ANALYTICS_TIMEOUT;
        private AlertOptions alerts;
        private boolean alertsEnabled = true;
        private Duration alertRuleReload = AlertOptions.DEFAULT_RULE_RELOAD;
        private Duration alertTickInterval = AlertOptions.DEFAULT_TICK_INTERVAL;
        private EventTimeOptions eventTime;
        private Duration outOfOrderness = EventTimeOptions.DEFAULT_OUT_OF_ORDERNESS;
        private Duration idleness = EventTimeOptions.DEFAULT_IDLENESS;
        private Duration allowedLateness = EventTimeOptions.DEFAULT_ALLOWED_LATENESS;
        private Duration refreshInterval = EventTimeOptions.DEFAULT_REFRESH_INTERVAL;
        private Duration refreshTimeout = EventTimeOptions.DEFAULT_REFRESH_TIMEOUT;
        private RulPredictionOptions rul;
        private boolean rulEnabled = true;
        private int rulMaxHistory = RulPredictionOptions.DEFAULT_MAX_HISTORY;
        private Duration rulReorderDelay = RulPredictionOptions.DEFAULT_REORDER_DELAY;
        private Duration rulMaxReorderDelay = RulPredictionOptions.DEFAULT_MAX_REORDER_DELAY;
        private MultivariateOptions multivariate;
        private MultivariateOptions.Method multivariateMethod;
        private Integer multivariateTrainingStates;
        private Duration multivariateBucket;
        private Integer multivariateMaxMachines;
        private Integer multivariateMaxSensors;
        private Integer multivariateMaxPendingStates;
        private MaintenanceOptions maintenance;
        private Duration maintenanceInterval = MaintenanceOptions.DEFAULT_INTERVAL;
        private Duration bookkeepingKeep = MaintenanceOptions.DEFAULT_BOOKKEEPING_KEEP;
        private Duration idleExpiry = StateExpiry.DEFAULT_IDLE_EXPIRY;

        private Builder() {
        }

        /** The broker; required. */
        public Builder mqttUri(String uri) {
            this.mqttUri = uri;
            return this;
        }

        public Builder mqttCredentials(String username, String password) {
            this.mqttUsername = username;
            this.mqttPassword = password;
            return this;
        }

        public Builder sharedGroup(String group) {
            this.sharedGroup = group;
            return this;
        }

        public Builder clientIdPrefix(String prefix) {
            this.clientIdPrefix = prefix;
            return this;
        }

        public Builder topicFilter(String filter) {
            this.topicFilter = filter;
            return this;
        }

        public Builder ackMode(AckMode mode) {
            this.ackMode = mode;
            return this;
        }

        public Builder sessionExpiry(Duration expiry) {
            this.sessionExpiry = expiry;
            return this;
        }

        public Builder queueCapacity(int capacity) {
            this.queueCapacity = capacity;
            return this;
        }

        /** The database; required (or {@code --store.jdbc-url} and {@code --store.user}). */
        public Builder store(StoreOptions options) {
            this.store = options;
            return this;
        }

        public Builder sink(SinkOptions options) {
            this.sink = options;
            return this;
        }

        public Builder parallelism(int parallelism) {
            this.parallelism = parallelism;
            return this;
        }

        public Builder checkpointInterval(Duration interval) {
            this.checkpointInterval = interval;
            return this;
        }

        public Builder maxClockSkew(Duration skew) {
            this.maxClockSkew = skew;
            return this;
        }

        /** How old a sample may be when it arrives; default {@link #DEFAULT_MAX_SAMPLE_AGE}. */
        public Builder maxSampleAge(Duration age) {
            this.maxSampleAge = age;
            return this;
        }

        public Builder predictionEnabled(boolean enabled) {
            this.predictionEnabled = enabled;
            return this;
        }

        public Builder modelRefresh(Duration refresh) {
            this.modelRefresh = refresh;
            return this;
        }

        public Builder detectorEnabled(boolean enabled) {
            this.detectorEnabled = enabled;
            return this;
        }

        public Builder detector(RobustZScoreOptions options) {
            this.detector = options;
            return this;
        }

        public Builder kernelBackend(String backend) {
            this.kernelBackend = backend;
            return this;
        }

        /** The longest one remote kernel call may take; default {@link #DEFAULT_ANALYTICS_TIMEOUT}. */
        public Builder analyticsTimeout(Duration timeout) {
            this.analyticsTimeout = timeout;
            return this;
        }

        public Builder alerts(AlertOptions options) {
            this.alerts = options;
            return this;
        }

        /** Watermarks and lateness; default {@link EventTimeOptions#defaults()}. */
        public Builder eventTime(EventTimeOptions options) {
            this.eventTime = options;
            return this;
        }

        public Builder rul(RulPredictionOptions options) {
            this.rul = options;
            return this;
        }

        /** The multivariate detector; default {@link MultivariateOptions#defaults()}. */
        public Builder multivariate(MultivariateOptions options) {
            this.multivariate = options;
            return this;
        }

        /** Pruning of the bookkeeping tables; default {@link MaintenanceOptions#defaults()}. */
        public Builder maintenance(MaintenanceOptions options) {
            this.maintenance = options;
            return this;
        }

        /**
         * How long the keyed state of a gateway or machine that sends nothing is kept; zero: for as
         * long as the job runs. Default {@link StateExpiry#DEFAULT_IDLE_EXPIRY}.
         */
        public Builder stateIdleExpiry(Duration expiry) {
            this.idleExpiry = expiry;
            return this;
        }

        /** @throws IllegalArgumentException naming the first missing or invalid option */
        public TelemetryJobOptions build() {
            if (mqttUri == null) {
                throw new IllegalArgumentException("mqttUri is required (--mqtt.uri).");
            }
            if (mqttCaFile == null && (mqttCertFile != null || mqttKeyFile != null)) {
                throw new IllegalArgumentException("--mqtt.cert-file and --mqtt.key-file need --mqtt.ca-file.");
            }
            // Read here, where the job is submitted: the TaskManagers need not have the files.
            PemTls tls = mqttCaFile == null ? null : PemTls.read("--mqtt.", mqttCaFile, mqttCertFile, mqttKeyFile);
            MqttSourceOptions mqtt = new MqttSourceOptions(mqttUri, mqttUsername, mqttPassword, sharedGroup, topicFilter,
                    clientIdPrefix, ackMode, sessionExpiry, queueCapacity, MqttSourceBuilder.DEFAULT_CONNECTION_TIMEOUT,
                    MqttSourceBuilder.DEFAULT_KEEP_ALIVE, tls);
            StoreOptions storeOptions = store;
            if (storeOptions == null) {
                if (jdbcUrl == null || storeUser == null) {
                    throw new IllegalArgumentException("store is required (--store.jdbc-url and --store.user).");
                }
                storeOptions = new StoreOptions(jdbcUrl, storeUser, storePassword, insertChunkRows, connectTimeout,
                        writeMethod);
            }
            SinkOptions sinkOptions = sink != null ? sink : new SinkOptions(sinkBatchRows, sinkFlushInterval, sinkWriters,
                    sinkQueuedFlushes, sinkRetryBackoff, sinkMaxRetryBackoff, sinkMaxOutage);
            RobustZScoreOptions detectorOptions = detector != null ? detector : RobustZScoreOptions.defaults();
            if (detectorThreshold != null || detectorWindowSize != null || detectorMinSamples != null
                    || detectorLearningPeriod != null) {
                RobustZScoreOptions.Builder tuned = detectorOptions.toBuilder();
                if (detectorThreshold != null) {
                    tuned.threshold(detectorThreshold);
                }
                if (detectorWindowSize != null) {
                    tuned.windowSize(detectorWindowSize);
                }
                if (detectorMinSamples != null) {
                    tuned.minSamples(detectorMinSamples);
                }
                if (detectorLearningPeriod != null) {
                    tuned.learningPeriod(detectorLearningPeriod);
                }
                detectorOptions = tuned.build();
            }
            MultivariateOptions multivariateOptions = multivariate != null ? multivariate : MultivariateOptions.defaults();
            if (multivariateMethod != null || multivariateTrainingStates != null || multivariateBucket != null
                    || multivariateMaxMachines != null || multivariateMaxSensors != null
                    || multivariateMaxPendingStates != null) {
                multivariateOptions = new MultivariateOptions(
                        multivariateMethod != null ? multivariateMethod : multivariateOptions.method(),
                        multivariateTrainingStates != null ? multivariateTrainingStates : multivariateOptions.trainingStates(),
                        multivariateBucket != null ? multivariateBucket : multivariateOptions.bucket(),
                        multivariateOptions.carryForward(), multivariateOptions.repeatAfter(),
                        multivariateOptions.confirmStates(),
                        multivariateMaxMachines != null ? multivariateMaxMachines : multivariateOptions.maxMachines(),
                        multivariateMaxSensors != null ? multivariateMaxSensors : multivariateOptions.maxSensors(),
                        multivariateMaxPendingStates != null ? multivariateMaxPendingStates
                                : multivariateOptions.maxPendingStates());
            }
            EventTimeOptions eventTimeOptions = eventTime != null ? eventTime
                    : new EventTimeOptions(outOfOrderness, idleness, allowedLateness, refreshInterval,
                            refreshTimeout);
            return new TelemetryJobOptions(mqtt, storeOptions, sinkOptions, parallelism, checkpointInterval, maxClockSkew,
                    maxSampleAge, detectorEnabled, detectorOptions, kernelBackend, analyticsTimeout, predictionEnabled,
                    modelRefresh,
                    alerts != null ? alerts : new AlertOptions(alertsEnabled, alertRuleReload, alertTickInterval),
                    eventTimeOptions, rul != null ? rul : new RulPredictionOptions(rulEnabled, rulMaxHistory, rulReorderDelay,
                            rulMaxReorderDelay),
                    multivariateOptions,
                    maintenance != null ? maintenance : new MaintenanceOptions(maintenanceInterval, bookkeepingKeep),
                    new StateExpiry(idleExpiry));
        }
    }
}
