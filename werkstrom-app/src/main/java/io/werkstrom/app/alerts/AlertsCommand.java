package io.werkstrom.app.alerts;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import io.werkstrom.app.Secrets;
import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.StopSignal;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.jobs.Durations;
import io.werkstrom.jobs.alert.AlertService;
import io.werkstrom.jobs.alert.notify.NotifierOptions;
import io.werkstrom.jobs.alert.notify.SmtpOptions;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.tls.PemSslContexts.Pem;
import io.werkstrom.protocol.tls.PemTls;

/**
 * {@code ./werkstrom alerts}: runs the {@link AlertService} (notifications and acknowledgements)
 * against an external broker and database until stopped. Secrets come from files or the
 * environment, never from the command line.
 */
public final class AlertsCommand {

    /** Environment variable naming the tenant token file, when --tokens-file is not given. */
    public static final String TOKENS_FILE_ENV = "WERKSTROM_ALERT_TOKENS_FILE";

    /**
     * How long a stop (SIGTERM, Ctrl-C) waits for the service to close: the notifier's attempt in
     * flight (its timeout, 10 s by default) and MQTT's quiesce (5 s), with room to spare. Whatever
     * stops the process must allow at least this long before it kills it (a container's stop grace
     * period): a notification sent but not yet recorded would be sent again.
     */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(45);

    private static final SecureRandom RANDOM = new SecureRandom();

    private AlertsCommand() {
    }

