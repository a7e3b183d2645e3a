package io.werkstrom.jobs.detect;

import java.io.IOException;



import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of the {@link MachineStates} of the multivariate detector, so that keyed state can hold the live object:
 * the heap state backend serialises it only when it takes a checkpoint, RocksDB on every access.
 *
 * <p>Wire form: the length of the snapshot ({@link MachineStates#snapshot()}), then
 * the snapshot, so the state's own versioned format carries its evolution and this serializer needs
 * no configuration. {@link #copy(MachineStates)} is deep, as the heap backend's copy-on-write
 * during asynchronous checkpoints requires. Stateless, so one instance serves every thread.
 */
public final class MachineStatesSerializer extends TypeSerializerSingleton<MachineStates> {

    private static final long serialVersionUID = 1L;

    public static final MachineStatesSerializer INSTANCE = new MachineStatesSerializer();

    @Override
    public boolean isImmutableType() {
        return false;
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
    public MachineStates copy(MachineStates from, MachineStates reuse) {
        return from.copy();
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(MachineStates state, DataOutputView target) throws IOException {
        byte[] snapshot = state.snapshot();
        target.writeInt(snapshot.length);
        target.write(snapshot);
    }

    @Override
    public MachineStates deserialize(DataInputView source) throws IOException {
        byte[] snapshot = readSnapshot(source);
        try {
            return MachineStates.fromSnapshot(snapshot);
        } catch (IllegalArgumentException e) {
            throw new IOException("multivariate detector state of " + snapshot.length + " bytes is unreadable", e);
        }
    }

    @Override
    public MachineStates deserialize(MachineStates reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        byte[] snapshot = readSnapshot(source);
        target.writeInt(snapshot.length);
        target.write(snapshot);
    }

    @Override
    public TypeSerializerSnapshot<MachineStates> snapshotConfiguration() {
        return new Snapshot();
    }

    private static byte[] readSnapshot(DataInputView source) throws IOException {
        int length = source.readInt();
        if (length < 0) {
            throw new IOException("multivariate detector state claims a negative length " + length);
        }
        byte[] snapshot = new byte[length];
        source.readFully(snapshot);
        return snapshot;
    }

    /** Serializer snapshot: the serializer has no configuration, the state format is versioned itself. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<MachineStates> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
