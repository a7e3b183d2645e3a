package io.werkstrom.jobs.detect;

import java.io.IOException;

import io.werkstrom.analytics.detect.RobustZScoreState;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of a {@link RobustZScoreState}, so that keyed state can hold the live object:
 * the heap state backend serialises it only when it takes a checkpoint, RocksDB on every access.
 *
 * <p>Wire form: the length of the detector snapshot ({@link RobustZScoreState#snapshot()}), then
 * the snapshot, so the state's own versioned format carries its evolution and this serializer needs
 * no configuration. {@link #copy(RobustZScoreState)} is deep, as the heap backend's copy-on-write
 * during asynchronous checkpoints requires. Stateless, so one instance serves every thread.
 */
public final class RobustZScoreStateSerializer extends TypeSerializerSingleton<RobustZScoreState> {

    private static final long serialVersionUID = 1L;

    public static final RobustZScoreStateSerializer INSTANCE = new RobustZScoreStateSerializer();

    @Override
    public boolean isImmutableType() {
        return false;
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
    public RobustZScoreState copy(RobustZScoreState from, RobustZScoreState reuse) {
        return from.copy();
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(RobustZScoreState state, DataOutputView target) throws IOException {
        byte[] snapshot = state.snapshot();
        target.writeInt(snapshot.length);
        target.write(snapshot);
    }

    @Override
    public RobustZScoreState deserialize(DataInputView source) throws IOException {
        byte[] snapshot = readSnapshot(source);
        try {
            return RobustZScoreState.fromSnapshot(snapshot);
        } catch (IllegalArgumentException e) {
            throw new IOException("robust-z detector state of " + snapshot.length + " bytes is unreadable", e);
        }
    }

    @Override
    public RobustZScoreState deserialize(RobustZScoreState reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        byte[] snapshot = readSnapshot(source);
        target.writeInt(snapshot.length);
        target.write(snapshot);
    }

    @Override
    public TypeSerializerSnapshot<RobustZScoreState> snapshotConfiguration() {
        return new Snapshot();
    }

    private static byte[] readSnapshot(DataInputView source) throws IOException {
        int length = source.readInt();
        if (length < 0) {
            throw new IOException("robust-z detector state claims a negative length " + length);
        }
        byte[] snapshot = new byte[length];
        source.readFully(snapshot);
        return snapshot;
    }

    /** Serializer snapshot: the serializer has no configuration, the state format is versioned itself. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<RobustZScoreState> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
