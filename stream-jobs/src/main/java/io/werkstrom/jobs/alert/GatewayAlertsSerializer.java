package io.werkstrom.jobs.alert;

import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

import io.werkstrom.jobs.detect.SnapshotStateSerializer;

/**
 * Flink serializer of {@link GatewayAlerts}, the alert rules of one gateway
 * ({@link SnapshotStateSerializer}: the length of {@link GatewayAlerts#snapshot()}, then the snapshot;
 * {@link #copy(GatewayAlerts)} is deep). A savepoint holding the state in the generic form of earlier
 * releases restores through {@link GenericFormMigration}.
 */
public final class GatewayAlertsSerializer extends SnapshotStateSerializer<GatewayAlerts> {

    private static final long serialVersionUID = 1L;

    public static final GatewayAlertsSerializer INSTANCE = new GatewayAlertsSerializer();

    public GatewayAlertsSerializer() {
        super("gateway alert state");
    }

    @Override
    public GatewayAlerts createInstance() {
        return new GatewayAlerts();
    }

    @Override
    public GatewayAlerts copy(GatewayAlerts from) {
        return from.copy();
    }

    @Override
    protected byte[] snapshot(GatewayAlerts state) {
        return state.snapshot();
    }

    @Override
    protected GatewayAlerts restore(byte[] snapshot) {
        return GatewayAlerts.fromSnapshot(snapshot);
    }

    @Override
    public TypeSerializerSnapshot<GatewayAlerts> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot: no configuration, the state's form is versioned itself; migrates the generic form. */
    public static final class Snapshot extends GenericFormMigration<GatewayAlerts> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
