package io.werkstrom.app.chaos;

import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.werkstrom.app.cli.StopSignal;

/**
 * Where a drill is, so that Ctrl-C or SIGTERM can end it between steps: {@link #enter} names the
 * next step and {@link #check} throws {@link Aborted} once a stop was requested; the drill then
 * closes what it owns on the way out. {@link #runOrAbort} runs a drill under the command's
 * {@link StopSignal} and reports an abort.
 *
 * <p>Threads: the drill's thread enters and checks; any thread may read {@link #phase()}.
 */
final class DrillSteps {

    /** The drill was stopped from outside (Ctrl-C, SIGTERM) before it had a result. */
    static final class Aborted extends Exception {
        Aborted(String phase) {
            super("stopped during " + phase);
        }
    }

    private final BooleanSupplier stopRequested;
    private volatile String phase = "starting";

    /** @param stopRequested polled by {@link #check}; once true the drill ends with {@link Aborted} */
    DrillSteps(BooleanSupplier stopRequested) {
        this.stopRequested = stopRequested;
    }

    /** Names the step the drill starts now, then {@link #check checks}. */
    void enter(String name) throws Aborted {
        phase = name;
        check();
    }

    /** Throws {@link Aborted} once a stop was requested. */
    void check() throws Aborted {
        if (stopRequested()) {
            throw new Aborted(phase);
        }
    }

    boolean stopRequested() {
        return stopRequested.getAsBoolean();
    }

    /** The step the drill is in. */
    String phase() {
        return phase;
    }

    /**
     * Runs {@code drill} and returns its result. When a stop signal ended it, prints where it was and
     * what it cleaned up ({@code cleanedUp}) on {@code err}, {@code abortedJson} on {@code out}, and
     * returns nothing.
     *
     * @throws Exception what the drill threw, when no stop signal came
     */
    static <R> Optional<R> runOrAbort(StopSignal stop, DrillSteps steps, Callable<R> drill,
                                      Supplier<String> abortedJson, String cleanedUp, PrintStream out,
                                      PrintStream err) throws Exception {
        try {
            return Optional.of(drill.call());
        } catch (Exception e) {
            if (!stop.stopped()) {
                throw e;
            }
            // The drill closed what it owns on the way out; a failure meanwhile (a database stopped by
            // its own shutdown hook) belongs to the abort.
            err.println("stopped during " + steps.phase() + (e instanceof Aborted ? "" : " (" + e + ")") + "; "
                    + cleanedUp);
            out.println(abortedJson.get());
            out.flush();
            return Optional.empty();
        }
    }
}
