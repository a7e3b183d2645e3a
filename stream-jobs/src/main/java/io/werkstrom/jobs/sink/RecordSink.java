package io.werkstrom.jobs.sink;

import java.io.Serializable;
import java.util.List;

import io.werkstrom.jobs.storage.DeadLetter;
import io.werkstrom.jobs.storage.DetectedAnomaly;
import io.werkstrom.jobs.storage.JdbcDriver;
import io.werkstrom.jobs.storage.QualityPrediction;
import io.werkstrom.jobs.storage.RulPrediction;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;

/**
 * Writes one record per row to the store: detected anomalies, dead letters or predictions, over one connection
 * per subtask. Buffering, flushing on checkpoints, retries through outages and the store's
 * lifetime are {@link BufferedStoreWriter}'s; a dead letter also counts its bytes towards
 * {@link SinkOptions#BATCH_BYTES}. Each sink counts the records it wrote per subtask
 * ({@code anomaliesWritten}, {@code deadLettersWritten}, {@code qualityPredictionsWritten},
 * {@code rulPredictionsWritten}); the quality predictions' sink counts the part outcomes that matched
 * no stored prediction, and so were not written, as {@code unmatchedOutcomes} instead.
 */
public final class RecordSink<T> implements Sink<T> {

    private static final long serialVersionUID = 1L;

    /** How a list of records reaches the store; a call of a {@link TelemetryStore} method. */
    @FunctionalInterface
    public interface Write<T> extends Serializable {
        /** @return how many of the records matched nothing in the store and were not stored */
        int write(TelemetryStore store, List<T> records) throws StoreException;
    }

    /** The bytes a record holds beyond a row's few fields, see {@link BufferedStoreWriter#bytes}. */
    @FunctionalInterface
    interface Size<T> extends Serializable {
        long bytes(T record);
    }

    private final StoreOptions store;
    private final SinkOptions options;
    private final String what;
    private final String counter;
    /** The metric of the records that matched nothing, or null where none can. */
    private final String unmatchedCounter;
    private final Write<T> write;
    private final Size<T> size;

    private RecordSink(StoreOptions store, SinkOptions options, String what, String counter, String unmatchedCounter,
                       Write<T> write, Size<T> size) {
        this.store = store;
        this.options = options;
        this.what = what;
        this.counter = counter;
        this.unmatchedCounter = unmatchedCounter;
        this.write = write;
        this.size = size;
    }

    public static RecordSink<DetectedAnomaly> anomalies(StoreOptions store, SinkOptions options) {
        return new RecordSink<>(store, options, "anomalies", "anomaliesWritten", null, (s, records) -> {
            s.writeAnomalies(records);
            return 0;
        }, anomaly -> 0);
    }

    public static RecordSink<DeadLetter> deadLetters(StoreOptions store, SinkOptions options) {
        return new RecordSink<>(store, options, "dead letters", "deadLettersWritten", null, (s, records) -> {
            s.writeDeadLetters(records);
            return 0;
        }, DeadLetter::bytes);
    }

    public static RecordSink<QualityPrediction> qualityPredictions(StoreOptions store, SinkOptions options) {
        return new RecordSink<>(store, options, "quality predictions", "qualityPredictionsWritten",
                "unmatchedOutcomes", TelemetryStore::writeQualityPredictions, prediction -> 0);
    }

    public static RecordSink<RulPrediction> rulPredictions(StoreOptions store, SinkOptions options) {
        return new RecordSink<>(store, options, "RUL predictions", "rulPredictionsWritten", null, (s, records) -> {
            s.writeRulPredictions(records);
            return 0;
        }, prediction -> 0);
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        JdbcDriver.releaseWith(context.getUserCodeClassLoader());
        return new Writer<>(store, options, context, what,
                context.metricGroup().counter(counter, new ThreadSafeSimpleCounter()),
                context.metricGroup().counter(counter.replace("Written", "WriteRetries"), new ThreadSafeSimpleCounter()),
                unmatchedCounter == null ? null
                        : context.metricGroup().counter(unmatchedCounter, new ThreadSafeSimpleCounter()),
                write, size);
    }

    private static final class Writer<T> extends BufferedStoreWriter<T> {
        private final Counter written;
        private final Counter unmatched;
        private final Write<T> write;
        private final Size<T> size;

        Writer(StoreOptions store, SinkOptions options, WriterInitContext context, String what, Counter written,
               Counter retries, Counter unmatched, Write<T> write, Size<T> size) {
            super(what, store, options, 1, context.getProcessingTimeService(),
                    retries);
            this.written = written;
            this.unmatched = unmatched;
            this.write = write;
            this.size = size;
        }

        @Override
        long rows(T element) {
            return 1;
        }

        @Override
        long bytes(T element) {
            return size.bytes(element);
        }

        @Override
        void store(TelemetryStore store, List<T> elements) throws StoreException {
            int notStored = write.write(store, elements);
            // Those matching nothing (an outcome without its prediction) were not written: they count as unmatched only.
            written.inc(elements.size() - notStored);
            if (unmatched != null) {
                unmatched.inc(notStored);
            }
        }
    }
}
