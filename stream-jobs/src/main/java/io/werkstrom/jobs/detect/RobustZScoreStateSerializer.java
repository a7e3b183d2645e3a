package io.werkstrom.jobs.detect;

import io.werkstrom.analytics.detect.RobustZScoreState;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

/**
 * Flink serializer of a {@link RobustZScoreState} ({@link SnapshotStateSerializer}: the length of
 * {@link RobustZScoreState#snapshot()}, then the snapshot; {@link #copy(RobustZScoreState)} is deep).
 */
public final class RobustZScoreStateSerializer extends SnapshotStateSerializer<RobustZScoreState> {

    private static final long serialVersionUID = 1L;

    public static final RobustZScoreStateSerializer INSTANCE = new RobustZScoreStateSerializer();

    public RobustZScoreStateSerializer() {
        super("robust-z detector state");
    }

    @Override
    public RobustZScoreState createInstance() {
        return new RobustZScoreState();
    }

    @Override
    public RobustZScoreState copy(RobustZScoreState from) {
        return from.copy();
    }

    @Override
    protected byte[] snapshot(RobustZScoreState state) {
        return state.snapshot();
    }

    @Override
    protected RobustZScoreState restore(byte[] snapshot) {
        return RobustZScoreState.fromSnapshot(snapshot);
    }

    @Override
    public TypeSerializerSnapshot<RobustZScoreState> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot: the serializer has no configuration, the state format is versioned itself. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<RobustZScoreState> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
