package io.werkstrom.jobs.detect;

import java.util.List;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.analytics.detect.RobustZScoreDetector;
import io.werkstrom.analytics.detect.RobustZScoreOptions;
import io.werkstrom.analytics.detect.RobustZScoreState;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.jobs.StateExpiry;
import io.werkstrom.jobs.storage.DetectedAnomaly;
import io.werkstrom.jobs.storage.ReceivedBatch;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores the batches of one gateway (the key, see {@link #key}) with a {@link RobustZScoreDetector}
 * whose windows, a {@link RobustZScoreState} per key, live in Flink keyed state, so that they are
 * checkpointed, restored and redistributed with the key.
 *
 * <p>One detector, opened in {@link #open} with the kernel backend (a lease on the one the process
 * shares, {@link KernelBackends#acquire}) and the Arrow root allocator and closed in {@link #close}, scores every key's batches against that key's state. The state is held
 * as a live object ({@link RobustZScoreStateSerializer}): the heap state backend serialises it only
 * at checkpoints, RocksDB on every access.
 *
 * <p>A batch whose sequence the key's windows have learned already ({@link ScoredSequences}, keyed
 * state next to the windows) is a repeat, one the broker delivered again within the run: it is
 * neither scored nor learned again, only counted ({@code repeatedBatches}), so that it does not
 * weigh twice in the baselines.
 *
 * <p>Both entries of a key expire after {@link StateExpiry#idleExpiry()} without a batch taken: a
 * gateway silent for longer learns anew.
 */
public final class AnomalyScoringFunction extends KeyedProcessFunction<String, ReceivedBatch, DetectedAnomaly> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AnomalyScoringFunction.class);
    private static final String STATE = "robust-z-state";
    private static final String SEQUENCES = "robust-z-scored-sequences";

    private final RobustZScoreOptions options;
    private final String backendName;
    private final StateExpiry expiry;

    private transient KernelBackend backend;
    private transient BufferAllocator allocator;
    private transient RobustZScoreDetector detector;
    private transient ValueState<RobustZScoreState> windows;
    private transient ValueState<long[]> sequences;
    private transient Counter anomaliesDetected;
    private transient Counter scoringFailures;
    private transient Counter repeatedBatches;
    private transient ScoringOutage outage;

    /**
     * @param options     the detector's settings
     * @param backendName kernel backend, one of {@link KernelBackends#CHOICES}
     * @param expiry      how long the state of a gateway that sends nothing is kept
     */
    public AnomalyScoringFunction(RobustZScoreOptions options, String backendName, StateExpiry expiry) {
        this.options = options;
        this.backendName = backendName;
        this.expiry = expiry;
    }

    /** The key a batch is scored under: its tenant and gateway, as the topic named them. */
    public static String key(ReceivedBatch batch) {
        return batch.source().tenant() + "/" + batch.source().gateway();
    }

    @Override
    public void open(OpenContext openContext) {
        backend = KernelBackends.acquire(backendName);
        allocator = new RootAllocator();
        detector = new RobustZScoreDetector(backend, options, allocator);
        windows = getRuntimeContext().getState(expiry.applyTo(
                new ValueStateDescriptor<>(STATE, RobustZScoreStateSerializer.INSTANCE)));
        sequences = getRuntimeContext().getState(expiry.applyTo(
                new ValueStateDescriptor<>(SEQUENCES, PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO)));
        anomaliesDetected = getRuntimeContext().getMetricGroup().counter("anomaliesDetected");
        scoringFailures = getRuntimeContext().getMetricGroup().counter("scoringFailures");
        repeatedBatches = getRuntimeContext().getMetricGroup().counter("repeatedBatches");
        outage = new ScoringOutage(LOG, "Anomaly scoring");
    }

    @Override
    public void processElement(ReceivedBatch batch, Context context, Collector<DetectedAnomaly> out) throws Exception {
        ScoredSequences scored = ScoredSequences.of(sequences.value());
        if (!scored.add(batch.batch().sequence())) {
            repeatedBatches.inc();
            return;
        }
        RobustZScoreState state = windows.value();
        if (state == null) {
            state = new RobustZScoreState();
        }
        List<Anomaly> anomalies;
        try {
            anomalies = detector.score(batch.batch(), state);
        } catch (RuntimeException e) {
            // The batch is stored regardless; only its scoring is lost, and that is logged and counted.
            scoringFailures.inc();
            outage.failed("batch " + batch.batch().sequence() + " of " + batch.source()
                    + "; the detector state stays as it was", e);
            return;
        }
        outage.succeeded();
        // The heap backend already holds this object; RocksDB needs it written back.
        windows.update(state);
        sequences.update(scored.toArray());
        for (Anomaly anomaly : anomalies) {
            out.collect(new DetectedAnomaly(batch.source(), anomaly));
        }
        anomaliesDetected.inc(anomalies.size());
    }

    @Override
    public void close() throws Exception {
        // In reverse order of opening; those never opened (null) are skipped.
        try (KernelBackend b = backend; BufferAllocator a = allocator; var d = detector) {
            // nothing else to release
        }
    }
}
