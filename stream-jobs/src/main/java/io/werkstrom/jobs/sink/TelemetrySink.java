package io.werkstrom.jobs.sink;

import java.io.IOException;
import java.util.List;

import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.TelemetryStore;
import io.werkstrom.jobs.storage.WriteResult;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Writes telemetry batches to the store. A batch already in the store's (tenant, gateway,
 * sequence) ledger, i.e. a replay after a failure or an MQTT redelivery, is skipped and counted.
 * Each writer opens one store connection.
 */
public final class TelemetrySink implements Sink<ReceivedBatch> {

    private static final long serialVersionUID = 1L;

    private final StoreOptions store;
    private final SinkOptions options;

    public TelemetrySink(StoreOptions store, SinkOptions options) {
        this.store = store;
        this.options = options;
    }

    @Override
    public SinkWriter<ReceivedBatch> createWriter(WriterInitContext context) throws IOException {
        return new Writer(Stores.open(store), options, context);
    }

    private static final class Writer extends BufferedStoreWriter<ReceivedBatch> {
        private final Counter rowsWritten;
        private final Counter batchesWritten;
        private final Counter duplicateBatches;

        Writer(TelemetryStore store, SinkOptions options, WriterInitContext context) {
            super(store, options, context.getProcessingTimeService());
            MetricGroup metrics = context.metricGroup();
            rowsWritten = metrics.counter("telemetryRowsWritten");
            batchesWritten = metrics.counter("telemetryBatchesWritten");
            duplicateBatches = metrics.counter("duplicateBatches");
        }

        @Override
        long rows(ReceivedBatch element) {
            return element.batch().size();
        }

        @Override
        void store(TelemetryStore store, List<ReceivedBatch> elements) throws StoreException {
            WriteResult result = store.writeBatches(elements);
            rowsWritten.inc(result.rowsWritten());
            batchesWritten.inc(result.batchesWritten());
            duplicateBatches.inc(result.duplicateBatches());
        }

        @Override
        String what() {
            return "telemetry batches";
        }
    }
}
