package io.werkstrom.jobs.source.split;

import java.util.Objects;

import io.werkstrom.protocol.Topics;

import org.apache.flink.api.connector.source.SourceSplit;

/**
 * One reader's share of the source: a shared subscription to {@code topicFilter} in
 * {@code sharedGroup}. The broker balances the messages between all subscriptions of the group,
 * so splits need no offsets; what a reader has consumed but not yet acknowledged lives in its
 * broker session. Immutable.
 */
public record MqttSubscriptionSplit(String splitId, String sharedGroup, String topicFilter) implements SourceSplit {

    public MqttSubscriptionSplit {
        Objects.requireNonNull(splitId, "splitId must not be null.");
        Objects.requireNonNull(sharedGroup, "sharedGroup must not be null.");
        Objects.requireNonNull(topicFilter, "topicFilter must not be null.");
    }

    /** The topic to subscribe to: {@code $share/{sharedGroup}/{topicFilter}}, or the plain filter with an empty group. */
    public String sharedSubscription() {
        return sharedGroup.isEmpty() ? topicFilter : Topics.shared(sharedGroup, topicFilter);
    }
}
