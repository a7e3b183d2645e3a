package io.werkstrom.app.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;

import com.hivemq.configuration.service.InternalConfigurations;
import com.hivemq.embedded.EmbeddedHiveMQ;

import io.werkstrom.protocol.net.FreePorts;

/**
 * An MQTT 5 broker inside this JVM (HiveMQ Community Edition, embedded) listening on loopback, for
 * the demo. Its configuration, data and extension folders live under a directory the caller owns.
 * Closing it stops the broker.
 */
public final class EmbeddedBroker implements AutoCloseable {

    /** Messages the broker queues per session (a reader of the job) before it drops new ones. */
    static final long MAX_QUEUED_MESSAGES = 100_000;
    /**
     * Unacknowledged QoS 1 messages the broker sends one client. The job acknowledges only after a
     * checkpoint, so a reader's throughput is at most this many messages per checkpoint interval;
     * HiveMQ's built-in 50 capped the pipeline at 50 batches per second.
     */
    static final int MAX_INFLIGHT_MESSAGES = 1_000;

    private static final String DROPPED_MESSAGES = "com.hivemq.messages.dropped.count";

    private final EmbeddedHiveMQ hivemq;
    private final int port;

    private EmbeddedBroker(EmbeddedHiveMQ hivemq, int port) {
        this.hivemq = hivemq;
        this.port = port;
    }

    /** Starts a broker on {@code port} (0 picks a free one), keeping its files below {@code workDir}. */
    public static EmbeddedBroker start(Path workDir, int port) throws IOException {
        return start(workDir, port, null);
    }

    /**
     * Starts a broker that admits only the users of {@code passwords} (user name to password) and
     * applies the rules of {@code compose/mosquitto/acl} (see {@link BrokerAccessControl}); with
     * {@code null}, an open broker as {@link #start(Path, int)} starts.
     */
    public static EmbeddedBroker start(Path workDir, int port, java.util.Map<String, String> passwords)
            throws IOException {
        return port == 0 ? start(workDir, FreePorts::freePort, passwords) : launch(workDir, port, passwords);
    }

    /**
     * Starts a broker on a port from {@code ports}, and on the next one when another process took the
     * port before the broker bound it ({@link FreePorts#startOnFreePort}).
     */
    static EmbeddedBroker start(Path workDir, IntSupplier ports, java.util.Map<String, String> passwords)
            throws IOException {
        try {
            return FreePorts.startOnFreePort(ports, chosen -> {
                try {
                    return launch(workDir, chosen, passwords);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * HiveMQ's config.xml for a listener on {@code port}, its numbers in ASCII digits under every
     * default locale: an Arabic or Persian one would write them in its own digits, which are not
     * XML numbers.
     */
    static String configXml(int port) {
        return String.format(Locale.ROOT, """
                <?xml version="1.0"?>
                <hivemq>
                    <listeners>
                        <tcp-listener>
                            <port>%d</port>
                            <bind-address>127.0.0.1</bind-address>
                        </tcp-listener>
                    </listeners>
                    <mqtt>
                        <queued-messages>
                            <!-- HiveMQ's default of 1000 queued messages per session would drop
                                 telemetry (after acknowledging it to the gateway) whenever the job
                                 falls behind for a few seconds. -->
                            <max-queue-size>%d</max-queue-size>
                            <strategy>discard</strategy>
                        </queued-messages>
                    </mqtt>
                    <persistence>
                        <mode>in-memory</mode>
                    </persistence>
                    <anonymous-usage-statistics>
                        <enabled>false</enabled>
                    </anonymous-usage-statistics>
                </hivemq>
                """, port, MAX_QUEUED_MESSAGES);
    }

    private static EmbeddedBroker launch(Path workDir, int chosen, java.util.Map<String, String> passwords)
            throws IOException {
        Path config = Files.createDirectories(workDir.resolve("config"));
        Path data = Files.createDirectories(workDir.resolve("data"));
        Path extensions = Files.createDirectories(workDir.resolve("extensions"));
        Files.writeString(config.resolve("config.xml"), configXml(chosen));
        // Not in config.xml: HiveMQ CE reads its in-flight window from this internal setting only.
        InternalConfigurations.MAX_INFLIGHT_WINDOW_SIZE_MESSAGES = MAX_INFLIGHT_MESSAGES;
        var builder = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(config)
                .withDataFolder(data)
                .withExtensionsFolder(extensions)
                .withoutLoggingBootstrap();
        if (passwords != null) {
            builder.withEmbeddedExtension(new BrokerAccessControl(passwords).asExtension());
        }
        EmbeddedHiveMQ hivemq = builder.build();
        try {
            hivemq.start().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(hivemq);
            throw new IOException("interrupted while starting the embedded MQTT broker", e);
        } catch (ExecutionException | TimeoutException e) {
            closeQuietly(hivemq);
            throw new IOException("the embedded MQTT broker did not start on port " + chosen, e);
        }
        return new EmbeddedBroker(hivemq, chosen);
    }

    /** Messages the broker dropped (a full queue among the reasons), which then never reach the job. */
    public long droppedMessages() {
        var counter = hivemq.getMetricRegistry().getCounters().get(DROPPED_MESSAGES);
        return counter == null ? 0 : counter.getCount();
    }

    public String uri() {
        return "tcp://127.0.0.1:" + port;
    }

    /** Stops the broker and waits until it has, also on a thread a stop signal interrupted. */
    @Override
    public void close() throws Exception {
        // A second close waits for the stop the first began.
        Uninterruptibly.await(hivemq::close);
    }

    private static void closeQuietly(EmbeddedHiveMQ hivemq) {
        try {
            hivemq.close();
        } catch (Exception ignored) {
            // already failing; the start error is the one to report
        }
    }
}
