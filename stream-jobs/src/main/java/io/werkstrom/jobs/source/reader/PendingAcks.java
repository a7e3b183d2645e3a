package io.werkstrom.jobs.source.reader;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Which MQTT messages may be acknowledged when: messages emitted before the snapshot of checkpoint
 * {@code n} are acknowledged once checkpoint {@code n} (or a later one) completes. An aborted
 * checkpoint's messages stay pending and ride along with the next completed one.
 *
 * <p>Used by the task thread only; not thread-safe.
 */
final class PendingAcks {

    /**
     * A QoS 1 or 2 message that is waiting for its acknowledgement, the reader's session it arrived
     * in and the connection of that session it arrived on.
     */
    record Ack(int session, int messageId, int qos, int connection) {
    }

    private List<Ack> sinceLastSnapshot = new ArrayList<>();
    private final NavigableMap<Long, List<Ack>> byCheckpoint = new TreeMap<>();
    private int pending;

    /** Records a message that has just been emitted. */
    void emitted(int session, int messageId, int qos, int connection) {
        sinceLastSnapshot.add(new Ack(session, messageId, qos, connection));
        pending++;
    }

    /** Closes the group of messages that belong to {@code checkpointId}. */
    void snapshot(long checkpointId) {
        if (!sinceLastSnapshot.isEmpty()) {
            byCheckpoint.merge(checkpointId, sinceLastSnapshot, (a, b) -> {
                a.addAll(b);
                return a;
            });
            sinceLastSnapshot = new ArrayList<>();
        }
    }

    /** Removes and returns, oldest first, every message that checkpoint {@code checkpointId} covers. */
    List<Ack> completed(long checkpointId) {
        List<Ack> acks = new ArrayList<>();
        Iterator<Map.Entry<Long, List<Ack>>> it = byCheckpoint.headMap(checkpointId, true).entrySet().iterator();
        while (it.hasNext()) {
            acks.addAll(it.next().getValue());
            it.remove();
        }
        pending -= acks.size();
        return acks;
    }

    /** Messages emitted but not yet released by a completed checkpoint. */
    int pending() {
        return pending;
    }
}
