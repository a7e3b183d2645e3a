package io.werkstrom.app.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;

import org.apache.arrow.memory.RootAllocator;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * A simulated gateway for the chaos run: publishes batches of {@code rows} samples at a fixed rate
 * with QoS 1 and remembers every sample the broker acknowledged. A publish that fails is retried
 * with the same sequence number (the job's ledger stores a batch once) until it is acknowledged.
 *
 * <p>Runs on its own thread ({@link #run()}); {@link #acknowledged()} may be read after the thread
 * ended, {@link #acknowledgedCount()} at any time. Owns its MQTT client and Arrow allocator.
 */
final class ChaosGateway implements Runnable {

    private static final String[] SENSORS = {"temperature_c", "pressure_bar", "vibration_mm_s", "spindle_rpm"};

    private final String brokerUri;
    private final GatewayAddress address;
    private final long periodNanos;
    private final int rows;
    private final long deadlineNanos;
    private final List<SampleTally.SampleKey> acknowledged = new ArrayList<>();
    private final AtomicLong acknowledgedCount = new AtomicLong();
    private volatile Exception failure;
    private long lastMicros;

    ChaosGateway(String brokerUri, GatewayAddress address, double batchesPerSecond, int rows, long deadlineNanos) {
        this.brokerUri = brokerUri;
        this.address = address;
        this.periodNanos = (long) (1e9 / batchesPerSecond);
        this.rows = rows;
        this.deadlineNanos = deadlineNanos;
    }

    GatewayAddress address() {
        return address;
    }

    long acknowledgedCount() {
        return acknowledgedCount.get();
    }

    /** The samples the broker acknowledged; read only after the thread ended. */
    List<SampleTally.SampleKey> acknowledged() {
        return acknowledged;
    }

    /** Why the gateway stopped early, or null. */
    Exception failure() {
        return failure;
    }

    @Override
    public void run() {
        try (RootAllocator allocator = new RootAllocator()) {
            BatchCodec codec = new BatchCodec(allocator);
            MqttClient client = new MqttClient(brokerUri, "chaos-" + address.gateway(), new MemoryPersistence());
            try {
                connect(client);
                String topic = Topics.telemetry(address);
                long next = System.nanoTime();
                for (long sequence = 0; System.nanoTime() < deadlineNanos; sequence++) {
                    TelemetryBatch batch = batch(sequence);
                    publishUntilAcknowledged(client, topic, codec.encode(batch));
                    for (int row = 0; row < batch.size(); row++) {
                        acknowledged.add(new SampleTally.SampleKey(batch.machines()[row], batch.sensors()[row],
                                batch.timestampsMicros()[row]));
                    }
                    acknowledgedCount.addAndGet(batch.size());
                    next += periodNanos;
                    TimeUnit.NANOSECONDS.sleep(pause(next, System.nanoTime(), deadlineNanos));
                }
            } finally {
                try {
                    if (client.isConnected()) {
                        client.disconnect();
                    }
                } catch (MqttException e) {
                    // Every batch counted was acknowledged: a connection that ends otherwise loses nothing.
                }
                client.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = e;
        } catch (Exception e) {
            failure = e;
        }
    }

    /**
     * How long to wait for the batch due at {@code nextNanos}: no longer than the end of the run,
     * after which no batch is sent (a period longer than the run left would otherwise keep the
     * gateway, and the drill waiting for it, up to a whole period past the end).
     */
    static long pause(long nextNanos, long nowNanos, long deadlineNanos) {
        return Math.max(0, Math.min(nextNanos, deadlineNanos) - nowNanos);
    }

    /** Samples with strictly increasing timestamps near now, spread over two machines and the sensors. */
    private TelemetryBatch batch(long sequence) {
        TelemetryBatch.Builder builder = TelemetryBatch.builder(address.gateway(), sequence);
        for (int row = 0; row < rows; row++) {
            lastMicros = Math.max(lastMicros + 1, BatchValidator.micros(java.time.Instant.now()));
            builder.add(lastMicros, address.gateway() + "-m" + (row % 2), SENSORS[row % SENSORS.length],
                    20.0 + (sequence % 17) + row * 0.1, Quality.GOOD);
        }
        return builder.build();
    }

    private void publishUntilAcknowledged(MqttClient client, String topic, byte[] payload) throws InterruptedException {
        while (true) {
            try {
                if (!client.isConnected()) {
                    connect(client);
                }
                client.publish(topic, payload, 1, false);
                return;
            } catch (MqttException e) {
                if (System.nanoTime() > deadlineNanos + TimeUnit.SECONDS.toNanos(30)) {
                    throw new IllegalStateException("gateway " + address + " could not publish for 30 s past the run", e);
                }
                TimeUnit.MILLISECONDS.sleep(200);
            }
        }
    }

    private static void connect(MqttClient client) throws MqttException {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        client.connect(options);
    }
}
