package io.werkstrom.jobs.predict;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * Puts the batches of one gateway back into the order of their sequence numbers for the
 * part-quality operator, whose production cycles need each machine's samples in time order. A
 * batch that is the next one expected (the sequence after the last batch taken) is taken at once,
 * and so is the first batch seen; any other batch is held, for at most the reorder delay
 * (processing time), until the batches before it arrive. A batch is taken with every held batch
 * that follows it without a gap; when a held batch is due, it is taken with every held batch
 * before it, in sequence order, and the numbers still missing are given up: a batch taken above
 * the sequence expected ({@link #expected()}) follows numbers given up. A gateway's sequence also
 * skips the numbers its events took, so a batch after an event waits the delay too.
 *
 * <p>A batch numbered below the next one expected is late (it was overtaken by more than the
 * delay, or the broker delivered it again): it is not put in order, {@link #late} says so. One
 * exception: a batch whose samples are all newer than every sample taken cannot have been
 * overtaken; it comes from a gateway whose sequence began anew (a new spool with a lower first
 * sequence), and it is taken, after the held batches, and numbering continues from it.
 *
 * <p>Mutable, not thread-safe: one per gateway, kept in keyed state in its versioned binary form
 * ({@link #snapshot()}, {@link BatchOrderSerializer}), held batches included.
 */
public final class BatchOrder {

    /** The version of {@link #snapshot()}'s form. */
    private static final int VERSION = 1;
    /**
     * Batches, and their samples, held beyond these are taken without waiting, lowest sequence
     * first: bounds on the state (its samples take about 40 bytes each in a checkpoint).
     */
    static final int MAX_HELD = 1_000;
    static final int MAX_HELD_ROWS = 1_000_000;
    /** More rows than a batch can hold is corruption. */
    private static final int MAX_ROWS = 100_000_000;
    private static final long NONE = Long.MIN_VALUE;

    /** The sequence expected next, or {@link #NONE} before the first batch. */
    private long expected = NONE;
    /** The latest sample time of the batches taken, or {@link #NONE}. */
    private long latestMicros = NONE;
    /** Held batches by sequence. */
    private final TreeMap<Long, Held> held = new TreeMap<>();
    /** The samples of the held batches. */
    private long heldRows;

    private record Held(ReceivedBatch batch, long dueMillis) {
    }

    /**
     * Whether {@code received} is late: numbered below the next batch expected, so that a later
     * batch was taken before it, and not the first batch of a gateway whose sequence began anew.
     */
    public boolean late(ReceivedBatch received) {
        return expected != NONE && received.batch().sequence() < expected && !newerThanTaken(received.batch());
    }

    /**
     * Adds a batch that is not {@link #late} at processing time {@code nowMillis} and returns the
     * batches to take now, in sequence order: the batch itself and the held batches that follow it
     * when it is the one expected, else those {@link #due} (none, unless {@code delayMillis} is 0
     * or too many are held). A batch whose sequence is held already is a repeat and ignored.
     */
    public List<ReceivedBatch> offer(ReceivedBatch received, long nowMillis, long delayMillis) {
        long sequence = received.batch().sequence();
        List<ReceivedBatch> taken = new ArrayList<>();
        if (expected != NONE && sequence < expected) {
            // A sequence that began anew: what is held was numbered before it.
            while (!held.isEmpty()) {
                taken.add(takeFirstHeld());
            }
        } else if (expected != NONE && sequence != expected) {
            if (held.putIfAbsent(sequence, new Held(received, nowMillis + delayMillis)) == null) {
                heldRows += received.batch().size();
            }
            return due(nowMillis);
        }
        taken.add(take(received));
        taken.addAll(due(nowMillis));
        return taken;
    }

    /**
     * Takes, in sequence order, every held batch up to the highest one due at {@code nowMillis},
     * then those that follow without a gap; {@link #nextDue()} then says when to call again.
     */
    public List<ReceivedBatch> due(long nowMillis) {
        long upTo = NONE;
        for (Map.Entry<Long, Held> entry : held.entrySet()) {
            if (entry.getValue().dueMillis() <= nowMillis) {
                upTo = entry.getKey();
            }
        }
        List<ReceivedBatch> taken = new ArrayList<>();
        while (!held.isEmpty()) {
            long first = held.firstKey();
            if (first > upTo && first != expected && held.size() <= MAX_HELD && heldRows <= MAX_HELD_ROWS) {
                break;
            }
            taken.add(takeFirstHeld());
        }
        return taken;
    }

    /** The sequence expected next, one above the last batch taken; empty before the first batch. */
    public OptionalLong expected() {
        return expected == NONE ? OptionalLong.empty() : OptionalLong.of(expected);
    }

    /** When the first held batch is due (processing time, ms), or null when none is held. */
    public Long nextDue() {
        return held.values().stream().map(Held::dueMillis).min(Long::compare).orElse(null);
    }

    /** Batches held. */
    public int held() {
        return held.size();
    }

    private ReceivedBatch takeFirstHeld() {
        ReceivedBatch first = held.pollFirstEntry().getValue().batch();
        heldRows -= first.batch().size();
        return take(first);
    }

    private ReceivedBatch take(ReceivedBatch received) {
        TelemetryBatch batch = received.batch();
        expected = batch.sequence() + 1;
        for (long micros : batch.timestampsMicros()) {
            latestMicros = Math.max(latestMicros, micros);
        }
        return received;
    }

    private boolean newerThanTaken(TelemetryBatch batch) {
        if (batch.size() == 0) {
            return false;
        }
        for (long micros : batch.timestampsMicros()) {
            if (micros <= latestMicros) {
                return false;
            }
        }
        return true;
    }

    /**
     * The order in a stable, versioned binary form: the sequence expected next, the latest sample
     * time taken, and each held batch with its due time, its source, its time of receipt and its
     * rows.
     */
    public byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(VERSION);
            out.writeLong(expected);
            out.writeLong(latestMicros);
            out.writeInt(held.size());
            for (Held entry : held.values()) {
                out.writeLong(entry.dueMillis());
                write(out, entry.batch());
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
    public static BatchOrder fromSnapshot(byte[] snapshot) {
        BatchOrder order = new BatchOrder();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot))) {
            int version = in.readInt();
            if (version != VERSION) {
                throw new IllegalArgumentException("batch order state version " + version + " is unknown (expected "
                        + VERSION + ").");
            }
            order.expected = in.readLong();
            order.latestMicros = in.readLong();
            int held = in.readInt();
            if (held < 0 || held > MAX_HELD) {
                throw new IllegalArgumentException("batch order state claims " + held + " held batches (at most "
                        + MAX_HELD + ").");
            }
            for (int i = 0; i < held; i++) {
                long due = in.readLong();
                ReceivedBatch batch = read(in);
                order.held.put(batch.batch().sequence(), new Held(batch, due));
                order.heldRows += batch.batch().size();
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("batch order state has " + in.available() + " trailing bytes.");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("batch order state is truncated or malformed.", e);
        }
        return order;
    }

    /** A deep copy (the held batches are immutable and shared). */
    public BatchOrder copy() {
        BatchOrder copy = new BatchOrder();
        copy.expected = expected;
        copy.latestMicros = latestMicros;
        copy.held.putAll(held);
        copy.heldRows = heldRows;
        return copy;
    }

    private static void write(DataOutputStream out, ReceivedBatch received) throws IOException {
        out.writeUTF(received.source().tenant());
        out.writeUTF(received.source().site());
        out.writeUTF(received.source().gateway());
        out.writeLong(received.receivedAtMicros());
        TelemetryBatch batch = received.batch();
        out.writeUTF(batch.gateway());
        out.writeLong(batch.sequence());
        out.writeInt(batch.size());
        for (int row = 0; row < batch.size(); row++) {
            out.writeLong(batch.timestampsMicros()[row]);
            out.writeUTF(batch.machines()[row]);
            out.writeUTF(batch.sensors()[row]);
            out.writeDouble(batch.values()[row]);
            out.writeByte(batch.qualities()[row]);
        }
    }

    private static ReceivedBatch read(DataInputStream in) throws IOException {
        GatewayAddress source = new GatewayAddress(in.readUTF(), in.readUTF(), in.readUTF());
        long receivedAtMicros = in.readLong();
        String gateway = in.readUTF();
        long sequence = in.readLong();
        int rows = in.readInt();
        if (rows < 0 || rows > MAX_ROWS) {
            throw new IllegalArgumentException("batch order state claims a batch of " + rows + " rows.");
        }
        long[] times = new long[rows];
        String[] machines = new String[rows];
        String[] sensors = new String[rows];
        double[] values = new double[rows];
        byte[] qualities = new byte[rows];
        for (int row = 0; row < rows; row++) {
            times[row] = in.readLong();
            machines[row] = in.readUTF();
            sensors[row] = in.readUTF();
            values[row] = in.readDouble();
            qualities[row] = in.readByte();
        }
        return new ReceivedBatch(source, new TelemetryBatch(gateway, sequence, times, machines, sensors, values,
                qualities), receivedAtMicros);
    }
}
