package io.werkstrom.analytics.predict;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;

/**
 * Turns the samples of many machines, each machine's in time order, into production cycles: the
 * features of every cycle when its {@value CycleFeatures#CYCLE_TIME} sample ends it, and the
 * part's outcome when its {@value CycleFeatures#PART_SCRAP} sample arrives. Mutable, not
 * thread-safe. A stream operator keeps it as state in its versioned binary form
 * ({@link #snapshot()}), which a later version still reads.
 */
public final class CycleTracker {

    /** The version of {@link #snapshot()}'s form. */
    private static final int VERSION = 1;

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

    /**
     * The tracker in a stable, versioned binary form: per machine, whether its cycle's start was
     * seen, and the running cycle's statistics.
     */
    public byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(VERSION);
            out.writeInt(running.size());
            for (Map.Entry<String, CycleFeatures> entry : running.entrySet()) {
                out.writeUTF(entry.getKey());
                out.writeBoolean(started.contains(entry.getKey()));
                entry.getValue().write(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads {@link #snapshot()}'s form.
     *
     * @throws IllegalArgumentException when the bytes are not such a snapshot
     */
    public static CycleTracker fromSnapshot(byte[] snapshot) {
        CycleTracker tracker = new CycleTracker();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot))) {
            int version = in.readInt();
            if (version != VERSION) {
                throw new IllegalArgumentException("production cycle state version " + version + " is unknown (expected "
                        + VERSION + ").");
            }
            int machines = in.readInt();
            if (machines < 0 || machines > 10_000_000) {
                throw new IllegalArgumentException("production cycle state claims " + machines + " machines.");
            }
            for (int i = 0; i < machines; i++) {
                String machine = in.readUTF();
                if (in.readBoolean()) {
                    tracker.started.add(machine);
                }
                tracker.running.put(machine, CycleFeatures.read(in));
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("production cycle state has " + in.available() + " trailing bytes.");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("production cycle state is truncated or malformed.", e);
        }
        return tracker;
    }

    /** A deep copy. */
    public CycleTracker copy() {
        return fromSnapshot(snapshot());
    }
}
