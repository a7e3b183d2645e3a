package io.werkstrom.jobs.source.enumerator;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.werkstrom.jobs.source.split.MqttSubscriptionSplit;

import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands one subscription split to every reader that asks for one.
 *
 * <p>Readers ask (at start) only when they restored no split from their checkpointed state, so a
 * restarted or rescaled job neither loses nor doubles subscriptions. A split that comes back from
 * a failed reader ({@link #addSplitsBack}) is handed to the next reader that asks, before any new
 * split is made. A new split's number, and so its broker session, is one no split had before.
 * Runs in the coordinator thread; not thread-safe.
 */
public final class MqttSubscriptionEnumerator implements SplitEnumerator<MqttSubscriptionSplit, MqttEnumeratorState> {

    private static final Logger LOG = LoggerFactory.getLogger(MqttSubscriptionEnumerator.class);

    private final SplitEnumeratorContext<MqttSubscriptionSplit> context;
    private final String sharedGroup;
    private final String topicFilter;
    private final Deque<MqttSubscriptionSplit> unassigned;
    /** Requests from readers the coordinator had not registered yet; served in {@link #addReader}. */
    private final Set<Integer> waitingReaders = new LinkedHashSet<>();
    private int nextSplitIndex;

    public MqttSubscriptionEnumerator(SplitEnumeratorContext<MqttSubscriptionSplit> context, String sharedGroup,
                                      String topicFilter, MqttEnumeratorState restored) {
        this.context = context;
        this.sharedGroup = sharedGroup;
        this.topicFilter = topicFilter;
        this.unassigned = new ArrayDeque<>(restored.unassignedSplits());
        this.nextSplitIndex = restored.nextSplitIndex();
    }

    @Override
    public void start() {
        LOG.info("MQTT enumerator started for $share/{}/{} with {} unassigned split(s)", sharedGroup, topicFilter,
                unassigned.size());
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        if (!context.registeredReaders().containsKey(subtaskId)) {
            waitingReaders.add(subtaskId);
            return;
        }
        assignTo(subtaskId);
    }

    @Override
    public void addReader(int subtaskId) {
        // Nothing to do for a reader that restored its split; one without asks in start().
        if (waitingReaders.remove(subtaskId)) {
            assignTo(subtaskId);
        }
    }

    @Override
    public void addSplitsBack(List<MqttSubscriptionSplit> splits, int subtaskId) {
        LOG.info("{} split(s) came back from failed reader {}; the next reader to ask gets them", splits.size(),
                subtaskId);
        unassigned.addAll(splits);
        waitingReaders.remove(subtaskId);
    }

    @Override
    public MqttEnumeratorState snapshotState(long checkpointId) {
        return new MqttEnumeratorState(nextSplitIndex, List.copyOf(unassigned));
    }

    @Override
    public void close() {
        // Nothing held: splits are plain values, the broker holds the subscriptions.
    }

    private void assignTo(int subtaskId) {
        MqttSubscriptionSplit split = unassigned.poll();
        if (split == null) {
            split = MqttSubscriptionSplit.numbered(nextSplitIndex++, sharedGroup, topicFilter);
        }
        LOG.info("Assigning {} to reader {}", split, subtaskId);
        context.assignSplit(split, subtaskId);
    }
}
