package io.werkstrom.analytics.predict;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns the samples of many machines, each machine's in time order, into production cycles: the
 * features of every cycle when its {@value CycleFeatures#CYCLE_TIME} sample ends it, and the
 * part's outcome when its {@value CycleFeatures#PART_SCRAP} sample arrives. Mutable, not
 * thread-safe. A stream operator keeps it as state in its versioned binary form
 * ({@link #snapshot()}), which a later version still reads.
 *
 * <p>Only cycles whose every sample the tracker was fed in time order are reported (a late
 * sample of a signal, below, is not part of its cycle's features). A cycle began at the machine's
 * previous cycle end, or, for the first cycle end seen of a machine, {@value CycleFeatures#CYCLE_TIME}
 * seconds before its end: that first cycle is reported when the tracker's first sample of the
 * machine came within {@link #START_TOLERANCE_MICROS} of its start (the machine started a cycle as
 * its samples began: a new machine, a shift's start), else it only marks the next start (the
 * tracker joined the machine mid-cycle, and its features would be partial or mixed). A machine
 * that sent nothing for longer than {@link #MAX_GAP_MICROS} (its gateway was down, or the machine
 * off) is seen anew, as if first seen at its next sample: the cycle it was in is dropped, so the
 * samples before the gap never mix with those after it. When samples of the machines were lost
 * (a batch lost for good), {@link #loseSight} sees every machine anew in the same way, at its
 * next sample. A cycle end at or before the machine's last one taken (the same sample sent
 * twice) changes nothing: its cycle is reported once.
 *
 * <p>A sample that comes after newer ones of its machine were fed (a late batch) is fed to
 * {@link #acceptLate}: its outcome is reported, and a cycle end newer than the machine's last cycle
 * end taken means that the running cycle holds the end of one cycle and the start of the next, so
 * neither is seen whole: the running cycle is dropped, and the next cycle end only marks a start. A
 * late cycle end at or before the last one taken (a repeat, or an end whose cycle was reported
 * already, merged with the next) changes nothing, and so do the late samples of signals: the cycle
 * they belong to is reported without them.
 *
 * <p>At most {@link #MAX_MACHINES} machines are tracked; beyond, the machine fed least recently is
 * forgotten ({@link #takeForgotten()} counts them) and seen anew at its next sample.
 *
 * <p>A listener that wants only some cycles' outcomes (those it predicted) marks them
 * ({@link #awaitOutcome}) and asks on each outcome whether it was awaited
 * ({@link #takeAwaitedOutcome}); the marks are part of the state, so an outcome that comes in a
 * later batch, or after a restart from a checkpoint, is still recognised. Of a machine whose
 * outcomes lag more than {@link #MAX_AWAITED} cycles behind, the outcomes older than its marks
 * kept count as awaited, so that they are still reported rather than lost.
 */
public final class CycleTracker {

    /** The version of {@link #snapshot()}'s form. */
    private static final int VERSION = 6;

    /**
     * How far the first sample seen of a machine may lie from its first cycle's start for that cycle
     * to count as seen whole: one sample interval of a slowly sampled signal.
     */
    public static final long START_TOLERANCE_MICROS = 1_000_000L;
    /**
     * A machine silent for longer than this is seen anew: longer than any pause of a machine that
     * is running, short enough that a restarted gateway's first part is judged on its own.
     */
    public static final long MAX_GAP_MICROS = 300_000_000L;
    private static final long NONE = Long.MIN_VALUE;
    /**
     * Cycle ends of one machine awaiting their outcome that are kept: an outcome usually comes
     * with its cycle's end, so only a few are ever open. Beyond, the oldest mark goes, and every
     * outcome at or before the newest end gone counts as awaited (see {@link #takeAwaitedOutcome}).
     */
    public static final int MAX_AWAITED = 8;

    /**
     * Machines tracked at most: a bound on the state of a gateway that sends ever new machine names.
     * Beyond it the machine fed least recently is forgotten (it is seen anew at its next sample).
     */
    public static final int MAX_MACHINES = 10_000;

    /** Quality code of a bad sample (OPC UA "bad"): never part of a cycle's features. */
    private static final byte BAD = 2;

    /** What a tracker reports. */
    public interface Listener {
        /** A cycle of {@code machine} ended at {@code endMicros}; {@code features} is the listener's. */
        void cycleEnded(String machine, long endMicros, double[] features);

        /** The part made by the cycle of {@code machine} that ended at {@code endMicros} was scrap or good. */
        void outcome(String machine, long endMicros, boolean scrap);
    }

    /** In the order the machines were last fed a signal or cycle end, least recently first. */
    private final LinkedHashMap<String, CycleFeatures> running = new LinkedHashMap<>(16, 0.75f, true);
    /** Machines whose current cycle began after a cycle end this tracker saw. */
    private final HashSet<String> started = new HashSet<>();
    /**
     * The time of the first sample of each machine not yet {@link #started} whose samples this
     * tracker saw from the first (not one restored from version 1).
     */
    private final HashMap<String, Long> firstSample = new HashMap<>();
    /** The time of each machine's latest sample of a signal or cycle end. */
    private final HashMap<String, Long> lastSample = new HashMap<>();
    /** The time of each machine's latest cycle end taken (not one restored from version 3 or before). */
    private final HashMap<String, Long> lastEnd = new HashMap<>();
    /** Machines seen anew ({@link #loseSight}) whose next sample is taken as their first. */
    private final HashSet<String> lostSight = new HashSet<>();
    /** Per machine, the ends of cycles whose outcome is awaited, oldest first. */
    private final HashMap<String, ArrayDeque<Long>> awaited = new HashMap<>();
    /** Per machine, the newest cycle end whose mark went beyond {@link #MAX_AWAITED}. */
    private final HashMap<String, Long> awaitedBeyond = new HashMap<>();
    /** Machines forgotten beyond {@link #MAX_MACHINES} since {@link #takeForgotten()}; not part of the state. */
    private int forgotten;

    /** Feeds one sample; reports a cycle end or an outcome to {@code listener} when the sample is one. */
    public void accept(long micros, String machine, String sensor, double value, byte quality, Listener listener) {
        if (quality >= BAD) {
            return;
        }
        if (CycleFeatures.CYCLE_TIME.equals(sensor) || CycleFeatures.SIGNALS.contains(sensor)) {
            Long last = lastSample.get(machine);
            if (last == null || micros > last) {
                lastSample.put(machine, micros);
            }
            if (lostSight.remove(machine) || last != null && micros - last > MAX_GAP_MICROS
                    && running.containsKey(machine)) {
                // The tracker lost sight of the machine: what it holds of the running cycle is stale.
                started.remove(machine);
                running.get(machine).reset();
                firstSample.put(machine, micros);
            }
        }
        if (CycleFeatures.CYCLE_TIME.equals(sensor)) {
            Long lastTaken = lastEnd.get(machine);
            if (lastTaken != null && micros <= lastTaken) {
                // A repeat (the same sample sent twice): its cycle was taken, the running one is the next.
                return;
            }
            CycleFeatures cycle = running.get(machine);
            if (cycle == null) {
                cycle = track(machine);
            }
            if (!started.add(machine) || seenWhole(firstSample.remove(machine), micros, value)) {
                listener.cycleEnded(machine, micros, cycle.features(value));
            }
            cycle.reset();
            lastEnd.put(machine, micros);
        } else if (CycleFeatures.PART_SCRAP.equals(sensor)) {
            listener.outcome(machine, micros, value >= 0.5);
        } else if (CycleFeatures.SIGNALS.contains(sensor)) {
            CycleFeatures cycle = running.get(machine);
            if (cycle == null) {
                // The machine's first sample: its cycle runs since this time at the latest.
                cycle = track(machine);
                firstSample.put(machine, micros);
            }
            cycle.add(sensor, value);
        }
    }

    /**
     * Starts tracking {@code machine}, forgetting the machine fed least recently when more than
     * {@link #MAX_MACHINES} would be tracked: a gateway that invents machine names must not grow
     * the state without end. A forgotten machine is seen anew at its next sample, as after a
     * silence; an outcome still awaited for one of its cycles is then not reported.
     */
    private CycleFeatures track(String machine) {
        CycleFeatures cycle = new CycleFeatures();
        running.put(machine, cycle);
        // A loop: state restored from before the bound may hold more.
        while (running.size() > MAX_MACHINES) {
            String eldest = running.keySet().iterator().next();
            running.remove(eldest);
            started.remove(eldest);
            firstSample.remove(eldest);
            lastSample.remove(eldest);
            lastEnd.remove(eldest);
            lostSight.remove(eldest);
            awaited.remove(eldest);
            awaitedBeyond.remove(eldest);
            forgotten++;
        }
        return cycle;
    }

    /** Machines forgotten beyond {@link #MAX_MACHINES} since the last call; starts the count anew. */
    public int takeForgotten() {
        int count = forgotten;
        forgotten = 0;
        return count;
    }

    /**
     * Feeds one sample of a late batch, one that came after newer samples of its machine were fed:
     * reports an outcome as {@link #accept} does; a cycle end newer than the machine's last cycle
     * end taken drops the running cycle, in which that end lies (see the class comment); any other
     * sample is ignored.
     *
     * @return whether the sample dropped the running cycle
     */
    public boolean acceptLate(long micros, String machine, String sensor, double value, byte quality,
                              Listener listener) {
        if (quality >= BAD) {
            return false;
        }
        if (CycleFeatures.PART_SCRAP.equals(sensor)) {
            listener.outcome(machine, micros, value >= 0.5);
            return false;
        }
        if (!CycleFeatures.CYCLE_TIME.equals(sensor) || !started.contains(machine)) {
            // A signal, or a machine whose next cycle end is reported only when seen whole anyway.
            return false;
        }
        Long last = lastEnd.get(machine);
        if (last == null || micros <= last) {
            // A repeat, an end whose cycle was reported already, or one restored without its latest end.
            return false;
        }
        started.remove(machine);
        running.get(machine).reset();
        lastEnd.put(machine, micros);
        return true;
    }

    /**
     * Sees every machine anew at its next sample of a signal or cycle end, as after a silence
     * longer than {@link #MAX_GAP_MICROS}: for when samples were lost, of any machine, at this
     * point of their time order. Each machine's running cycle is dropped at once; outcomes are
     * reported as before, the awaited ones included.
     *
     * @return the running cycles dropped that could have been reported: those of machines whose
     *         cycle start was seen, or that were seen from their first sample
     */
    public int loseSight() {
        int dropped = 0;
        for (Map.Entry<String, CycleFeatures> entry : running.entrySet()) {
            String machine = entry.getKey();
            boolean reportable = started.remove(machine);
            reportable |= firstSample.remove(machine) != null;
            if (reportable) {
                dropped++;
            }
            entry.getValue().reset();
            lostSight.add(machine);
        }
        return dropped;
    }

    /**
     * Whether a machine's first cycle seen, ending at {@code endMicros} after {@code seconds}, began
     * within {@link #START_TOLERANCE_MICROS} of {@code firstMicros}, the tracker's first sample of it.
     */
    private static boolean seenWhole(Long firstMicros, long endMicros, double seconds) {
        if (firstMicros == null || !(seconds > 0) || seconds > 1e6) {
            return false;
        }
        long start = endMicros - Math.round(seconds * 1e6);
        return Math.abs(firstMicros - start) <= START_TOLERANCE_MICROS;
    }

    /**
     * Marks the cycle of {@code machine} that ended at {@code endMicros} as one whose outcome is
     * awaited; keeps the latest {@link #MAX_AWAITED} marks of a machine and, of the marks beyond,
     * the newest end only. Ignored for a machine this tracker has no cycle of (one whose cycle end
     * it did not report).
     */
    public void awaitOutcome(String machine, long endMicros) {
        if (!running.containsKey(machine)) {
            return;
        }
        ArrayDeque<Long> ends = awaited.computeIfAbsent(machine, m -> new ArrayDeque<>());
        if (ends.size() == MAX_AWAITED) {
            awaitedBeyond.merge(machine, ends.removeFirst(), Math::max);
        }
        ends.addLast(endMicros);
    }

    /**
     * Whether the outcome of the cycle of {@code machine} that ended at {@code endMicros} was
     * awaited ({@link #awaitOutcome}); removes the mark, so a second outcome of the cycle is not.
     * An outcome at or before the newest end whose mark went beyond {@link #MAX_AWAITED} counts as
     * awaited, whether taken before or not: its machine's outcomes lag behind, and losing one that a
     * prediction waits for costs more than reporting one twice.
     */
    public boolean takeAwaitedOutcome(String machine, long endMicros) {
        ArrayDeque<Long> ends = awaited.get(machine);
        if (ends == null || !ends.remove(endMicros)) {
            Long beyond = awaitedBeyond.get(machine);
            return beyond != null && endMicros <= beyond;
        }
        if (ends.isEmpty()) {
            awaited.remove(machine);
        }
        return true;
    }

    /** Machines with a cycle in progress. */
    public int machines() {
        return running.size();
    }

    /**
     * The tracker in a stable, versioned binary form: per machine, whether its cycle's start was
     * seen, the time of its first sample while it was not, the time of its latest sample, the time
     * of its latest cycle end, whether it is seen anew at its next sample, the running cycle's
     * statistics, the ends of the cycles whose outcome is awaited, and the newest end whose mark
     * went beyond {@link #MAX_AWAITED}.
     */
    public byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(VERSION);
            out.writeInt(running.size());
            for (Map.Entry<String, CycleFeatures> entry : running.entrySet()) {
                out.writeUTF(entry.getKey());
                out.writeBoolean(started.contains(entry.getKey()));
                out.writeLong(firstSample.getOrDefault(entry.getKey(), NONE));
                out.writeLong(lastSample.getOrDefault(entry.getKey(), NONE));
                out.writeLong(lastEnd.getOrDefault(entry.getKey(), NONE));
                out.writeBoolean(lostSight.contains(entry.getKey()));
                entry.getValue().write(out);
                ArrayDeque<Long> ends = awaited.getOrDefault(entry.getKey(), new ArrayDeque<>());
                out.writeInt(ends.size());
                for (long end : ends) {
                    out.writeLong(end);
                }
                out.writeLong(awaitedBeyond.getOrDefault(entry.getKey(), NONE));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads {@link #snapshot()}'s form, of this version, version 5 (without the newest end whose
     * mark went beyond {@link #MAX_AWAITED}: outcomes older than the marks kept are not awaited
     * until a mark goes), version 4 (also without the machines seen anew at their next sample:
     * none is), version 3 (also without the latest cycle end: a
     * machine's late cycle ends are then ignored, as version 3 did, until its next cycle end is
     * taken), version 2 (also without awaited outcomes: none is awaited then) or version 1 (also
     * without first and latest samples: a machine's first cycle is then not reported, as version 1
     * did, and its gaps are judged from its next sample on).
     *
     * @throws IllegalArgumentException when the bytes are not such a snapshot
     */
    public static CycleTracker fromSnapshot(byte[] snapshot) {
        CycleTracker tracker = new CycleTracker();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot))) {
            int version = in.readInt();
            if (version < 1 || version > VERSION) {
                throw new IllegalArgumentException("production cycle state version " + version
                        + " is unknown (expected 1 to " + VERSION + ").");
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
                long first = version >= 2 ? in.readLong() : NONE;
                if (first != NONE && !tracker.started.contains(machine)) {
                    tracker.firstSample.put(machine, first);
                }
                long last = version >= 2 ? in.readLong() : NONE;
                if (last != NONE) {
                    tracker.lastSample.put(machine, last);
                }
                long end = version >= 4 ? in.readLong() : NONE;
                if (end != NONE) {
                    tracker.lastEnd.put(machine, end);
                }
                if (version >= 5 && in.readBoolean()) {
                    tracker.lostSight.add(machine);
                }
                tracker.running.put(machine, CycleFeatures.read(in));
                int ends = version >= 3 ? in.readInt() : 0;
                if (ends < 0 || ends > MAX_AWAITED) {
                    throw new IllegalArgumentException("production cycle state claims " + ends
                            + " awaited outcomes of machine " + machine + " (at most " + MAX_AWAITED + ").");
                }
                for (int k = 0; k < ends; k++) {
                    tracker.awaited.computeIfAbsent(machine, m -> new ArrayDeque<>()).addLast(in.readLong());
                }
                long beyond = version >= 6 ? in.readLong() : NONE;
                if (beyond != NONE) {
                    tracker.awaitedBeyond.put(machine, beyond);
                }
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
