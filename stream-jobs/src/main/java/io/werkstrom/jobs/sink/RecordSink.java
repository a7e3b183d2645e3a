package io.werkstrom.jobs.sink;

import java.io.Serializable;
import java.util.List;

import io.werkstrom.jobs.storage.DeadLetter;
import io.werkstrom.jobs.storage.DetectedAnomaly;
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
 * lifetime are {@link BufferedStoreWriter}'s.
 */
public final class RecordSink<T> implements Sink<T> {

    private static final long serialVersionUID = 1L;

    /** How a list of records reaches the store; a method reference of {@link TelemetryStore}. */
    @FunctionalInterface
    public interface Write<T> extends Serializable {
        void write(TelemetryStore store, List<T> records) throws StoreException;
    }

    private final StoreOptions store;
    private final SinkOptions options;
    private final String what;
    private final String counter;
    private final Write<T> write;

    private RecordSink(StoreOptions store, SinkOptions options, String what, String counter, Write<T> write) {
        this.store = store;
        this.options = options;
        this.what = what;
        this.counter = counter;
        this.write = write;
    }

    public static RecordSink<DetectedAnomaly> anomalies(StoreOptions store, SinkOptions options) {
        return new RecordSink<>(store, options, "anomalies", "anomaliesWritten", TelemetryStore::writeAnomalies);
    }

    public static RecordSink<DeadLetter> deadLetters(StoreOptions store, SinkOptions options) {
        return new RecordSink<>(store, options, "dead letters", "deadLettersWritten", TelemetryStore::writeDeadLetters);
    }

    public static RecordSink<QualityPrediction> qualityPredictions(StoreOptions store, SinkOptions options) {
        return new RecordSink<>(store, options, "quality predictions", "qualityPredictionsWritten",
                TelemetryStore::writeQualityPredictions);
    }

    public static RecordSink<RulPrediction> rulPredictions(StoreOptions store, SinkOptions options) {
        return new RecordSink<>(store, options, "RUL predictions", "rulPredictionsWritten",
                TelemetryStore::writeRulPredictions);
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        return new Writer<>(store, options, context, what,
                context.metricGroup().counter(counter, new ThreadSafeSimpleCounter()),
                context.metricGroup().counter(counter.replace("Written", "WriteRetries"), new ThreadSafeSimpleCounter()),
                write);
    }

    private static final class Writer<T> extends BufferedStoreWriter<T> {
        private final Counter written;
        private final Write<T> write;

        Writer(StoreOptions store, SinkOptions options, WriterInitContext context, String what, Counter written,
               Counter retries, Write<T> write) {
            super(what, store, options, 1, context.getProcessingTimeService(),
                    retries);
            this.written = written;
            this.write = write;
        }

        @Override
        long rows(T element) {
            return 1;
        }

        @Override
        void store(TelemetryStore store, List<T> elements) throws StoreException {
            write.write(store, elements);
            written.inc(elements.size());
        }
    }
}
