package io.werkstrom.jobs.sink;

import java.io.IOException;
import java.util.List;

import io.werkstrom.jobs.storage.DeadLetter;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;

/** Writes dead letters (payloads that could not be stored, with the reason) to the store. */
public final class DeadLetterSink implements Sink<DeadLetter> {

    private static final long serialVersionUID = 1L;

    private final StoreOptions store;
    private final SinkOptions options;

    public DeadLetterSink(StoreOptions store, SinkOptions options) {
        this.store = store;
        this.options = options;
    }

    @Override
    public SinkWriter<DeadLetter> createWriter(WriterInitContext context) throws IOException {
        return new Writer(Stores.open(store), options, context);
    }

    private static final class Writer extends BufferedStoreWriter<DeadLetter> {
        private final Counter deadLettersWritten;

        Writer(TelemetryStore store, SinkOptions options, WriterInitContext context) {
            super(store, options, context.getProcessingTimeService());
            deadLettersWritten = context.metricGroup().counter("deadLettersWritten");
        }

        @Override
        long rows(DeadLetter element) {
            return 1;
        }

        @Override
        void store(TelemetryStore store, List<DeadLetter> elements) throws StoreException {
            store.writeDeadLetters(elements);
            deadLettersWritten.inc(elements.size());
        }

        @Override
        String what() {
            return "dead letters";
        }
    }
}
