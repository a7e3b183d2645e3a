package io.werkstrom.jobs.eventtime;

import java.util.List;
import java.util.Optional;

import io.werkstrom.jobs.storage.ReceivedBatch;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Passes every batch on, late or not: late data is stored like any other. For a batch whose oldest
 * sample is behind the watermark by more than the allowed lateness, or was measured long before
 * the batch was received ({@link LateRanges#lateRanges}), it also emits the event-time ranges of
 * its samples to {@link #STORED_RANGES} marked late, so that the aggregates over them are
 * refreshed once it is stored (see {@link AggregateRefreshSink}), and counts it
 * ({@code lateBatches}, {@code lateSamples}). Of the on-time batches it emits one range per
 * checkpoint, the first one's: it tells that on-time data was stored in that checkpoint (which
 * plain PostgreSQL's views need refreshed for), without a record per batch.
 *
 * <p>Threads: the task thread only, for elements and snapshots alike.
 */
public final class LateBatchFunction extends ProcessFunction<ReceivedBatch, ReceivedBatch>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<StoredRange> STORED_RANGES = new OutputTag<>("stored-ranges") {
    };

    private final long allowedLatenessMillis;
    private transient Counter lateBatches;
    private transient Counter lateSamples;
    /** Whether an on-time range was emitted since the last checkpoint barrier. */
    private transient boolean onTimeEmitted;

    public LateBatchFunction(EventTimeOptions options) {
        this.allowedLatenessMillis = options.allowedLateness().toMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        lateBatches = getRuntimeContext().getMetricGroup().counter("lateBatches");
        lateSamples = getRuntimeContext().getMetricGroup().counter("lateSamples");
    }

    @Override
    public void processElement(ReceivedBatch received, Context context, Collector<ReceivedBatch> out) {
        List<EventRange> late = LateRanges.lateRanges(received, context.timerService().currentWatermark(),
                allowedLatenessMillis);
        if (!late.isEmpty()) {
            lateBatches.inc();
            lateSamples.inc(received.batch().size());
            for (EventRange range : late) {
                context.output(STORED_RANGES, new StoredRange(range, true));
            }
        } else if (!onTimeEmitted) {
            Optional<EventRange> range = LateRanges.range(received.batch());
            if (range.isPresent()) {
                context.output(STORED_RANGES, new StoredRange(range.get(), false));
                onTimeEmitted = true;
            }
        }
        out.collect(received);
    }

    /** At the barrier: the next on-time batch belongs to the next checkpoint and is emitted again. */
    @Override
    public void snapshotState(FunctionSnapshotContext context) {
        onTimeEmitted = false;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {
        // Nothing to restore: after a restart the first on-time batch is emitted anyway.
    }
}
