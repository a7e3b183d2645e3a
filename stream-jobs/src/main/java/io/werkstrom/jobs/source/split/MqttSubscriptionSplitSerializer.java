package io.werkstrom.jobs.source.split;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Checkpoint format of {@link MqttSubscriptionSplit}. Version 1: split id, group and topic filter
 * as modified UTF-8. A new format gets a new version; old versions stay readable.
 */
public final class MqttSubscriptionSplitSerializer implements SimpleVersionedSerializer<MqttSubscriptionSplit> {

    public static final int CURRENT_VERSION = 1;

    @Override
    public int getVersion() {
        return CURRENT_VERSION;
    }

    @Override
    public byte[] serialize(MqttSubscriptionSplit split) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(split, out);
        }
        return bytes.toByteArray();
    }

    @Override
    public MqttSubscriptionSplit deserialize(int version, byte[] serialized) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            return read(version, in);
        }
    }

    /** Writes one split in the current version; shared with the enumerator state serializer. */
    public static void write(MqttSubscriptionSplit split, DataOutputStream out) throws IOException {
        out.writeUTF(split.splitId());
        out.writeUTF(split.sharedGroup());
        out.writeUTF(split.topicFilter());
    }

    /** Reads one split written by {@link #write} in {@code version}. */
    public static MqttSubscriptionSplit read(int version, DataInputStream in) throws IOException {
        if (version != 1) {
            throw new IOException("unknown MQTT subscription split version " + version + " (this build reads 1)");
        }
        return new MqttSubscriptionSplit(in.readUTF(), in.readUTF(), in.readUTF());
    }
}
