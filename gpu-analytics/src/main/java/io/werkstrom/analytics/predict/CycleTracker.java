package io.werkstrom.analytics.predict;

import java.io.Serializable;
import java.util.HashMap;
import java.util.HashSet;

/**
 * Turns the samples of many machines, each machine's in time order, into production cycles: the
 * features of every cycle when its {@value CycleFeatures#CYCLE_TIME} sample ends it, and the
 * part's outcome when its {@value CycleFeatures#PART_SCRAP} sample arrives. Mutable, not
 * thread-safe; Java-serialisable so that a stream operator can keep it as state.
 */
public final class CycleTracker implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Quality code of a bad sample (OPC UA "bad"): never part of a cycle's features. */
    private static final byte BAD = 2;

    /** What a tracker reports. */
    public interface Listener {
        /** A cycle of {@code machine} ended at {@code endMicros}; {@code features} is the listener's. */
        void cycleEnded(String machine, long endMicros, double[] features);

        /** The part made by the cycle of {@code machine} that ended at {@code endMicros} was scrap or good. */
        void outcome(String machine, long endMicros, boolean scrap);
    }

    private final HashMap<String, CycleFeatures> running = new HashMap<>();
    /** Machines whose current cycle began after a cycle end this tracker saw. */
    private final HashSet<String> started = new HashSet<>();

    /** Feeds one sample; reports a cycle end or an outcome to {@code listener} when the sample is one. */
    public void accept(long micros, String machine, String sensor, double value, byte quality, Listener listener) {
        if (quality >= BAD) {
            return;
        }
        if (CycleFeatures.CYCLE_TIME.equals(sensor)) {
            CycleFeatures cycle = running.computeIfAbsent(machine, m -> new CycleFeatures());
            // The first cycle end seen of a machine closes a cycle whose start was not seen: its
            // features would be partial, so it is not reported, only its end marks the next start.
            if (!started.add(machine)) {
                listener.cycleEnded(machine, micros, cycle.features(value));
            }
            cycle.reset();
        } else if (CycleFeatures.PART_SCRAP.equals(sensor)) {
            listener.outcome(machine, micros, value >= 0.5);
        } else if (CycleFeatures.SIGNALS.contains(sensor)) {
            running.computeIfAbsent(machine, m -> new CycleFeatures()).add(sensor, value);
        }
    }

    /** Machines with a cycle in progress. */
    public int machines() {
        return running.size();
    }
}
