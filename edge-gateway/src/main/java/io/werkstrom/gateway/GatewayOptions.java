package io.werkstrom.gateway;

import java.time.Duration;
import java.util.OptionalLong;

import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.gateway.sim.Signal;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.protocol.DecodeLimits;
import io.werkstrom.protocol.GatewayAddress;

/**
 * Options of a {@link SimulatedGateway}. Immutable; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code publisher} (required): broker, gateway address, in-flight window, credentials;</li>
 *   <li>{@code simulator} (default {@link SimulatorOptions} defaults): machines, rate, seed,
 *       faults; an unset start becomes the gateway's start time;</li>
 *   <li>{@code batchInterval} (default 250 ms, 10 ms to 60 s): the span of samples in one batch;</li>
 *   <li>{@code firstSequence} (default: the start time in epoch milliseconds, see
 *       {@link BatchSequence}): the sequence number of the first batch;</li>
 *   <li>{@code drainTimeout} (default 10 s): how long {@link SimulatedGateway#stop()} waits for
 *       outstanding acknowledgements;</li>
 *   <li>{@code retryDelay} (default 500 ms): the pause before a failed batch is sent again;</li>
 *   <li>{@code maxPendingBatches} (default 10000): unacknowledged batches held in memory; at the
 *       limit the simulator pauses and catches up later, so nothing is lost.</li>
 * </ul>
 */
public final class GatewayOptions {

    private final PublisherOptions publisher;
    private final SimulatorOptions simulator;
    private final Duration batchInterval;
    private final Long firstSequence;
    private final Duration drainTimeout;
    private final Duration retryDelay;
    private final int maxPendingBatches;

    private GatewayOptions(Builder b, SimulatorOptions simulator) {
        this.publisher = b.publisher;
        this.simulator = simulator;
        this.batchInterval = b.batchInterval;
        this.firstSequence = b.firstSequence;
        this.drainTimeout = b.drainTimeout;
        this.retryDelay = b.retryDelay;
        this.maxPendingBatches = b.maxPendingBatches;
    }

    public static Builder builder() {
        return new Builder();
    }

    public PublisherOptions publisher() {
        return publisher;
    }

    public GatewayAddress address() {
        return publisher.address();
    }

    public SimulatorOptions simulator() {
        return simulator;
    }

    public Duration batchInterval() {
        return batchInterval;
    }

    /** The first batch's sequence, or empty to derive it from the start time. */
    public OptionalLong firstSequence() {
        return firstSequence == null ? OptionalLong.empty() : OptionalLong.of(firstSequence);
    }

    public Duration drainTimeout() {
        return drainTimeout;
    }

    public Duration retryDelay() {
        return retryDelay;
    }

    public int maxPendingBatches() {
        return maxPendingBatches;
    }

    @Override
    public String toString() {
        return "GatewayOptions[publisher=" + publisher + ", simulator=" + simulator + ", batchInterval=" + batchInterval
                + ", firstSequence=" + firstSequence + ", drainTimeout=" + drainTimeout + ", retryDelay=" + retryDelay
                + ", maxPendingBatches=" + maxPendingBatches + "]";
    }

    /** Collects options; {@link #build()} validates them and names the offending key. */
    public static final class Builder {
        private PublisherOptions publisher;
        private SimulatorOptions simulator;
        private Duration batchInterval = Duration.ofMillis(250);
        private Long firstSequence;
        private Duration drainTimeout = Duration.ofSeconds(10);
        private Duration retryDelay = Duration.ofMillis(500);
        private int maxPendingBatches = 10_000;

        private Builder() {
        }

        public Builder publisher(PublisherOptions publisher) {
            this.publisher = publisher;
            return this;
        }

        public Builder simulator(SimulatorOptions simulator) {
            this.simulator = simulator;
            return this;
        }

        public Builder batchInterval(Duration batchInterval) {
            this.batchInterval = batchInterval;
            return this;
        }

        public Builder firstSequence(long firstSequence) {
            this.firstSequence = firstSequence;
            return this;
        }

        public Builder drainTimeout(Duration drainTimeout) {
            this.drainTimeout = drainTimeout;
            return this;
        }

        public Builder retryDelay(Duration retryDelay) {
            this.retryDelay = retryDelay;
            return this;
        }

        public Builder maxPendingBatches(int maxPendingBatches) {
            this.maxPendingBatches = maxPendingBatches;
            return this;
        }

        public GatewayOptions build() {
            if (publisher == null) {
                throw new IllegalArgumentException("publisher must be set (broker URI and gateway address).");
            }
            SimulatorOptions sim = simulator != null ? simulator : SimulatorOptions.builder().build();
            requireBetween("batchInterval", batchInterval, Duration.ofMillis(10), Duration.ofSeconds(60));
            requireBetween("drainTimeout", drainTimeout, Duration.ZERO, Duration.ofHours(1));
            requireBetween("retryDelay", retryDelay, Duration.ofMillis(10), Duration.ofMinutes(1));
            if (firstSequence != null && firstSequence < 0) {
                throw new IllegalArgumentException("firstSequence must not be negative, got " + firstSequence + ".");
            }
            if (maxPendingBatches < 1 || maxPendingBatches > 1_000_000) {
                throw new IllegalArgumentException("maxPendingBatches must be between 1 and 1000000, got "
                        + maxPendingBatches + ".");
            }
            // One batch must stay within what the cloud accepts.
            double ticks = Math.ceil(batchInterval.toNanos() / 1e9 * sim.samplesPerSecondPerSensor());
            double rows = ticks * sim.machines() * Signal.values().length;
            int maxRows = DecodeLimits.DEFAULT.maxRows();
            if (rows > maxRows) {
                throw new IllegalArgumentException("batchInterval " + batchInterval + " gives batches of up to " + (long) rows
                        + " samples with " + sim.machines() + " machines at " + sim.samplesPerSecondPerSensor()
                        + " samples/s, more than the " + maxRows + " a batch may hold; shorten it.");
            }
            return new GatewayOptions(this, sim);
        }

        private static void requireBetween(String key, Duration value, Duration min, Duration max) {
            if (value == null) {
                throw new IllegalArgumentException(key + " must be set.");
            }
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(key + " must be between " + min + " and " + max + ", got " + value + ".");
            }
        }
    }
}
