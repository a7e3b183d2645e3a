package io.werkstrom.jobs.source.split;

import java.util.Objects;

import io.werkstrom.protocol.Topics;

import org.apache.flink.api.connector.source.SourceSplit;

/**
 * One reader's share of the source: a shared subscription to {@code topicFilter} in
 * {@code sharedGroup}, read through one broker session. The broker balances the messages between
 * all subscriptions of the group, so splits need no offsets; what has been consumed but not yet
 * acknowledged, and what the broker queued for the session while nobody read it, lives in the
 * session. A split made by the enumerator ({@link #numbered}) names its session by its number, so
 * that the split and its session go together to whichever reader restores it. Immutable.
 */
public record MqttSubscriptionSplit(String splitId, String sharedGroup, String topicFilter) implements SourceSplit {

    private static final String NUMBERED = "subscription-";

    public MqttSubscriptionSplit {
        Objects.requireNonNull(splitId, "splitId must not be null.");
        Objects.requireNonNull(sharedGroup, "sharedGroup must not be null.");
        Objects.requireNonNull(topicFilter, "topicFilter must not be null.");
    }

    /** The split numbered {@code number}, whose session is {@code number}. */
    public static MqttSubscriptionSplit numbered(int number, String sharedGroup, String topicFilter) {
        return new MqttSubscriptionSplit(NUMBERED + number, sharedGroup, topicFilter);
    }

    /**
     * The number of the broker session that reads this split: its number for a split made by
     * {@link #numbered}, else {@code readerIndex} (the reading subtask's own session).
     */
    public int session(int readerIndex) {
        if (splitId.startsWith(NUMBERED)) {
            try {
                return Integer.parseUnsignedInt(splitId.substring(NUMBERED.length()));
            } catch (NumberFormatException e) {
                return readerIndex;
            }
        }
        return readerIndex;
    }

    /** This split, subscribing to {@code topicFilter} in {@code sharedGroup}. */
    public MqttSubscriptionSplit subscribing(String sharedGroup, String topicFilter) {
        return new MqttSubscriptionSplit(splitId, sharedGroup, topicFilter);
    }

    /** The topic to subscribe to: {@code $share/{sharedGroup}/{topicFilter}}, or the plain filter with an empty group. */
    public String sharedSubscription() {
        return sharedGroup.isEmpty() ? topicFilter : Topics.shared(sharedGroup, topicFilter);
    }
}
