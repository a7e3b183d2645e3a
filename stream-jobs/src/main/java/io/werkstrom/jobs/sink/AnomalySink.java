package io.werkstrom.jobs.sink;

import java.io.IOException;
import java.util.List;

import io.werkstrom.jobs.storage.DetectedAnomaly;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;

/** Writes detected anomalies to the store. */
public final class AnomalySink implements Sink<DetectedAnomaly> {

    private static final long serialVersionUID = 1L;

    private final StoreOptions store;
    private final SinkOptions options;

    public AnomalySink(StoreOptions store, SinkOptions options) {
        this.store = store;
        this.options = options;
    }

    @Override
    public SinkWriter<DetectedAnomaly> createWriter(WriterInitContext context) throws IOException {
        return new Writer(Stores.open(store), options, context);
    }

    private static final class Writer extends BufferedStoreWriter<DetectedAnomaly> {
        private final Counter anomaliesWritten;

        Writer(TelemetryStore store, SinkOptions options, WriterInitContext context) {
            super(store, options, context.getProcessingTimeService());
            anomaliesWritten = context.metricGroup().counter("anomaliesWritten");
        }

        @Override
        long rows(DetectedAnomaly element) {
            return 1;
        }

        @Override
        void store(TelemetryStore store, List<DetectedAnomaly> elements) throws StoreException {
            store.writeAnomalies(elements);
            anomaliesWritten.inc(elements.size());
        }

        @Override
        String what() {
            return "anomalies";
        }
    }
}
