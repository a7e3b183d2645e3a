package io.werkstrom.jobs.eventtime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import io.werkstrom.jobs.sink.TransientFailures;
import io.werkstrom.jobs.storage.StorageFlavor;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;

import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refreshes the aggregates ({@code telemetry_1m}, {@code telemetry_1h}) over the event-time
 * ranges of late batches. The writer collects and merges the ranges of one checkpoint; the
 * committer refreshes them only after that checkpoint completed, i.e. after every telemetry
 * writer flushed the late rows into the database. A refresh that fails fails the job; the ranges
 * are part of the checkpoint and are refreshed again after the restart.
 *
 * <p>Threads: writer and committer run in their task's thread; a refresh over a long backfill
 * takes as long as the database needs for it. The committer opens one store connection on its
 * first refresh, replaces it after a failure, and closes it with the operator.
 */
public final class AggregateRefreshSink implements Sink<EventRange>, SupportsCommitter<EventRange> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AggregateRefreshSink.class);

    private final StoreOptions store;

    public AggregateRefreshSink(StoreOptions store) {
        this.store = store;
    }

    @Override
    public SinkWriter<EventRange> createWriter(WriterInitContext context) {
        return new RangeWriter();
    }

    @Override
    public Committer<EventRange> createCommitter(CommitterInitContext context) {
        return new RefreshCommitter(store);
    }

    @Override
    public SimpleVersionedSerializer<EventRange> getCommittableSerializer() {
        return new EventRangeSerializer();
    }

    /** Collects the ranges of one checkpoint in the task thread. */
    private static final class RangeWriter implements CommittingSinkWriter<EventRange, EventRange> {
        private final List<EventRange> ranges = new ArrayList<>();

        @Override
        public void write(EventRange range, Context context) {
            ranges.add(range);
            if (ranges.size() >= 1_024) {
                List<EventRange> merged = LateRanges.merge(ranges);
                ranges.clear();
                ranges.addAll(merged);
            }
        }

        @Override
        public void flush(boolean endOfInput) {
        }

        @Override
        public Collection<EventRange> prepareCommit() {
            List<EventRange> merged = LateRanges.merge(ranges);
            ranges.clear();
            return merged;
        }

        @Override
        public void close() {
        }
    }

    /**
     * Refreshes the ranges of completed checkpoints. Opens its store at the first refresh and owns
     * it; after a failure it closes and drops the store (its connection may be dead, e.g. after a
     * database restart) and opens a new one at the next attempt. A {@linkplain TransientFailures
     * transient} failure is retried: the requests are handed back to Flink ({@code retryLater}) after
     * a growing pause, at most {@link #MAX_RETRIES} times (below Flink's default
     * {@code sink.committer.retries} of 10, so that the failure that ends the retries is ours and
     * names its cause). Any other failure fails the job; the ranges are refreshed after its restart.
     */
    static final class RefreshCommitter implements Committer<EventRange> {
        static final int MAX_RETRIES = 8;
        private static final long FIRST_PAUSE_MILLIS = 250;
        private static final long MAX_PAUSE_MILLIS = 5_000;

        private final StoreOptions options;
        private TelemetryStore store;

        RefreshCommitter(StoreOptions options) {
            this.options = options;
        }

        @Override
        public void commit(Collection<CommitRequest<EventRange>> requests) throws IOException, InterruptedException {
            if (requests.isEmpty()) {
                return;
            }
            List<EventRange> ranges = new ArrayList<>();
            int retries = 0;
            for (CommitRequest<EventRange> request : requests) {
                ranges.add(request.getCommittable());
                retries = Math.max(retries, request.getNumberOfRetries());
            }
            try {
                refresh(LateRanges.merge(ranges));
            } catch (StoreException e) {
                dropStore(e);
                if (!TransientFailures.isTransient(e) || retries >= MAX_RETRIES) {
                    throw new IOException(e.getMessage() + (retries > 0 ? " (after " + retries + " retries)" : ""), e);
                }
                long pause = Math.min(MAX_PAUSE_MILLIS, FIRST_PAUSE_MILLIS << Math.min(retries, 16));
                LOG.warn("{}; retry {} of {} in {} ms", describe(e), retries + 1, MAX_RETRIES, pause);
                Thread.sleep(pause);
                requests.forEach(CommitRequest::retryLater);
            }
        }

        private void refresh(List<EventRange> merged) throws StoreException {
            if (store == null) {
                try {
                    store = TelemetryStore.open(options);
                } catch (StoreException e) {
                    throw new StoreException("opening the store to refresh the aggregates failed", e);
                }
            }
            if (store.flavor() == StorageFlavor.POSTGRES && merged.size() > 1) {
                // Plain PostgreSQL refreshes its views as a whole, whatever the range: once is enough.
                merged = List.of(new EventRange(merged.get(0).fromMicros(), merged.get(merged.size() - 1).toMicros()));
            }
            for (EventRange range : merged) {
                try {
                    store.refreshAggregates(range.from(), range.to());
                } catch (StoreException e) {
                    throw new StoreException("refreshing the aggregates over late data [" + range.from() + ", "
                            + range.to() + ") failed", e);
                }
            }
        }

        private void dropStore(Exception failure) {
            if (store != null) {
                try {
                    store.close();
                } catch (RuntimeException e) {
                    failure.addSuppressed(e);
                }
                store = null;
            }
        }

        @Override
        public void close() {
            if (store != null) {
                store.close();
                store = null;
            }
        }
    }

    /** The message with the innermost cause's, which names what the database said. */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + root.getMessage();
    }

    /** Version 1: the two bounds as longs. */
    static final class EventRangeSerializer implements SimpleVersionedSerializer<EventRange> {
        private static final int VERSION = 1;

        @Override
        public int getVersion() {
            return VERSION;
        }

        @Override
        public byte[] serialize(EventRange range) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(16);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeLong(range.fromMicros());
                out.writeLong(range.toMicros());
            }
            return bytes.toByteArray();
        }

        @Override
        public EventRange deserialize(int version, byte[] serialized) throws IOException {
            if (version != VERSION) {
                throw new IOException("unknown EventRange serializer version " + version + "; this one reads " + VERSION);
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                long from = in.readLong();
                return new EventRange(from, in.readLong());
            }
        }
    }
}
