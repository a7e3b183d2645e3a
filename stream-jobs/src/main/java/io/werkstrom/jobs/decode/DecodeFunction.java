package io.werkstrom.jobs.decode;

import java.time.Duration;

import io.werkstrom.jobs.source.MqttRecord;
import io.werkstrom.jobs.storage.DeadLetter;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.DecodeLimits;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Flink operator around {@link BatchDecoder}: valid batches go to the main output, everything else
 * to the {@link #DEAD_LETTERS} side output.
 *
 * <p>Each instance owns an Arrow root allocator for decoding, opened in {@link #open} and closed in
 * {@link #close}; a Flink task's user-code class loader lives shorter than the process, so a
 * process-wide root would outlive the classes that use it.
 * The codec bounds every decode with a child allocator of {@link DecodeLimits#maxDecodedBytes()}
 * and releases it before returning, also for corrupt payloads.
 */
public final class DecodeFunction extends ProcessFunction<MqttRecord, ReceivedBatch> {

    private static final long serialVersionUID = 1L;

    /** Messages that could not be stored, with the reason. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    private final DecodeLimits limits;
    private final Duration maxClockSkew;
    private final Duration maxSampleAge;

    private transient BufferAllocator allocator;
    private transient BatchDecoder decoder;
    private transient Counter acceptedBatches;
    private transient Counter deadLetters;

    /**
     * @param maxClockSkew how far in the future a sample may lie
     * @param maxSampleAge how far before receipt a sample may lie (see {@link BatchValidator})
     */
    public DecodeFunction(DecodeLimits limits, Duration maxClockSkew, Duration maxSampleAge) {
        this.limits = limits;
        this.maxClockSkew = maxClockSkew;
        this.maxSampleAge = maxSampleAge;
    }

    @Override
    public void open(OpenContext openContext) {
        allocator = new RootAllocator();
        decoder = new BatchDecoder(new BatchCodec(allocator, limits), new BatchValidator(maxClockSkew, maxSampleAge));
        acceptedBatches = getRuntimeContext().getMetricGroup().counter("acceptedBatches");
        deadLetters = getRuntimeContext().getMetricGroup().counter("deadLetters");
    }

    @Override
    public void processElement(MqttRecord record, Context context, Collector<ReceivedBatch> out) {
        BatchDecoder.Outcome outcome = decoder.decode(record.topic(), record.payload(), record.receivedAtMicros());
        if (outcome instanceof BatchDecoder.Accepted accepted) {
            acceptedBatches.inc();
            out.collect(accepted.batch());
        } else if (outcome instanceof BatchDecoder.Rejected rejected) {
            deadLetters.inc();
            context.output(DEAD_LETTERS, rejected.deadLetter());
        }
    }

    @Override
    public void close() {
        if (allocator != null) {
            allocator.close();
        }
    }
}
