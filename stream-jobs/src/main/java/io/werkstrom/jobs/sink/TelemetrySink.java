package io.werkstrom.jobs.sink;

import java.util.List;

import io.werkstrom.jobs.storage.JdbcDriver;
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
import org.apache.flink.metrics.ThreadSafeSimpleCounter;

/**
 * Writes telemetry batches to the store. A batch already in the store's (tenant, gateway,
 * sequence) ledger, i.e. a replay after a failure or an MQTT redelivery, is skipped and counted.
 * One whose key the ledger holds from another site (a gateway id used at two sites of a tenant) is
 * not stored either: the store writes it to {@code dead_letters} with the reason and logs a warning.
 * Each writer (subtask) writes over {@link SinkOptions#writers()} connections; a gateway's batches
 * always take the same connection.
 *
 * <p>Metrics per subtask: {@code telemetryRowsWritten}, {@code telemetryBatchesWritten},
 * {@code duplicateBatches}, {@code sequenceGapsDetected} (new gaps in a gateway's sequence, see the
 * {@code sequence_gaps} table), {@code sequenceGapsFilled} (open gaps a late batch fell into),
 * {@code gatewaySiteConflicts} (batches refused because their gateway id is used at another site of
 * the tenant) and {@code storeWriteRetries} (write attempts repeated after a transient database
 * failure).
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
    public SinkWriter<ReceivedBatch> createWriter(WriterInitContext context) {
        JdbcDriver.releaseWith(context.getUserCodeClassLoader());
        return new Writer(store, options, context);
    }

    private static final class Writer extends BufferedStoreWriter<ReceivedBatch> {
        private final Counter rowsWritten;
        private final Counter batchesWritten;
        private final Counter duplicateBatches;
        private final Counter gapsDetected;
        private final Counter gapsFilled;
        private final Counter siteConflicts;
        private final Counter storedAsBad;

        Writer(StoreOptions store, SinkOptions options, WriterInitContext context) {
            super("telemetry batches", store, options, options.writers(), context.getProcessingTimeService(),
                    context.metricGroup().counter("storeWriteRetries", new ThreadSafeSimpleCounter()));
            MetricGroup metrics = context.metricGroup();
            // Written from the writer threads.
            rowsWritten = metrics.counter("telemetryRowsWritten", new ThreadSafeSimpleCounter());
            batchesWritten = metrics.counter("telemetryBatchesWritten", new ThreadSafeSimpleCounter());
            duplicateBatches = metrics.counter("duplicateBatches", new ThreadSafeSimpleCounter());
            gapsDetected = metrics.counter("sequenceGapsDetected", new ThreadSafeSimpleCounter());
            gapsFilled = metrics.counter("sequenceGapsFilled", new ThreadSafeSimpleCounter());
            siteConflicts = metrics.counter("gatewaySiteConflicts", new ThreadSafeSimpleCounter());
            storedAsBad = metrics.counter("samplesStoredAsBad", new ThreadSafeSimpleCounter());
        }

        @Override
        long rows(ReceivedBatch element) {
            return element.batch().size();
        }

        @Override
        int route(ReceivedBatch element) {
            return 31 * element.source().tenant().hashCode() + element.source().gateway().hashCode();
        }

        @Override
        void store(TelemetryStore store, List<ReceivedBatch> elements) throws StoreException {
            WriteResult result = store.writeBatches(elements);
            rowsWritten.inc(result.rowsWritten());
            batchesWritten.inc(result.batchesWritten());
            duplicateBatches.inc(result.duplicateBatches());
            gapsDetected.inc(result.gapsDetected());
            gapsFilled.inc(result.gapsFilled());
            siteConflicts.inc(result.siteConflicts());
            storedAsBad.inc(result.storedAsBad());
        }
    }
}
