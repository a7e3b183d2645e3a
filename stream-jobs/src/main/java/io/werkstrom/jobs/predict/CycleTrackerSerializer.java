package io.werkstrom.jobs.predict;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

import io.werkstrom.analytics.predict.CycleTracker;
import io.werkstrom.jobs.detect.SnapshotStateSerializer;

/**
 * Flink serializer of the {@link CycleTracker} of the part-quality operator
 * ({@link SnapshotStateSerializer}: the length of {@link CycleTracker#snapshot()}, then the
 * snapshot; {@link #copy(CycleTracker)} is deep).
 */
public final class CycleTrackerSerializer extends SnapshotStateSerializer<CycleTracker> {

    private static final long serialVersionUID = 1L;

    public static final CycleTrackerSerializer INSTANCE = new CycleTrackerSerializer();

    public CycleTrackerSerializer() {
        super("production cycle state");
    }

    @Override
    public CycleTracker createInstance() {
        return new CycleTracker();
    }

    @Override
    public CycleTracker copy(CycleTracker from) {
        return from.copy();
    }

    @Override
    protected byte[] snapshot(CycleTracker tracker) {
        return tracker.snapshot();
    }

    @Override
    protected CycleTracker restore(byte[] snapshot) {
        return CycleTracker.fromSnapshot(snapshot);
    }

    @Override
    public TypeSerializerSnapshot<CycleTracker> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot: the serializer has no configuration, the state format is versioned itself. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<CycleTracker> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
