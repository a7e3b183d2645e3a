package io.werkstrom.jobs.eventtime;

import java.util.Optional;

import io.werkstrom.jobs.storage.ReceivedBatch;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Passes every batch on, late or not: late data is stored like any other. For a batch whose oldest
 * sample is behind the watermark by more than the allowed lateness, it also emits the batch's
 * event-time range to {@link #LATE_RANGES}, so that the aggregates over it are refreshed once it
 * is stored, and counts it ({@code lateBatches}, {@code lateSamples}).
 */
public final class LateBatchFunction extends ProcessFunction<ReceivedBatch, ReceivedBatch> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<EventRange> LATE_RANGES = new OutputTag<>("late-ranges") {
    };

    private final long allowedLatenessMillis;
    private transient Counter lateBatches;
    private transient Counter lateSamples;

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
        Optional<EventRange> late = LateRanges.lateRange(received, context.timerService().currentWatermark(),
                allowedLatenessMillis);
        if (late.isPresent()) {
            lateBatches.inc();
            lateSamples.inc(received.batch().size());
            context.output(LATE_RANGES, late.get());
        }
        out.collect(received);
    }
}
