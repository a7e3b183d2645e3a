package io.werkstrom.jobs.alert;

import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

import io.werkstrom.jobs.detect.SnapshotStateSerializer;

/**
 * Flink serializer of {@link SensorSilence}, the sensor_silent rules of one gateway
 * ({@link SnapshotStateSerializer}: the length of {@link SensorSilence#snapshot()}, then the snapshot;
 * {@link #copy(SensorSilence)} is deep). A savepoint holding the state in the generic form of earlier
 * releases restores through {@link GenericFormMigration}.
 */
public final class SensorSilenceSerializer extends SnapshotStateSerializer<SensorSilence> {

    private static final long serialVersionUID = 1L;

    public static final SensorSilenceSerializer INSTANCE = new SensorSilenceSerializer();

    public SensorSilenceSerializer() {
        super("sensor silence state");
    }

    @Override
    public SensorSilence createInstance() {
        return new SensorSilence();
    }

    @Override
    public SensorSilence copy(SensorSilence from) {
        return from.copy();
    }

    @Override
    protected byte[] snapshot(SensorSilence state) {
        return state.snapshot();
    }

    @Override
    protected SensorSilence restore(byte[] snapshot) {
        return SensorSilence.fromSnapshot(snapshot);
    }

    @Override
    public TypeSerializerSnapshot<SensorSilence> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot: no configuration, the state's form is versioned itself; migrates the generic form. */
    public static final class Snapshot extends GenericFormMigration<SensorSilence> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
