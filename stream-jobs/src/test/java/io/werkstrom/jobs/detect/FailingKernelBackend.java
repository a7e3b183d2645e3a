package io.werkstrom.jobs.detect;

import java.util.function.Supplier;

import io.werkstrom.analytics.kernel.ForwardingKernelBackend;
import io.werkstrom.analytics.kernel.JavaKernelBackend;

/**
 * The shared Java backend, failing kernel calls on command: {@link #fail(int, int, Supplier)} lets
 * the next calls through, then fails some, as an analytics service that goes away would.
 * Not thread-safe.
 */
final class FailingKernelBackend extends ForwardingKernelBackend {

    private int passing;
    private int failing;
    private Supplier<RuntimeException> failure;
    private int calls;
    private int failed;

    FailingKernelBackend() {
        super(JavaKernelBackend.shared());
    }

    /** Lets the next {@code pass} calls through, then fails {@code count} calls with {@code failure}. */
    void fail(int pass, int count, Supplier<RuntimeException> failure) {
        this.passing = pass;
        this.failing = count;
        this.failure = failure;
    }

    /** Fails the next {@code count} calls as an unreachable analytics service does. */
    void failUnreachable(int count) {
        fail(0, count, () -> new IllegalStateException("the analytics service at grpc://analytics:8815 is unreachable"));
    }

    /** Lets every call through again. */
    void recover() {
        fail(0, 0, null);
    }

    /** Kernel calls made, failed ones included. */
    int calls() {
        return calls;
    }

    /** Kernel calls failed. */
    int failed() {
        return failed;
    }

    @Override
    protected void beforeCall() {
        calls++;
        if (passing > 0) {
            passing--;
            return;
        }
        if (failing > 0) {
            failing--;
            failed++;
            throw failure.get();
        }
    }

    @Override
    public String name() {
        return "failing(" + delegate().name() + ")";
    }

    @Override
    public void close() {
        // The shared backend is the process's; nothing of ours to release.
    }
}