    public static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse("alerts", argv, Set.of("broker", "mqtt-username", "mqtt-password-file", "mqtt-ca-file", "mqtt-cert-file",
                "mqtt-key-file", "jdbc-url", "user",
                "password-file", "http-host", "http-port", "http-cert-file", "http-key-file", "tokens-file",
                "smtp-host", "smtp-port", "smtp-from",
                "smtp-security", "smtp-username", "smtp-password-file", "smtp-ca-file",
                "max-attempts", "initial-backoff", "max-backoff", "retain-resolved", "group"), Set.of());
        AlertService.Options options;
        try {
            StoreOptions store = new StoreOptions(args.required("jdbc-url"), args.string("user", "postgres"),
                    Secrets.fromFileOrEnv(args.string("password-file", null), "WERKSTROM_DB_PASSWORD"));
            String tokens = args.string("tokens-file", System.getenv(TOKENS_FILE_ENV));
            NotifierOptions defaults = NotifierOptions.defaults();
            Duration retainResolved = args.nonNegativeDuration("retain-resolved", defaults.retainResolved());
            if (retainResolved.compareTo(NotifierOptions.MAX_RETAIN_RESOLVED) > 0) {
                throw new IllegalArgumentException("--retain-resolved must be at most "
                        + NotifierOptions.MAX_RETAIN_RESOLVED.toDays() + "d, got '" + args.string("retain-resolved", null)
                        + "'");
            }
            Duration initialBackoff = args.duration("initial-backoff", defaults.initialBackoff());
            Duration maxBackoff = args.duration("max-backoff", defaults.maxBackoff());
            requireAtMostMaxBackoff(args, "initial-backoff", initialBackoff);
            requireAtMostMaxBackoff(args, "max-backoff", maxBackoff);
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("--max-backoff must not be shorter than --initial-backoff, got '"
                        + args.string("max-backoff", Durations.format(defaults.maxBackoff())) + "' and '"
                        + args.string("initial-backoff", Durations.format(defaults.initialBackoff())) + "'");
            }
            NotifierOptions notifier = new NotifierOptions(args.positiveInt("max-attempts", defaults.maxAttempts()),
                    initialBackoff, maxBackoff, defaults.pollInterval(), defaults.batchSize(),
                    defaults.lease(), defaults.timeout(),
                    retainResolved);
            SmtpOptions smtp = smtp(args, notifier);
            // The shared subscription's group: checked now, not after the broker connection is made.
            String group = GatewayAddress.requireSegment("--group", args.string("group", AlertService.DEFAULT_GROUP));
            String mqttUser = args.string("mqtt-username", null);
            if (mqttUser == null && args.string("mqtt-password-file", null) != null) {
                throw new IllegalArgumentException("--mqtt-password-file needs --mqtt-username (without it the service"
                        + " would connect anonymously)");
            }
            options = new AlertService.Options(store, args.required("broker"), mqttUser,
                    mqttUser == null ? null : Secrets.fromFileOrEnv(args.string("mqtt-password-file", null), "WERKSTROM_MQTT_PASSWORD"),
                    mqttTls(args),
                    clientId(group), group,
                    // The port opens for acknowledgements (a token file), or for /health alone when asked for.
                    tokens != null || args.string("http-port", null) != null || args.string("http-host", null) != null
                            ? new InetSocketAddress(args.string("http-host", "0.0.0.0"), args.port("http-port", 8088))
                            : null,
                    tokens == null ? null : Path.of(tokens), httpsFile(args, "http-cert-file"),
                    httpsFile(args, "http-key-file"), smtp, notifier, System.getenv(),
                    AlertService.DEFAULT_STATEMENT_TIMEOUT, AlertService.DEFAULT_MQTT_CONNECTION_TIMEOUT);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new UsageException("alerts: " + e.getMessage());
        }
        // The JVM exits when the hooks end: a stop waits for the service to close (a sent notification
        // recorded, MQTT disconnected cleanly), but not for good.
        try (StopSignal stop = StopSignal.install("alerts", CLOSE_TIMEOUT)) {
            try (AlertService service = AlertService.start(options)) {
                String http = service.httpPort() < 0 ? "; no HTTP port (--tokens-file, or --http-port for /health alone)"
                        : (args.string("http-cert-file", null) == null ? "; HTTP port " : "; HTTPS port ")
                        + service.httpPort() + (options.tokensFile() == null ? " (/health only: no --tokens-file)" : "");
                err.println("alert service running: acknowledgements on MQTT"
                        + (options.tokensFile() == null ? "" : " and HTTP") + http + "; Ctrl-C stops it");
                stop.await();
                err.println("alert service stopping");
            }
            err.println("alert service stopped");
        }
        return 0;
    }

    /**
     * The service's MQTT client id: its group, its process id and a random part. Services in
     * containers all run as process 1, and a broker keeps only the latest connection of a client id:
     * with the process id alone, two services would end each other's connection, reconnect and end it
     * again, for good.
     */
    static String clientId(String group) {
        return group + "-" + ProcessHandle.current().pid() + "-" + HexFormat.of().toHexDigits(RANDOM.nextInt());
    }

    /** {@code --http-cert-file} or {@code --http-key-file}, read now, or null. */
    private static Pem httpsFile(Args args, String option) {
        String file = args.string(option, null);
        return file == null ? null : Pem.read("--" + option, Path.of(file));
    }

    /** TLS for the broker from {@code --mqtt-ca-file} (and a client certificate), or null without it. */
    private static PemTls mqttTls(Args args) {
        String ca = args.string("mqtt-ca-file", null);
        String cert = args.string("mqtt-cert-file", null);
        String key = args.string("mqtt-key-file", null);
        if (ca == null) {
            if (cert != null || key != null) {
                throw new IllegalArgumentException("--mqtt-cert-file and --mqtt-key-file need --mqtt-ca-file");
            }
            return null;
        }
        return PemTls.read("--mqtt-", Path.of(ca), cert == null ? null : Path.of(cert), key == null ? null : Path.of(key));
    }

    /** A retry time beyond {@link NotifierOptions#MAX_BACKOFF} could leave the database's range. */
    private static void requireAtMostMaxBackoff(Args args, String key, Duration backoff) {
        if (backoff.compareTo(NotifierOptions.MAX_BACKOFF) > 0) {
            throw new IllegalArgumentException("--" + key + " must be at most " + NotifierOptions.MAX_BACKOFF.toDays()
                    + "d, got '" + args.string(key, null) + "'");
        }
    }

    /**
     * The mail server, or null without {@code --smtp-host}. The port defaults by security: 25 (none),
     * 587 (starttls), 465 (tls). The password comes from {@code --smtp-password-file} or
     * {@code WERKSTROM_SMTP_PASSWORD}.
     */
    private static SmtpOptions smtp(Args args, NotifierOptions notifier) {
        String host = args.string("smtp-host", null);
        if (host == null) {
            for (String option : List.of("smtp-from", "smtp-security", "smtp-username", "smtp-password-file",
                    "smtp-ca-file", "smtp-port")) {
                if (args.string(option, null) != null) {
                    throw new IllegalArgumentException("--" + option + " needs --smtp-host");
                }
            }
            return null;
        }
        SmtpOptions.Security security = SmtpOptions.Security.parse(args.string("smtp-security", "none"));
        int defaultPort = switch (security) {
            case NONE -> 25;
            case STARTTLS -> 587;
            case TLS -> 465;
        };
        String username = args.string("smtp-username", null);
        if (username == null && args.string("smtp-password-file", null) != null) {
            throw new IllegalArgumentException("--smtp-password-file needs --smtp-username");
        }
        char[] password = username == null ? null
                : Secrets.fromFileOrEnv(args.string("smtp-password-file", null), "WERKSTROM_SMTP_PASSWORD").toCharArray();
        String caFile = args.string("smtp-ca-file", null);
        return new SmtpOptions(host, args.port("smtp-port", defaultPort), args.required("smtp-from"), security,
                username, password, caFile == null ? null : Path.of(caFile), notifier.timeout());
    }
}
