package io.werkstrom.jobs.detect;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

/**
 * Flink serializer of the {@link MachineStates} of the multivariate detector
 * ({@link SnapshotStateSerializer}: the length of {@link MachineStates#snapshot()}, then the
 * snapshot; {@link #copy(MachineStates)} is deep).
 */
public final class MachineStatesSerializer extends SnapshotStateSerializer<MachineStates> {

    private static final long serialVersionUID = 1L;

    public static final MachineStatesSerializer INSTANCE = new MachineStatesSerializer();

    public MachineStatesSerializer() {
        super("multivariate detector state");
    }

    @Override
    public MachineStates createInstance() {
        return new MachineStates();
    }

    @Override
    public MachineStates copy(MachineStates from) {
        return from.copy();
    }

    @Override
    protected byte[] snapshot(MachineStates state) {
        return state.snapshot();
    }

    @Override
    protected MachineStates restore(byte[] snapshot) {
        return MachineStates.fromSnapshot(snapshot);
    }

    @Override
    public TypeSerializerSnapshot<MachineStates> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot: the serializer has no configuration, the state format is versioned itself. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<MachineStates> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
