package io.werkstrom.jobs.predict;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

import io.werkstrom.jobs.detect.SnapshotStateSerializer;

/**
 * Flink serializer of the {@link BatchOrder} of the part-quality operator
 * ({@link SnapshotStateSerializer}: the length of {@link BatchOrder#snapshot()}, then the
 * snapshot; {@link #copy(BatchOrder)} is deep, the held batches being immutable).
 */
public final class BatchOrderSerializer extends SnapshotStateSerializer<BatchOrder> {

    private static final long serialVersionUID = 1L;

    public static final BatchOrderSerializer INSTANCE = new BatchOrderSerializer();

    public BatchOrderSerializer() {
        super("batch order state");
    }

    @Override
    public BatchOrder createInstance() {
        return new BatchOrder();
    }

    @Override
    public BatchOrder copy(BatchOrder from) {
        return from.copy();
    }

    @Override
    protected byte[] snapshot(BatchOrder order) {
        return order.snapshot();
    }

    @Override
    protected BatchOrder restore(byte[] snapshot) {
        return BatchOrder.fromSnapshot(snapshot);
    }

    @Override
    public TypeSerializerSnapshot<BatchOrder> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot: the serializer has no configuration, the state format is versioned itself. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<BatchOrder> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
