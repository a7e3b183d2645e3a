package io.werkstrom.gateway;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.gateway.spool.SpoolOptions;
import io.werkstrom.gateway.spool.SpoolOptions.FsyncPolicy;
import io.werkstrom.protocol.GatewayAddress;

/**
 * Options of a {@link Gateway}. Immutable; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code publisher} (required): broker, gateway address, in-flight window, credentials;</li>
 *   <li>{@code spoolDirectory} (required): where the gateway's spool keeps every batch until the
 *       broker acknowledged it; one gateway per directory (the spool records the gateway's
 *       address there and refuses to open for another gateway);</li>
 *   <li>{@code spoolMaxBytes} (default 256 MiB, at least twice {@code spoolSegmentBytes}): the most
 *       the spool holds on disk; when full, the oldest batches are dropped and reported as a
 *       {@code data_gap} event;</li>
 *   <li>{@code spoolSegmentBytes} (default 16 MiB, 256 B to 1 GiB, at most half of
 *       {@code spoolMaxBytes}): the size of one spool file; also bounds one encoded batch: a larger
 *       one is split, and a size that cannot hold a batch of one sample (about 400 bytes) is refused
 *       when the {@link Gateway} is built;</li>
 *   <li>{@code fsyncPolicy} (default {@link FsyncPolicy#INTERVAL}: at least once a second): when
 *       spooled batches are forced to the disk; {@code ALWAYS} survives a power loss, any policy
 *       survives a killed process;</li>
 *   <li>{@code batchInterval} (default 250 ms, 10 ms to 60 s): the span of samples in one batch;</li>
 *   <li>{@code firstSequence} (default: the start time in epoch milliseconds, see
 *       {@link BatchSequence}): the sequence number of the first batch of a new spool; a spool
 *       that has held batches continues after its last sequence;</li>
 *   <li>{@code drainTimeout} (default 10 s): how long {@link Gateway#stop()} may take: the rest of a
 *       catch-up on a source's history, then the wait until the spool is empty;</li>
 *   <li>{@code retryDelay} (default 500 ms): the pause before the spool is sent again after a
 *       failed publish;</li>
 *   <li>{@code httpPort} (default 0 = off, else 1 to 65535): the port of the {@code /metrics} and
 *       {@code /health} endpoints;</li>
 *   <li>{@code httpHost} (default: every interface): the address they listen on, e.g. the edge
 *       box's management interface or {@code 127.0.0.1} for a local scraper.</li>
 * </ul>
 */
public final class GatewayOptions {

    /** The shortest batch interval a gateway takes. */
    public static final Duration MIN_BATCH_INTERVAL = Duration.ofMillis(10);
    /** The longest batch interval a gateway takes. */
    public static final Duration MAX_BATCH_INTERVAL = Duration.ofSeconds(60);
    /** How long {@link Gateway#stop()} waits for the spool to empty unless told otherwise. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);

    private final PublisherOptions publisher;
    private final SpoolOptions spool;
    private final Duration batchInterval;
    private final Long firstSequence;
    private final Duration drainTimeout;
    private final Duration retryDelay;
    private final int httpPort;
    private final String httpHost;

    private GatewayOptions(Builder b, SpoolOptions spool) {
        this.publisher = b.publisher;
        this.spool = spool;
        this.batchInterval = b.batchInterval;
        this.firstSequence = b.firstSequence;
        this.drainTimeout = b.drainTimeout;
        this.retryDelay = b.retryDelay;
        this.httpPort = b.httpPort;
        this.httpHost = b.httpHost;
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

    /** The spool's options, built from {@code spoolDirectory}, {@code spoolMaxBytes}, {@code spoolSegmentBytes} and {@code fsyncPolicy}. */
    public SpoolOptions spool() {
        return spool;
    }

    public Duration batchInterval() {
        return batchInterval;
    }

    /** The first batch's sequence for a new spool, or empty to derive it from the start time. */
    public OptionalLong firstSequence() {
        return firstSequence == null ? OptionalLong.empty() : OptionalLong.of(firstSequence);
    }

    public Duration drainTimeout() {
        return drainTimeout;
    }

    public Duration retryDelay() {
        return retryDelay;
    }

    /** The port of the metrics and health endpoints, 0 when they are off. */
    public int httpPort() {
        return httpPort;
    }

    /** The address the endpoints listen on; empty: every interface. */
    public Optional<String> httpHost() {
        return Optional.ofNullable(httpHost);
    }

