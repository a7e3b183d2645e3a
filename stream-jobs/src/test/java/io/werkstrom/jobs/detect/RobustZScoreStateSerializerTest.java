package io.werkstrom.jobs.detect;

import java.time.Duration;
import java.util.Arrays;

import io.werkstrom.analytics.detect.RobustZScoreDetector;
import io.werkstrom.analytics.detect.RobustZScoreOptions;
import io.werkstrom.analytics.detect.RobustZScoreState;
import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.protocol.TelemetryBatch;

import org.apache.arrow.memory.RootAllocator;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.testutils.DeeplyEqualsChecker;

/** Flink's serializer contract (copy, serialise, snapshot, duplicate) for the detector state. */
class RobustZScoreStateSerializerTest extends SerializerTestBase<RobustZScoreState> {

    private static final RobustZScoreState[] DATA = testData();

    /** Two states are equal when they hold the same series with the same samples: the same snapshot. */
    RobustZScoreStateSerializerTest() {
        super(new DeeplyEqualsChecker().withCustomCheck(
                (a, b) -> a instanceof RobustZScoreState && b instanceof RobustZScoreState,
                (a, b, checker) -> Arrays.equals(((RobustZScoreState) a).snapshot(),
                        ((RobustZScoreState) b).snapshot())));
    }

    @Override
    protected TypeSerializer<RobustZScoreState> createSerializer() {
        return new RobustZScoreStateSerializer();
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<RobustZScoreState> getTypeClass() {
        return RobustZScoreState.class;
    }

    @Override
    protected RobustZScoreState[] getTestData() {
        return DATA;
    }

    /** An empty state, learned states of one and of two gateways, and one read from a snapshot, not scored since. */
    private static RobustZScoreState[] testData() {
        RobustZScoreOptions options = RobustZScoreOptions.builder().learningPeriod(Duration.ZERO).windowSize(64)
                .build();
        RobustZScoreState oneGateway = new RobustZScoreState();
        RobustZScoreState twoGateways = new RobustZScoreState();
        try (RootAllocator allocator = new RootAllocator();
             JavaKernelBackend backend = new JavaKernelBackend(1, 1);
             RobustZScoreDetector detector = new RobustZScoreDetector(backend, options, allocator)) {
            for (TelemetryBatch batch : SyntheticPlant.batches("gw-a", 3, 10)) {
                detector.score(batch, oneGateway);
                detector.score(batch, twoGateways);
            }
            for (TelemetryBatch batch : SyntheticPlant.batches("gw-b", 4, 3)) {
                detector.score(batch, twoGateways);
            }
        }
        RobustZScoreState restored = RobustZScoreState.fromSnapshot(twoGateways.snapshot());
        return new RobustZScoreState[] {new RobustZScoreState(), oneGateway, twoGateways, restored};
    }
}
