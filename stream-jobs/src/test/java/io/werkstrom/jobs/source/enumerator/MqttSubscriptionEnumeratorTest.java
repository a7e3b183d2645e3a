package io.werkstrom.jobs.source.enumerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;

import io.werkstrom.jobs.source.split.MqttSubscriptionSplit;

import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.junit.jupiter.api.Test;

class MqttSubscriptionEnumeratorTest {

    private static final String GROUP = "werkstrom-telemetry";
    private static final String FILTER = "werkstrom/v1/+/+/+/telemetry";

    private final RecordingContext context = new RecordingContext();

    @Test
    void everyReaderThatAsksGetsItsOwnSubscriptionSplit() {
        MqttSubscriptionEnumerator enumerator = enumerator(MqttEnumeratorState.empty());
        context.register(0);
        context.register(1);

        enumerator.handleSplitRequest(0, "host");
        enumerator.handleSplitRequest(1, "host");

        MqttSubscriptionSplit first = context.only(0);
        MqttSubscriptionSplit second = context.only(1);
        assertNotEquals(first.splitId(), second.splitId());
        assertEquals("$share/" + GROUP + "/" + FILTER, first.sharedSubscription());
        assertEquals(first.sharedSubscription(), second.sharedSubscription());
    }

    @Test
    void aReaderThatDoesNotAskGetsNothing() {
        MqttSubscriptionEnumerator enumerator = enumerator(MqttEnumeratorState.empty());
        context.register(0);

        // A reader that restored its split registers without asking.
        enumerator.addReader(0);

        assertTrue(context.assigned.isEmpty());
    }

    @Test
    void aRequestBeforeRegistrationIsServedWhenTheReaderRegisters() {
        MqttSubscriptionEnumerator enumerator = enumerator(MqttEnumeratorState.empty());

        enumerator.handleSplitRequest(3, "host");
        assertTrue(context.assigned.isEmpty());

        context.register(3);
        enumerator.addReader(3);

        assertEquals("subscription-0", context.only(3).splitId());
    }

    @Test
    void splitsBackFromAFailedReaderAreReassignedBeforeNewOnes() {
        MqttSubscriptionEnumerator enumerator = enumerator(MqttEnumeratorState.empty());
        context.register(0);
        context.register(1);
        enumerator.handleSplitRequest(0, "host");
        enumerator.handleSplitRequest(1, "host");
        MqttSubscriptionSplit lost = context.only(1);

        enumerator.addSplitsBack(List.of(lost), 1);
        context.assigned.clear();
        enumerator.handleSplitRequest(1, "host");

        assertEquals(lost, context.only(1));
    }

    @Test
    void stateKeepsReturnedSplitsAndTheNextIndexAcrossARestore() {
        MqttSubscriptionEnumerator enumerator = enumerator(MqttEnumeratorState.empty());
        context.register(0);
        context.register(1);
        enumerator.handleSplitRequest(0, "host");
        enumerator.handleSplitRequest(1, "host");
        MqttSubscriptionSplit returned = context.only(1);
        enumerator.addSplitsBack(List.of(returned), 1);

        MqttEnumeratorState state = enumerator.snapshotState(1L);
        assertEquals(List.of(returned), state.unassignedSplits());
        assertEquals(2, state.nextSplitIndex());

        RecordingContext restoredContext = new RecordingContext();
        MqttSubscriptionEnumerator restored = new MqttSubscriptionEnumerator(restoredContext, GROUP, FILTER, state);
        restoredContext.register(1);
        restoredContext.register(2);
        restored.handleSplitRequest(1, "host");
        restored.handleSplitRequest(2, "host");

        assertEquals(returned, restoredContext.only(1));
        assertEquals("subscription-2", restoredContext.only(2).splitId());
    }

    private MqttSubscriptionEnumerator enumerator(MqttEnumeratorState state) {
        return new MqttSubscriptionEnumerator(context, GROUP, FILTER, state);
    }

    /** Records assignments; only what the enumerator uses is implemented. */
    private static final class RecordingContext implements SplitEnumeratorContext<MqttSubscriptionSplit> {
        final Map<Integer, ReaderInfo> readers = new HashMap<>();
        final Map<Integer, List<MqttSubscriptionSplit>> assigned = new LinkedHashMap<>();

        void register(int subtask) {
            readers.put(subtask, new ReaderInfo(subtask, "host"));
        }

        MqttSubscriptionSplit only(int subtask) {
            List<MqttSubscriptionSplit> splits = assigned.getOrDefault(subtask, List.of());
            assertEquals(1, splits.size(), "splits of reader " + subtask + ": " + splits);
            return splits.get(0);
        }

        @Override
        public void assignSplits(SplitsAssignment<MqttSubscriptionSplit> assignment) {
            assignment.assignment().forEach((subtask, splits) -> {
                assertTrue(readers.containsKey(subtask), "assigned to unregistered reader " + subtask);
                assigned.computeIfAbsent(subtask, k -> new ArrayList<>()).addAll(splits);
            });
        }

        @Override
        public Map<Integer, ReaderInfo> registeredReaders() {
            return readers;
        }

        @Override
        public SplitEnumeratorMetricGroup metricGroup() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void sendEventToSourceReader(int subtaskId, SourceEvent event) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int currentParallelism() {
            return readers.size();
        }

        @Override
        public void signalNoMoreSplits(int subtask) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler, long initialDelay,
                                  long period) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void runInCoordinatorThread(Runnable runnable) {
            runnable.run();
        }
    }
}
