package io.werkstrom.jobs.eventtime;

import org.apache.flink.api.connector.sink2.Committer;

/**
 * A commit request of the aggregate refresh's committer, as Flink hands it over, that records what
 * the committer asked for: a retry ({@link #retryRequested}), set back by the test before the next
 * commit along with {@link #retries}. Dropping a range, or the other answers, fails the test. An
 * {@linkplain #onTime on-time} request must never be retried either.
 */
final class RecordedCommitRequest implements Committer.CommitRequest<StoredRange> {

    private final StoredRange range;
    private final boolean retriable;
    volatile int retries;
    volatile boolean retryRequested;

    private RecordedCommitRequest(StoredRange range, boolean retriable) {
        this.range = range;
        this.retriable = retriable;
    }

    /** A request the committer may hand back for a retry: a late range. */
    static RecordedCommitRequest retriable(StoredRange range) {
        return new RecordedCommitRequest(range, true);
    }

    /** A request the committer never hands back: an on-time one, or a late one whose refresh succeeds. */
    static RecordedCommitRequest onTime(StoredRange range) {
        return new RecordedCommitRequest(range, false);
    }

    @Override
    public StoredRange getCommittable() {
        return range;
    }

    @Override
    public int getNumberOfRetries() {
        return retries;
    }

    @Override
    public void signalFailedWithKnownReason(Throwable t) {
        throw new AssertionError("the committer must not drop ranges", t);
    }

    @Override
    public void signalFailedWithUnknownReason(Throwable t) {
        throw new AssertionError("the committer must not drop ranges", t);
    }

    @Override
    public void retryLater() {
        if (!retriable) {
            throw new AssertionError("an on-time request is not retried");
        }
        retryRequested = true;
    }

    @Override
    public void updateAndRetryLater(StoredRange committable) {
        throw new AssertionError("not expected");
    }

    @Override
    public void signalAlreadyCommitted() {
        throw new AssertionError("not expected");
    }
}
