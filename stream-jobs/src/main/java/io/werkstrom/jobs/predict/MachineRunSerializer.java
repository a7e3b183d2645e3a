package io.werkstrom.jobs.predict;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

import io.werkstrom.jobs.detect.SnapshotStateSerializer;

/**
 * Flink serializer of the {@link MachineRun} of the remaining-useful-life operator
 * ({@link SnapshotStateSerializer}: the length of {@link MachineRun#snapshot()}, then the
 * snapshot; {@link #copy(MachineRun)} is deep).
 */
public final class MachineRunSerializer extends SnapshotStateSerializer<MachineRun> {

    private static final long serialVersionUID = 1L;

    public static final MachineRunSerializer INSTANCE = new MachineRunSerializer();

    public MachineRunSerializer() {
        super("machine run state");
    }

    @Override
    public MachineRun createInstance() {
        return new MachineRun();
    }

    @Override
    public MachineRun copy(MachineRun from) {
        return from.copy();
    }

    @Override
    protected byte[] snapshot(MachineRun run) {
        return run.snapshot();
    }

    @Override
    protected MachineRun restore(byte[] snapshot) {
        return MachineRun.fromSnapshot(snapshot);
    }

    @Override
    public TypeSerializerSnapshot<MachineRun> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot: the serializer has no configuration, the state format is versioned itself. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<MachineRun> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