    @Override
    public String toString() {
        return "GatewayOptions[publisher=" + publisher + ", spool=" + spool + ", batchInterval=" + batchInterval
                + ", firstSequence=" + firstSequence + ", drainTimeout=" + drainTimeout + ", retryDelay=" + retryDelay
                + ", httpPort=" + httpPort + (httpHost == null ? "" : ", httpHost=" + httpHost) + "]";
    }

    /** Collects options; {@link #build()} validates them and names the offending key. */
    public static final class Builder {
        private PublisherOptions publisher;
        private Path spoolDirectory;
        private long spoolMaxBytes = 256L << 20;
        private int spoolSegmentBytes = 16 << 20;
        private FsyncPolicy fsyncPolicy = FsyncPolicy.INTERVAL;
        private Duration batchInterval = Duration.ofMillis(250);
        private Long firstSequence;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private Duration retryDelay = Duration.ofMillis(500);
        private int httpPort;
        private String httpHost;

        private Builder() {
        }

        public Builder publisher(PublisherOptions publisher) {
            this.publisher = publisher;
            return this;
        }

        public Builder spoolDirectory(Path spoolDirectory) {
            this.spoolDirectory = spoolDirectory;
            return this;
        }

        public Builder spoolMaxBytes(long spoolMaxBytes) {
            this.spoolMaxBytes = spoolMaxBytes;
            return this;
        }

        public Builder spoolSegmentBytes(int spoolSegmentBytes) {
            this.spoolSegmentBytes = spoolSegmentBytes;
            return this;
        }

        public Builder fsyncPolicy(FsyncPolicy fsyncPolicy) {
            this.fsyncPolicy = fsyncPolicy;
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

        public Builder httpPort(int httpPort) {
            this.httpPort = httpPort;
            return this;
        }

        /** Null: every interface. */
        public Builder httpHost(String httpHost) {
            this.httpHost = httpHost;
            return this;
        }

        public GatewayOptions build() {
            if (publisher == null) {
                throw new IllegalArgumentException("publisher must be set (broker URI and gateway address).");
            }
            if (spoolDirectory == null) {
                throw new IllegalArgumentException("spoolDirectory must be set: every batch is spooled there until acknowledged.");
            }
            if (spoolSegmentBytes < SpoolOptions.MIN_SEGMENT_BYTES || spoolSegmentBytes > SpoolOptions.MAX_SEGMENT_BYTES) {
                throw new IllegalArgumentException("spoolSegmentBytes must be between " + SpoolOptions.MIN_SEGMENT_BYTES
                        + " and " + SpoolOptions.MAX_SEGMENT_BYTES + ", got " + spoolSegmentBytes + ".");
            }
            if (spoolMaxBytes < 2L * spoolSegmentBytes) {
                // Operators meet this through the command line or the configuration file: name both forms.
                throw new IllegalArgumentException("spoolMaxBytes (--spool-max-bytes, spool.max-bytes) must be at"
                        + " least twice spoolSegmentBytes: " + 2L * spoolSegmentBytes + " bytes ("
                        + mib(2L * spoolSegmentBytes) + "), got " + spoolMaxBytes + " bytes.");
            }
            if (fsyncPolicy == null) {
                throw new IllegalArgumentException("fsyncPolicy must be one of ALWAYS, INTERVAL, NEVER, got null.");
            }
            requireBetween("batchInterval", batchInterval, MIN_BATCH_INTERVAL, MAX_BATCH_INTERVAL);
            requireBetween("drainTimeout", drainTimeout, Duration.ZERO, Duration.ofHours(1));
            requireBetween("retryDelay", retryDelay, Duration.ofMillis(10), Duration.ofMinutes(1));
            if (firstSequence != null && firstSequence < 0) {
                throw new IllegalArgumentException("firstSequence must not be negative, got " + firstSequence + ".");
            }
            if (httpPort < 0 || httpPort > 65_535) {
                throw new IllegalArgumentException("httpPort must be 0 (off) or between 1 and 65535, got " + httpPort + ".");
            }
            if (httpHost != null && (httpHost.isBlank() || httpPort == 0)) {
                throw new IllegalArgumentException(httpHost.isBlank()
                        ? "httpHost (--http-host, metrics.host) must not be blank."
                        : "httpHost (--http-host, metrics.host) " + httpHost
                                + " is set without an httpPort (--http-port, metrics.port).");
            }
            SpoolOptions spool = SpoolOptions.builder().directory(spoolDirectory).maxBytes(spoolMaxBytes)
                    .segmentBytes(spoolSegmentBytes).fsyncPolicy(fsyncPolicy).owner(publisher.address().toString())
                    .build();
            return new GatewayOptions(this, spool);
        }

        private static String mib(long bytes) {
            return bytes % (1L << 20) == 0 ? (bytes >> 20) + "MiB" : bytes + "B";
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
