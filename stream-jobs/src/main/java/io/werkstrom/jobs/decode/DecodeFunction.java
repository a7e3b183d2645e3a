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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flink operator around {@link BatchDecoder}: valid batches go to the main output, everything else
 * to the {@link #DEAD_LETTERS} side output.
 *
 * <p>Each instance owns an Arrow root allocator for decoding, opened in {@link #open} and closed in
 * {@link #close}; a Flink task's user-code class loader lives shorter than the process, so a
 * process-wide root would outlive the classes that use it.
 *
 * <p>The root has no limit of its own: the codec bounds every decode with a child allocator of
 * {@link DecodeLimits#maxDecodedBytes()}. Arrow 19's stream reader does not release the body
 * buffer of a record batch it fails to deserialize, so some corrupt payloads leave memory behind
 * in the codec's child allocator; a limited root would fill up with those leaks and then refuse
 * good batches. The leaked bytes are exposed as the {@code arrowBytesLeaked} gauge.
 */
public final class DecodeFunction extends ProcessFunction<MqttRecord, ReceivedBatch> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DecodeFunction.class);

    /** Messages that could not be stored, with the reason. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    // DecodeLimits is not Serializable; its values are.
    private final int maxPayloadBytes;
    private final int maxRows;
    private final long maxDecodedBytes;
    private final Duration maxClockSkew;

    private transient BufferAllocator allocator;
    private transient BatchDecoder decoder;
    private transient Counter acceptedBatches;
    private transient Counter deadLetters;

    public DecodeFunction(DecodeLimits limits, Duration maxClockSkew) {
        this.maxPayloadBytes = limits.maxPayloadBytes();
        this.maxRows = limits.maxRows();
        this.maxDecodedBytes = limits.maxDecodedBytes();
        this.maxClockSkew = maxClockSkew;
    }

    @Override
    public void open(OpenContext openContext) {
        allocator = new RootAllocator();
        DecodeLimits limits = new DecodeLimits(maxPayloadBytes, maxRows, maxDecodedBytes);
        decoder = new BatchDecoder(new BatchCodec(allocator, limits), new BatchValidator(maxClockSkew));
        acceptedBatches = getRuntimeContext().getMetricGroup().counter("acceptedBatches");
        deadLetters = getRuntimeContext().getMetricGroup().counter("deadLetters");
        // Between two decodes nothing is allocated, so whatever is, leaked.
        getRuntimeContext().getMetricGroup().gauge("arrowBytesLeaked", allocator::getAllocatedMemory);
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
        if (allocator == null) {
            return;
        }
        if (allocator.getAllocatedMemory() > 0) {
            // Closing would throw for the leaked buffers described above and fail the shutdown for nothing.
            LOG.warn("Arrow decoding leaked {} bytes on corrupt payloads; leaving them to the process",
                    allocator.getAllocatedMemory());
            return;
        }
        allocator.close();
    }
}
