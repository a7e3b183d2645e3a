package io.werkstrom.jobs.source.enumerator;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import io.werkstrom.jobs.source.split.MqttSubscriptionSplit;
import io.werkstrom.jobs.source.split.MqttSubscriptionSplitSerializer;

import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Checkpoint format of {@link MqttEnumeratorState}. Version 1: next split index, the number of
 * unassigned splits, then each split in split format version 1.
 */
public final class MqttEnumeratorStateSerializer implements SimpleVersionedSerializer<MqttEnumeratorState> {

    public static final int CURRENT_VERSION = 1;

    @Override
    public int getVersion() {
        return CURRENT_VERSION;
    }

    @Override
    public byte[] serialize(MqttEnumeratorState state) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(state.nextSplitIndex());
            out.writeInt(state.unassignedSplits().size());
            for (MqttSubscriptionSplit split : state.unassignedSplits()) {
                MqttSubscriptionSplitSerializer.write(split, out);
            }
        }
        return bytes.toByteArray();
    }

    @Override
    public MqttEnumeratorState deserialize(int version, byte[] serialized) throws IOException {
        if (version != 1) {
            throw new IOException("unknown MQTT enumerator state version " + version + " (this build reads 1)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            int nextSplitIndex = in.readInt();
            int count = in.readInt();
            if (count < 0) {
                throw new IOException("corrupt MQTT enumerator state: " + count + " splits");
            }
            List<MqttSubscriptionSplit> splits = new ArrayList<>(Math.min(count, 1024));
            for (int i = 0; i < count; i++) {
                splits.add(MqttSubscriptionSplitSerializer.read(1, in));
            }
            return new MqttEnumeratorState(nextSplitIndex, splits);
        }
    }
}
