package io.werkstrom.jobs.source.enumerator;

import java.util.List;

import io.werkstrom.jobs.source.split.MqttSubscriptionSplit;

/**
 * What the enumerator checkpoints: the index the next new split gets, and splits that came back
 * from failed readers and wait for a reader to ask again. Immutable.
 */
public record MqttEnumeratorState(int nextSplitIndex, List<MqttSubscriptionSplit> unassignedSplits) {

    public MqttEnumeratorState {
        if (nextSplitIndex < 0) {
            throw new IllegalArgumentException("nextSplitIndex must not be negative, got " + nextSplitIndex + ".");
        }
        unassignedSplits = List.copyOf(unassignedSplits);
    }

    public static MqttEnumeratorState empty() {
        return new MqttEnumeratorState(0, List.of());
    }
}
