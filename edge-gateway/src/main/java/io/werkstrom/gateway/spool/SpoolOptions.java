package io.werkstrom.gateway.spool;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Options of a {@link Spool}. Immutable; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code directory} (required): where the segment files and the state file live; created
 *       if missing. One spool per directory;</li>
 *   <li>{@code maxBytes} (default 256 MiB, at least twice {@code segmentBytes}): the most the
 *       segment files may hold together; beyond it the oldest segment is dropped;</li>
 *   <li>{@code segmentBytes} (default 16 MiB, {@value #MIN_SEGMENT_BYTES} B to 1 GiB): the size at
 *       which a segment file is sealed and a new one started; also bounds one record;</li>
 *   <li>{@code fsyncPolicy} (default {@link FsyncPolicy#INTERVAL}): when appended records are
 *       forced to the disk;</li>
 *   <li>{@code fsyncIntervalRecords} (default 100, at least 1) / {@code fsyncInterval} (default
 *       1 s, at least 1 ms): with {@code INTERVAL}, an append forces the disk once this many
 *       records or this much time have passed since the last force (checked on each append and
 *       acknowledgement; there is no timer thread, {@link Spool#flush()} forces at once);</li>
 *   <li>{@code owner} (default none): who the spooled batches belong to, e.g. the gateway's address.
 *       The spool records it in its directory and refuses a directory recorded for another owner,
 *       whose batches would otherwise go out under this owner's identity.</li>
 * </ul>
 */
public final class SpoolOptions {

    public static final int MIN_SEGMENT_BYTES = 256;
    /** The default size at which a segment file is closed and a new one begun. */
    public static final int DEFAULT_SEGMENT_BYTES = 16 << 20;
    public static final int MAX_SEGMENT_BYTES = 1 << 30;

    /** When appended records reach the disk. */
    public enum FsyncPolicy {
        /** Force after every append: nothing acknowledged to the caller is lost on power loss. */
        ALWAYS,
        /** Force every {@code fsyncIntervalRecords} appends or {@code fsyncInterval}, whichever comes first. */
        INTERVAL,
        /** Leave it to the operating system; survives a killed process, not a power loss. */
        NEVER
    }

    private final Path directory;
    private final long maxBytes;
    private final int segmentBytes;
    private final FsyncPolicy fsyncPolicy;
    private final int fsyncIntervalRecords;
    private final Duration fsyncInterval;
    private final String owner;

    private SpoolOptions(Builder b) {
        this.directory = b.directory;
        this.maxBytes = b.maxBytes;
        this.segmentBytes = b.segmentBytes;
        this.fsyncPolicy = b.fsyncPolicy;
        this.fsyncIntervalRecords = b.fsyncIntervalRecords;
        this.fsyncInterval = b.fsyncInterval;
        this.owner = b.owner;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Path directory() {
        return directory;
    }

    public long maxBytes() {
        return maxBytes;
    }

    public int segmentBytes() {
        return segmentBytes;
    }

    public FsyncPolicy fsyncPolicy() {
        return fsyncPolicy;
    }

    public int fsyncIntervalRecords() {
        return fsyncIntervalRecords;
    }

    public Duration fsyncInterval() {
        return fsyncInterval;
    }

    /** Who the spooled batches belong to, or empty when the directory's owner is not checked. */
    public Optional<String> owner() {
        return Optional.ofNullable(owner);
    }

    @Override
    public String toString() {
        return "SpoolOptions[directory=" + directory + ", maxBytes=" + maxBytes + ", segmentBytes=" + segmentBytes
                + ", fsyncPolicy=" + fsyncPolicy + ", fsyncIntervalRecords=" + fsyncIntervalRecords
                + ", fsyncInterval=" + fsyncInterval + (owner == null ? "" : ", owner=" + owner) + "]";
    }

    /** Collects options; {@link #build()} validates them and names the offending key. */
    public static final class Builder {
        private Path directory;
        private long maxBytes = 256L << 20;
        private int segmentBytes = DEFAULT_SEGMENT_BYTES;
        private FsyncPolicy fsyncPolicy = FsyncPolicy.INTERVAL;
        private int fsyncIntervalRecords = 100;
        private Duration fsyncInterval = Duration.ofSeconds(1);
        private String owner;

        private Builder() {
        }

        public Builder directory(Path directory) {
            this.directory = directory;
            return this;
        }

        public Builder maxBytes(long maxBytes) {
            this.maxBytes = maxBytes;
            return this;
        }

        public Builder segmentBytes(int segmentBytes) {
            this.segmentBytes = segmentBytes;
            return this;
        }

        public Builder fsyncPolicy(FsyncPolicy fsyncPolicy) {
            this.fsyncPolicy = fsyncPolicy;
            return this;
        }

        public Builder fsyncIntervalRecords(int fsyncIntervalRecords) {
            this.fsyncIntervalRecords = fsyncIntervalRecords;
            return this;
        }

        public Builder fsyncInterval(Duration fsyncInterval) {
            this.fsyncInterval = fsyncInterval;
            return this;
        }

        public Builder owner(String owner) {
            this.owner = owner;
            return this;
        }

        /** @throws IllegalArgumentException naming the first invalid option */
        public SpoolOptions build() {
            if (directory == null) {
                throw new IllegalArgumentException("directory is required.");
            }
            if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
                throw new IllegalArgumentException("segmentBytes must be between " + MIN_SEGMENT_BYTES + " and "
                        + MAX_SEGMENT_BYTES + ", got " + segmentBytes + ".");
            }
            if (maxBytes < 2L * segmentBytes) {
                // Two segments at least, so that dropping the oldest always leaves room for the next record.
                throw new IllegalArgumentException("maxBytes must be at least twice segmentBytes (" + 2L * segmentBytes
                        + "), got " + maxBytes + ".");
            }
            if (fsyncPolicy == null) {
                throw new IllegalArgumentException("fsyncPolicy must be one of ALWAYS, INTERVAL, NEVER, got null.");
            }
            if (fsyncIntervalRecords < 1) {
                throw new IllegalArgumentException("fsyncIntervalRecords must be at least 1, got "
                        + fsyncIntervalRecords + ".");
            }
            if (fsyncInterval == null || fsyncInterval.toMillis() < 1) {
                throw new IllegalArgumentException("fsyncInterval must be at least 1 ms, got " + fsyncInterval + ".");
            }
            if (owner != null && (owner.isEmpty() || owner.chars().anyMatch(Character::isISOControl))) {
                throw new IllegalArgumentException("owner must be a non-empty line of text, got '" + owner + "'.");
            }
            return new SpoolOptions(this);
        }
    }
}
