package io.werkstrom.jobs.detect;

import java.io.IOException;

import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of a detector's or predictor's state that writes itself to a versioned byte snapshot, so that
 * keyed state can hold the live object: the heap state backend serialises it only when it takes a
 * checkpoint, RocksDB on every access.
 *
 * <p>Wire form: the length of the snapshot, then the snapshot, so the state's own versioned format
 * carries its evolution and the serializer needs no configuration. A subclass's
 * {@link #copy(Object)} must be deep, as the heap backend's copy-on-write during asynchronous
 * checkpoints requires. Stateless, so one instance serves every thread.
 *
 * @param <T> the state
 */
public abstract class SnapshotStateSerializer<T> extends TypeSerializerSingleton<T> {

    private static final long serialVersionUID = 1L;

    /** What the state is, for error messages, e.g. {@code robust-z detector state}. */
    private final String what;

    protected SnapshotStateSerializer(String what) {
        this.what = what;
    }

    /** The state's versioned snapshot. */
    protected abstract byte[] snapshot(T state);

    /**
     * The state a snapshot describes.
     *
     * @throws IllegalArgumentException when the snapshot is damaged or of an unknown version
     */
    protected abstract T restore(byte[] snapshot);

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(T state, DataOutputView target) throws IOException {
        byte[] snapshot = snapshot(state);
        target.writeInt(snapshot.length);
        target.write(snapshot);
    }

    @Override
    public T deserialize(DataInputView source) throws IOException {
        byte[] snapshot = readSnapshot(source);
        try {
            return restore(snapshot);
        } catch (IllegalArgumentException e) {
            throw new IOException(what + " of " + snapshot.length + " bytes is unreadable", e);
        }
    }

    @Override
    public T deserialize(T reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        byte[] snapshot = readSnapshot(source);
        target.writeInt(snapshot.length);
        target.write(snapshot);
    }

    private byte[] readSnapshot(DataInputView source) throws IOException {
        int length = source.readInt();
        if (length < 0) {
            throw new IOException(what + " claims a negative length " + length);
        }
        byte[] snapshot = new byte[length];
        source.readFully(snapshot);
        return snapshot;
    }
}
