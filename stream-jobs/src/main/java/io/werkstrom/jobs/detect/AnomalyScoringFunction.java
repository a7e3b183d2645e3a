package io.werkstrom.jobs.detect;

import java.util.List;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.analytics.detect.RobustZScoreDetector;
import io.werkstrom.analytics.detect.RobustZScoreOptions;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
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
 * whose windows live in Flink keyed state, so that they are checkpointed, restored and
 * redistributed with the key.
 *
 * <p>Per batch the detector is restored from state, scores the batch, and its snapshot is written
 * back. The kernel backend and the Arrow root allocator are opened in {@link #open} and closed in
 * {@link #close}; each detector takes a child allocator and is closed after its batch.
 */
public final class AnomalyScoringFunction extends KeyedProcessFunction<String, ReceivedBatch, DetectedAnomaly> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AnomalyScoringFunction.class);

    private final RobustZScoreOptions options;
    private final String backendName;

    private transient KernelBackend backend;
    private transient BufferAllocator allocator;
    private transient ValueState<byte[]> windows;
    private transient Counter anomaliesDetected;
    private transient Counter scoringFailures;

    /**
     * @param options     the detector's settings
     * @param backendName kernel backend, one of {@link KernelBackends#CHOICES}
     */
    public AnomalyScoringFunction(RobustZScoreOptions options, String backendName) {
        this.options = options;
        this.backendName = backendName;
    }

    /** The key a batch is scored under: its tenant and gateway, as the topic named them. */
    public static String key(ReceivedBatch batch) {
        return batch.source().tenant() + "/" + batch.source().gateway();
    }

    @Override
    public void open(OpenContext openContext) {
        backend = KernelBackends.select(backendName);
        allocator = new RootAllocator();
        windows = getRuntimeContext().getState(
                new ValueStateDescriptor<>("robust-z-windows", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        anomaliesDetected = getRuntimeContext().getMetricGroup().counter("anomaliesDetected");
        scoringFailures = getRuntimeContext().getMetricGroup().counter("scoringFailures");
    }

    @Override
    public void processElement(ReceivedBatch batch, Context context, Collector<DetectedAnomaly> out) throws Exception {
        byte[] snapshot = windows.value();
        List<Anomaly> anomalies;
        // An unreadable snapshot is broken state, not bad input: restore's exception fails the task.
        try (RobustZScoreDetector detector = snapshot == null
                ? new RobustZScoreDetector(backend, options, allocator)
                : RobustZScoreDetector.restore(backend, options, allocator, snapshot)) {
            try {
                anomalies = detector.score(batch.batch());
            } catch (RuntimeException e) {
                // The batch is stored regardless; only its scoring is lost, and that is logged and counted.
                scoringFailures.inc();
                LOG.error("Scoring batch {} of {} failed; the detector state stays as it was", batch.batch().sequence(),
                        batch.source(), e);
                return;
            }
            windows.update(detector.snapshot());
        }
        for (Anomaly anomaly : anomalies) {
            out.collect(new DetectedAnomaly(batch.source(), anomaly));
        }
        anomaliesDetected.inc(anomalies.size());
    }

    @Override
    public void close() throws Exception {
        try {
            if (backend != null) {
                backend.close();
            }
        } finally {
            if (allocator != null) {
                allocator.close();
            }
        }
    }
}
