package io.werkstrom.gateway.spool;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's store-and-forward spool: encoded batches wait on disk until the broker
 * acknowledges them, and survive a killed process or (depending on {@link SpoolOptions.FsyncPolicy})
 * a power loss. Records are kept in the order of their strictly increasing sequence numbers;
 * {@link #peek(int)} reads the oldest unacknowledged ones and {@link #acknowledge(long)} lets one go.
 * Delivery is at least once: an acknowledgement not yet persisted when the gateway dies replays
 * the record after the restart, and the cloud drops it by its sequence.
 *
 * <h2>On disk</h2>
 * The directory holds segment files {@code segment-<index>.log} (index zero-padded to 20 digits,
 * increasing), a state file {@code spool.state}, an empty {@code spool.lock}, which the open
 * spool holds locked, and {@code spool.boot} while a run has the spool open. All numbers are
 * big-endian.
 * <pre>
 * segment = magic:int32 "WSPL" | version:int32 (2) | record*
 * record  = length:int32 | crc:int32 | sequence:int64 | firstTimestampMicros:int64
 *           | lastTimestampMicros:int64 | samples:int32 | payload:byte[length]
 * crc     = CRC32C of the record without its crc field (length, sequence, timestamps, samples, payload)
 * state   = magic:int32 "WSPT" | version:int32 (4) | watermark:int64 | droppedRecords:int64
 *           | hasGap:int8 | gap firstSequence, lastSequence, firstTimestampMicros,
 *           lastTimestampMicros, droppedRecords, droppedSamples:int64 each
 *           | sequenceFloor:int64
 *           | damageStretches:int32 | (firstSequence:int64 | lastSequence:int64){damageStretches}
 *           | crc:int32 (CRC32C of what precedes it)
 * boot    = the boot id of the system whose run has the spool open (UTF-8)
 * </pre>
 * {@code sequenceFloor} is a sequence the numbering must go above, whatever the records on disk say
 * (-1 for none; see "After a power loss" below).
 * The damage stretches are the sequences lost to damage on disk and put into a gap, lowest first,
 * disjoint; only those reaching above the watermark are kept, and at most
 * {@value #MAX_DAMAGE_STRETCHES}: past that the two lowest merge into one, which then also covers
 * the sequences between them (damage found there later is taken for reported). Earlier state files
 * are read as well: version 3 holds the highest sequence reported instead
 * ({@code damageReported:int64}, -1 for none), read as one stretch from 0 to it; version 2 holds
 * none.
 * Records are appended to the last segment only; a segment is sealed when the next record would
 * take it past {@code segmentBytes}. The newest segment holding a record, and the one holding the
 * record with the latest timestamp (a data gap's event, appended later, carries older times), are
 * deleted only when the spool is full, so that a restart knows the highest sequence and the latest
 * timestamp appended even when every record was acknowledged. Every record with a sequence at or
 * below the watermark is acknowledged or dropped. The state file is replaced atomically: written to
 * {@code spool.state.tmp}, forced, renamed over the old one, and the directory forced. With an
 * {@linkplain SpoolOptions#owner() owner}, the file {@code spool.owner} names it (one line, UTF-8),
 * written when the directory has none, and {@link #open(SpoolOptions)} refuses a directory that
 * names another.
 *
 * <h2>Recovery</h2>
 * {@link #open(SpoolOptions)} reads every segment and checks each record's frame and CRC. Damage (a
 * flipped bit, a bad sector, a power loss that kept a later page of the file but not an earlier
 * one: a corrupt record or segment header) is logged as an error and counted in
 * {@link #corruptRecords()}, and the reading goes on from the next offset where a whole record's
 * frame and CRC check and whose sequence lies above the last good record's and, in a sealed
 * segment, below the first of the next segment that begins intact; so only the unreadable records
 * are lost. A write torn by a crash damages the last segment's tail alone: a short or corrupt
 * record there that no such record follows is logged as a torn write and the file truncated after
 * the last good record, where appending goes on; nothing is reported lost. The scan tries every
 * offset but computes a CRC only where the length, sequence and sample fields are plausible (the
 * sequence at most {@link #MAX_SEQUENCE_STEP} above the last good record's, which random bytes such
 * as a compressed payload seldom are) and the header is not all zeros (zeroed blocks), and over at
 * most four times the segment's size (past that the rest of a sealed segment counts as unreadable,
 * that of the last one as torn). Without a later segment's bound (in the last segment, or when no
 * later segment begins intact) a record is still taken only with its CRC and a sequence above the
 * last good record's, which keeps out the older records of deleted segments that a file system may
 * show in a file's tail after a crash.
 * The records lost go into the pending {@link DataGap}, persisted at once, bounded by their intact
 * neighbours, as their own headers cannot be trusted: the sequences strictly between the two
 * records, less those at or below the watermark (acknowledged), one record counted for each (with
 * no earlier record and no watermark known, as many sequences as the damaged bytes could hold
 * records); the time from the earlier one's last timestamp to the later one's first (the later
 * one's alone at the start of the spool); no samples, their number being unknown. A restart reads
 * the damage again and adds nothing: the state file keeps the stretches of sequences reported.
 * Damage found later adds only the sequences outside them, also below a stretch reported before or
 * around one (one gap spanning them, counting only the sequences added). Damage in a sealed segment
 * with no intact record after it in any segment may have held records the cloud already has (a torn
 * write in the last segment after it is cut as such, and adds nothing): the spool continues above
 * as many sequences as the damaged bytes could hold records, counted from the last intact record
 * (from the watermark when there is none, from {@code sequenceFloor} when that is higher, as records
 * appended after a power loss are numbered above it), and reports those above the watermark as
 * lost, sampled between the last intact record and the opening; a restart continues above the
 * highest sequence reported. A damaged state file is logged and ignored: every record on disk is
 * replayed.
 *
 * <h2>After a power loss</h2>
 * With {@link SpoolOptions.FsyncPolicy#INTERVAL} a record is sent before it is forced to disk, so a
 * power loss can take from the disk up to {@link SpoolOptions#fsyncIntervalRecords()} records the
 * cloud already has, and numbering them again would make the cloud drop the new records as repeats.
 * {@code spool.boot} holds the system's boot id (Linux's {@code /proc/sys/kernel/random/boot_id})
 * while a run has the spool open, and {@link #close()} removes it. Found at opening with another
 * boot id, the run before ended with the system, not closed: the numbering goes on that many
 * sequences above the last record on disk ({@code sequenceFloor}, persisted before anything is
 * appended). A killed process leaves its records in the operating system's cache, and the same boot
 * id: its numbering goes on after the last record.
 *
 * <h2>When full</h2>
 * When an append would take the segment files past {@code maxBytes}, the oldest segment is deleted
 * with its unacknowledged records. They are counted in {@link #droppedRecords()} and their sequence
 * and time ranges merged into a pending {@link DataGap}, which is persisted before the segment goes
 * and which the caller takes with {@link #takeDataGap()} to report it. A record whose CRC fails when
 * {@link #peek(int) peeked}, and one the caller {@linkplain #setAside(long) sets aside}, is dropped
 * into the gap the same way.
 *
 * <h2>Threading and ownership</h2>
 * Every public method is synchronized; one spool owns its directory: opening a second one on it, in
 * this process or another, fails while the first is open (both would write their records over each
 * other's). The spool holds the active segment's file open, and the lock, until {@link #close()}.
 *
 * <h2>When the disk is full</h2>
 * An append that cannot be written (no space left, an I/O error) fails with an {@link IOException}
 * and leaves the spool as it was: a new segment is made whole (header written and forced) before it
 * replaces the active one, and the bytes of a record written in part are cut off again. The same
 * append succeeds once space is freed, and everything appended before is still there, intact, but
 * for the oldest records that a spool at its {@link SpoolOptions#maxBytes()} limit dropped to make
 * room before it wrote (they are in its {@link #dataGap()}, as when the append succeeds; dropping
 * first also frees the space that a full disk lacks).
 */
public final class Spool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);

    static final int SEGMENT_MAGIC = 0x5753504C; // "WSPL"
    static final int STATE_MAGIC = 0x57535054; // "WSPT"
    static final int FORMAT_VERSION = 2;
    static final int SEGMENT_HEADER_BYTES = 8;
    static final int RECORD_HEADER_BYTES = 36;
    static final String STATE_FILE = "spool.state";
    private static final String STATE_TEMP_FILE = "spool.state.tmp";
    static final String OWNER_FILE = "spool.owner";
    private static final String OWNER_TEMP_FILE = "spool.owner.tmp";
    static final String LOCK_FILE = "spool.lock";
    static final String BOOT_FILE = "spool.boot";
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");
    static final int STATE_VERSION = 4;
    /** The state file's fields before the damage reported: magic, version, watermark, droppedRecords, the gap. */
    private static final int STATE_FIELDS_BYTES = 8 + 8 + 8 + 1 + 6 * 8;
    /** Where a version 4 state file's damage stretches begin: after the fields and the sequence floor. */
    private static final int STATE_STRETCHES_AT = STATE_FIELDS_BYTES + 8;
    /** A version 3 state file: the highest sequence reported lost to damage ({@code damageReported}). */
    static final int STATE_V3_BYTES = STATE_FIELDS_BYTES + 8 + 4;
    /** A version 2 state file: without damage reported. */
    static final int STATE_V2_BYTES = STATE_FIELDS_BYTES + 4;
    /** The most damage stretches the state file keeps; past it the two lowest merge. */
    static final int MAX_DAMAGE_STRETCHES = 64;
    /** How much of a damaged segment {@link #resync} reads at a time. */
    private static final int RESYNC_BLOCK_BYTES = 64 << 10;
    /** {@link #resync} computes CRCs over at most this many times the segment's size. */
    private static final int RESYNC_CRC_FACTOR = 4;
    /**
     * How far above the last intact record's sequence (above 0 when there is none) {@link #resync}
     * looks for the next one's. A gateway numbers its batches one after another from the epoch
     * milliseconds of its first start (below 2^42 until the year 2109), and the spool's jumps past
     * lost records are far smaller. Random bytes (a compressed payload) fall below it once in about
     * four million; without it half of them would pass for a sequence, and the CRCs of their lengths
     * would use up the scan's budget before it reached the next record of a large segment.
     */
    static final long MAX_SEQUENCE_STEP = 1L << 42;
    /**
     * The lock files the spools of this process hold, by the file's identity (device and inode where
     * the file system has them), so that a directory reached by two paths (a bind mount) is one
     * entry. The operating system's lock belongs to the process, and closing any channel on its file
     * releases it: a second spool must not open the file.
     */
    private static final Set<Object> LOCKED = ConcurrentHashMap.newKeySet();
    private static final String SEGMENT_PREFIX = "segment-";
    private static final String SEGMENT_SUFFIX = ".log";

    private final SpoolOptions options;
    private final Path directory;
    private final FileChannels files;
    /** Oldest first; the last one is the active segment. */
    private final ArrayDeque<Segment> segments = new ArrayDeque<>();
    /** Unacknowledged records by sequence. */
    private final TreeMap<Long, Entry> pending = new TreeMap<>();
    private FileChannel activeChannel;
    /** Holds the lock on {@link #LOCK_FILE} while the spool is open. */
    private FileChannel lockChannel;
    /** The lock file's entry in {@link #LOCKED} while this spool holds it. */
    private Object lockFile;
    private long nextSegmentIndex;
    private long lastSequence = -1;
    private long lastTimestampMicros = Long.MIN_VALUE;
    /** The segment holding the record with {@link #lastTimestampMicros}, kept so that a restart knows it. */
    private Segment latestSegment;
    private long diskBytes;
    private long pendingBytes;
    private long droppedRecords;
    private int corruptRecords;
    private DataGap gap;
    /** Samples of the gaps taken since this spool was opened ({@link #droppedSamplesSeen()}). */
    private long gapSamplesTaken;
    /**
     * The stretches of sequences lost to damage on disk and put into the gap, first to last, disjoint:
     * a restart does not add them again.
     */
    private final TreeMap<Long, Long> damageReported = new TreeMap<>();
    /** The numbering goes above it, whatever the records on disk say (after a power loss); -1 for none. */
    private long sequenceFloor = -1;
    /** The boot id of the system this run is on ({@link #BOOT_FILE}). */
    private final String bootId;
    private boolean closed;
    // Sync bookkeeping for FsyncPolicy.INTERVAL.
    private boolean dataDirty;
    private boolean stateDirty;
    private int opsSinceSync;
    private long lastSyncNanos = System.nanoTime();

    private Spool(SpoolOptions options, FileChannels files, String bootId) {
        this.options = options;
        this.directory = options.directory();
        this.files = files;
        this.bootId = bootId;
    }

    /** Opens the spool's files; tests substitute one that runs out of space. */
    @FunctionalInterface
    interface FileChannels {
        FileChannel open(Path path, OpenOption... openOptions) throws IOException;
    }

    /**
     * Opens the spool in {@code options.directory()}, creating the directory if needed and recovering
     * the records left by an earlier run.
     *
     * @throws IOException if the directory cannot be read or written, or another spool has it open
     */
    public static Spool open(SpoolOptions options) throws IOException {
        return open(options, FileChannel::open);
    }

    /** {@link #open(SpoolOptions)} with every spool file opened through {@code files}. */
    static Spool open(SpoolOptions options, FileChannels files) throws IOException {
        return open(options, files, currentBootId());
    }

    /** {@link #open(SpoolOptions, FileChannels)} on a system with the boot id {@code bootId}. */
    static Spool open(SpoolOptions options, FileChannels files, String bootId) throws IOException {
        Objects.requireNonNull(options, "options must not be null.");
        Objects.requireNonNull(files, "files must not be null.");
        Spool spool = new Spool(options, files, bootId);
        try {
            spool.recover();
        } catch (IOException | RuntimeException e) {
            spool.closeQuietly(e);
            throw e;
        }
        return spool;
    }

    /**
     * Appends a record; when the spool is full the oldest segment is dropped first (see the class
     * description).
     *
     * @param samples how many samples the payload holds (0 for a record that carries none), counted
     *                into the {@link DataGap} when the record is dropped
     * @throws IllegalArgumentException if {@code sequence} is negative or not above {@link #lastSequence()},
     *         {@code samples} is negative, or the payload does not fit in one segment
     * @throws IOException if writing fails (a full disk); the record is then not in the spool, and
     *         everything appended before is still there but for what the full spool dropped first
     */
    public synchronized void append(long sequence, int samples, long firstTimestampMicros, long lastTimestampMicros,
            byte[] payload) throws IOException {
        ensureOpen();
        Objects.requireNonNull(payload, "payload must not be null.");
        if (samples < 0) {
            throw new IllegalArgumentException("samples must not be negative, got " + samples + ".");
        }
        if (sequence < 0 || sequence <= lastSequence) {
            throw new IllegalArgumentException("sequence must be above the last spooled sequence " + lastSequence
                    + " and not negative, got " + sequence + ".");
        }
        int maxPayload = maxPayloadBytes(options);
        if (payload.length > maxPayload) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes exceeds the " + maxPayload
                    + " bytes one segment holds (segmentBytes=" + options.segmentBytes() + ").");
        }
        int recordBytes = RECORD_HEADER_BYTES + payload.length;
        Segment active = segments.peekLast();
        if (activeChannel == null || active.size + recordBytes > options.segmentBytes()) {
            active = roll();
        }
        while (diskBytes + recordBytes > options.maxBytes() && segments.peekFirst() != active) {
            dropOldestSegment();
        }
        ByteBuffer record = ByteBuffer.allocate(recordBytes);
        record.putInt(payload.length).putInt(0).putLong(sequence).putLong(firstTimestampMicros)
                .putLong(lastTimestampMicros).putInt(samples).put(payload);
        record.putInt(4, recordCrc(record.array(), recordBytes)).flip();
        long offset = active.size;
        try {
            writeFully(activeChannel, record, offset);
        } catch (IOException e) {
            cutTail(active, e);
            throw e;
        }
        Entry entry = new Entry(active, offset, recordBytes, sequence, samples, firstTimestampMicros,
                lastTimestampMicros);
        long sequenceBefore = lastSequence;
        long timestampBefore = this.lastTimestampMicros;
        Segment latestBefore = latestSegment;
        pending.put(sequence, entry);
        active.size += recordBytes;
        active.live++;
        active.records++;
        diskBytes += recordBytes;
        pendingBytes += recordBytes;
        lastSequence = sequence;
        if (lastTimestampMicros >= this.lastTimestampMicros) {
            this.lastTimestampMicros = lastTimestampMicros;
            latestSegment = active;
        }
        dataDirty = true;
        try {
            afterChange();
        } catch (IOException e) {
            // Not durable as the policy promises: the caller is told the append failed, so it must not stay.
            pending.remove(sequence);
            active.size = offset;
            active.live--;
            active.records--;
            diskBytes -= recordBytes;
            pendingBytes -= recordBytes;
            lastSequence = sequenceBefore;
            this.lastTimestampMicros = timestampBefore;
            latestSegment = latestBefore;
            cutTail(active, e);
            throw e;
        }
        if (offset == SEGMENT_HEADER_BYTES) {
            // Only now that the active segment holds a record may older ones without pending records go
            // (see the class description), and only once the watermark is durable: the new record may not be.
            List<Segment> spent = new ArrayList<>();
            for (Segment segment : segments) {
                if (spent(segment)) {
                    spent.add(segment);
                }
            }
            if (!spent.isEmpty()) {
                try {
                    writeState();
                    for (Segment segment : spent) {
                        deleteSegment(segment);
                    }
                } catch (IOException e) {
                    // The record is appended; the spent segments go at the next roll (a restart meanwhile sends their
                    // records again, repeats the cloud drops).
                    LOG.warn("Spool {}: could not yet delete {} spent segments: {}", directory, spent.size(),
                            e.getMessage());
                }
            }
        }
    }

    /**
     * Cuts what a failed write left after the segment's last whole record, so that neither a restart
     * (a torn write to log) nor {@link #diskBytes()} sees it. Should that fail too, the next append
     * overwrites the bytes, and recovery cuts them.
     */
    private void cutTail(Segment segment, IOException failure) {
        try {
            activeChannel.truncate(segment.size);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** The largest payload one record may carry: what a segment of {@code options.segmentBytes()} holds. */
    public static int maxPayloadBytes(SpoolOptions options) {
        return options.segmentBytes() - SEGMENT_HEADER_BYTES - RECORD_HEADER_BYTES;
    }

    /**
     * Reads up to {@code max} unacknowledged records, oldest first, without removing them. A record
     * found corrupt is dropped into the {@link DataGap} and skipped.
     *
     * @throws IOException if reading fails
     */
    public synchronized List<SpooledBatch> peek(int max) throws IOException {
        return peekAfter(-1, max);
    }

    /**
     * Reads up to {@code max} unacknowledged records with a sequence above {@code afterSequence},
     * oldest first, without removing them; otherwise as {@link #peek(int)}.
     *
     * @throws IOException if reading fails
     */
    public synchronized List<SpooledBatch> peekAfter(long afterSequence, int max) throws IOException {
        ensureOpen();
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative, got " + max + ".");
        }
        List<SpooledBatch> batches = new ArrayList<>(Math.min(max, pending.size()));
        List<Entry> corrupt = new ArrayList<>();
        Segment openSegment = null;
        FileChannel sealed = null;
        try {
            for (Entry entry : pending.tailMap(afterSequence, false).values()) {
                if (batches.size() == max) {
                    break;
                }
                if (entry.segment != openSegment) {
                    if (sealed != null) {
                        sealed.close();
                        sealed = null;
                    }
                    openSegment = entry.segment;
                    if (openSegment != segments.peekLast()) {
                        sealed = files.open(openSegment.path, READ);
                    }
                }
                ByteBuffer record = ByteBuffer.allocate(entry.recordBytes);
                readFully(sealed != null ? sealed : activeChannel, record, entry.offset);
                byte[] bytes = record.array();
                if (record.getInt(0) != entry.recordBytes - RECORD_HEADER_BYTES || record.getLong(8) != entry.sequence
                        || record.getInt(4) != recordCrc(bytes, bytes.length)) {
                    LOG.error("Spool record {} in {} at offset {} no longer matches its CRC; dropping it",
                            entry.sequence, entry.segment.path, entry.offset);
                    corrupt.add(entry);
                    continue;
                }
                byte[] payload = new byte[entry.recordBytes - RECORD_HEADER_BYTES];
                System.arraycopy(bytes, RECORD_HEADER_BYTES, payload, 0, payload.length);
                batches.add(new SpooledBatch(entry.sequence, entry.samples, entry.firstTimestampMicros,
                        entry.lastTimestampMicros, payload));
            }
        } finally {
            if (sealed != null) {
                sealed.close();
            }
        }
        if (!corrupt.isEmpty()) {
            corruptRecords += corrupt.size();
            drop(corrupt);
        }
        return batches;
    }

    /**
     * Lets the record with this sequence leave the spool; its segment is deleted once none of its
     * records is pending. Acknowledgements may come in any order.
     *
     * @return whether the record was pending (false for unknown, dropped or already acknowledged ones)
     * @throws IOException if deleting a segment or persisting the watermark fails
     */
    public synchronized boolean acknowledge(long sequence) throws IOException {
        ensureOpen();
        Entry entry = pending.get(sequence);
        if (entry == null) {
            return false;
        }
        remove(entry);
        stateDirty = true;
        afterChange();
        return true;
    }

    /**
     * Drops a pending record that can never be delivered (larger than the broker takes) into the
     * {@link DataGap}, as a full spool drops its oldest ones; it counts in {@link #droppedRecords()}.
     * Like an acknowledgement, it outlives a restart once the watermark has passed the record (every
     * older record acknowledged or dropped); before that, a restart reads the record again.
     *
     * @return whether the record was pending
     * @throws IOException if persisting the gap fails
     */
    public synchronized boolean setAside(long sequence) throws IOException {
        ensureOpen();
        Entry entry = pending.get(sequence);
        if (entry == null) {
            return false;
        }
        drop(List.of(entry));
        return true;
    }

    /** The pending data gap, if records were dropped since the last take, without taking it. */
    public synchronized Optional<DataGap> dataGap() {
        ensureOpen();
        return Optional.ofNullable(gap);
    }

    /** Takes the pending data gap, if records were dropped since the last take; the take is persisted. */
    public synchronized Optional<DataGap> takeDataGap() throws IOException {
        ensureOpen();
        DataGap taken = gap;
        if (taken != null) {
            gap = null;
            gapSamplesTaken += taken.droppedSamples();
            writeState();
        }
        return Optional.ofNullable(taken);
    }

    /**
     * Samples in the records dropped into the data gap as this spool, since it was opened, saw them:
     * those of the gaps taken plus those of the pending gap (one recovered at open included; a lower
     * bound, as {@link DataGap#droppedSamples()} is). One reading under the spool's lock, so a take,
     * which moves samples from the pending gap to the taken ones, never makes it go down; it can be
     * read after {@link #close()} too.
     */
    public synchronized long droppedSamplesSeen() {
        return gapSamplesTaken + (gap == null ? 0 : gap.droppedSamples());
    }

    /** Forces appended records and the acknowledgement watermark to disk, whatever the fsync policy. */
    public synchronized void flush() throws IOException {
        ensureOpen();
        sync();
    }

    /** On-disk bytes (headers included) of the unacknowledged records. */
    public synchronized long pendingBytes() {
        return pendingBytes;
    }

    public synchronized int pendingRecords() {
        return pending.size();
    }

    /** Bytes of all segment files, acknowledged records not yet reclaimed included; at most {@code maxBytes}. */
    public synchronized long diskBytes() {
        return diskBytes;
    }

    /**
     * Records dropped unacknowledged since the spool was created, and those lost to damage on disk
     * (persisted across restarts).
     */
    public synchronized long droppedRecords() {
        return droppedRecords;
    }

    /**
     * Torn or corrupt records found since this spool was opened: by recovery (a stretch of damage
     * counts once, however many records it held), or by {@link #peek(int)}.
     */
    public synchronized int corruptRecords() {
        return corruptRecords;
    }

    /** The highest sequence ever appended or acknowledged, -1 for an empty new spool; the next append must exceed it. */
    public synchronized long lastSequence() {
        return lastSequence;
    }

    /**
     * The latest {@code lastTimestampMicros} of any record ever appended (acknowledged ones included),
     * or {@link Long#MIN_VALUE} for an empty new spool: where a restarted collector resumes.
     */
    public synchronized long lastTimestampMicros() {
        return lastTimestampMicros;
    }

    /** Forces everything to disk and releases the files. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            sync();
            Files.deleteIfExists(directory.resolve(BOOT_FILE));
            syncDirectory();
        } finally {
            closed = true;
            try {
                if (activeChannel != null) {
                    activeChannel.close();
                }
            } finally {
                releaseDirectory();
            }
        }
    }

    /** Releases the files without forcing anything: what a killed process leaves behind (tests only). */
    synchronized void abandon() throws IOException {
        closed = true;
        try {
            if (activeChannel != null) {
                activeChannel.close();
            }
        } finally {
            releaseDirectory();
        }
    }

    // ---- recovery

    private void recover() throws IOException {
        Files.createDirectories(directory);
        lockDirectory();
        if (options.owner().isPresent()) {
            claim(options.owner().get());
        }
        Files.deleteIfExists(directory.resolve(STATE_TEMP_FILE));
        long watermark = readState();
        List<Segment> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, SEGMENT_PREFIX + "*" + SEGMENT_SUFFIX)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String digits = name.substring(SEGMENT_PREFIX.length(), name.length() - SEGMENT_SUFFIX.length());
                try {
                    found.add(new Segment(file, Long.parseLong(digits)));
                } catch (NumberFormatException e) {
                    LOG.warn("Ignoring {} in the spool directory: not a segment name", file);
                }
            }
        }
        found.sort((a, b) -> Long.compare(a.index, b.index));
        Recovery read = new Recovery(watermark);
        for (int i = 0; i < found.size(); i++) {
            Segment segment = found.get(i);
            recoverSegment(found, i, read);
            segments.addLast(segment);
            diskBytes += segment.size;
            nextSegmentIndex = segment.index + 1;
        }
        lastSequence = Math.max(watermark, read.lastSequence);
        long highestReported = damageReported.isEmpty() ? -1 : damageReported.lastEntry().getValue();
        if (read.damaged && lastSequence >= 0 && highestReported >= lastSequence) {
            // An earlier run reported this damage and went on above it, its bound counted from the bytes then damaged
            // (segments without an intact record went since): the spool goes on above that bound, reporting nothing.
            LOG.error("Spool {}: no intact record follows the damage after sequence {}; reported before, the spool "
                    + "continues after sequence {}", directory, read.lastSequence, highestReported);
            lastSequence = highestReported;
        } else if (read.damaged && lastSequence >= 0) {
            // No intact record follows the damage. Its records may have reached the cloud, which would drop new
            // records under their sequences as repeats: the spool goes on above as many sequences as the damaged
            // bytes could hold records, counted from the last intact record before it (from the watermark when none
            // was read, from the floor of a power loss when higher: records after it are numbered above it), and
            // reports those above the watermark as lost, sampled before now.
            long lastIntact = read.lastSequence >= 0 ? read.lastSequence : lastSequence;
            long bound = Math.max(lastSequence,
                    Math.max(lastIntact, sequenceFloor) + Math.max(1, read.damagedBytes / RECORD_HEADER_BYTES));
            LOG.error("Spool {}: no intact record follows the damage after sequence {}; the spool continues after "
                    + "sequence {}, the most the damage could hold", directory, lastIntact, bound);
            damageEnds(read, bound + 1, Math.max(System.currentTimeMillis() * 1_000L, read.lastRecordMicros));
            lastSequence = bound;
        } else if (read.damaged) {
            LOG.error("Spool {}: no intact record follows the damage and no sequence is known; the spool starts afresh",
                    directory);
        }
        boolean floorRaised = afterPowerLoss();
        lastSequence = Math.max(lastSequence, sequenceFloor);
        if (read.gapFound || floorRaised) {
            // Before a segment holding the damage may go below: a restart must still know the gap. And before
            // anything is appended: a restart must still number above the floor.
            writeState();
        }
        writeBootFile();
        for (Segment segment : new ArrayList<>(segments)) {
            if (spent(segment)) {
                deleteSegment(segment);
            }
        }
        Segment last = segments.peekLast();
        if (last != null) {
            activeChannel = files.open(last.path, READ, WRITE);
            if (last.size < SEGMENT_HEADER_BYTES) {
                writeSegmentHeader(activeChannel);
                diskBytes += SEGMENT_HEADER_BYTES - last.size;
                last.size = SEGMENT_HEADER_BYTES;
            }
        }
        if (!pending.isEmpty() || droppedRecords > 0) {
            LOG.info("Spool {} recovered {} unacknowledged records ({} bytes), {} dropped so far, {} corrupt",
                    directory, pending.size(), pendingBytes, droppedRecords, corruptRecords);
        }
    }

    /**
     * Whether the run before ended with the system, not closed ({@link #BOOT_FILE} names another
     * boot): then, with {@link SpoolOptions.FsyncPolicy#INTERVAL}, the records it sent but had not
     * forced may be gone from the disk, and {@link #sequenceFloor} goes that many above the last
     * record. Returns whether the floor was raised.
     */
    private boolean afterPowerLoss() throws IOException {
        Path file = directory.resolve(BOOT_FILE);
        if (!Files.exists(file) || lastSequence < 0
                || options.fsyncPolicy() != SpoolOptions.FsyncPolicy.INTERVAL) {
            return false;
        }
        String before = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        if (before.equals(bootId)) {
            return false; // a killed process: what it wrote is on disk
        }
        long floor = Math.max(sequenceFloor, lastSequence + options.fsyncIntervalRecords());
        LOG.warn("Spool {} was not closed before the system restarted: up to {} records sent but not yet forced to "
                + "disk may be gone, so numbering goes on after sequence {}, not {}", directory,
                options.fsyncIntervalRecords(), floor, lastSequence);
        boolean raised = floor > sequenceFloor;
        sequenceFloor = floor;
        return raised;
    }

    /** Names this run's boot in {@link #BOOT_FILE}, forced, until {@link #close()} removes it. */
    private void writeBootFile() throws IOException {
        try (FileChannel channel = files.open(directory.resolve(BOOT_FILE), CREATE, TRUNCATE_EXISTING, WRITE)) {
            writeFully(channel, ByteBuffer.wrap(bootId.getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(true);
        }
        syncDirectory();
    }

    /** The system's boot id, "" where the system does not give one (then no boot is told apart). */
    static String currentBootId() {
        try {
            return Files.readString(BOOT_ID, StandardCharsets.US_ASCII).trim();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /**
     * Reads the records of segment {@code i} of {@code found} into {@link #pending}. Past damage it
     * reads on from the next intact record {@link #resync finds}, and reports the records lost in
     * between (see {@link #damageEnds}); in the last segment, damage that no intact record follows is a
     * torn write, cut off.
     */
    private void recoverSegment(List<Segment> found, int i, Recovery read) throws IOException {
        Segment segment = found.get(i);
        boolean last = i == found.size() - 1;
        try (FileChannel channel = files.open(segment.path, READ, WRITE)) {
            long size = channel.size();
            long good = 0;
            String problem = null;
            ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER_BYTES);
            header.limit(SEGMENT_HEADER_BYTES);
            if (size < SEGMENT_HEADER_BYTES) {
                problem = "the segment header is short";
            } else if (readFully(channel, header, 0).getInt(0) != SEGMENT_MAGIC || header.getInt(4) != FORMAT_VERSION) {
                problem = "the segment header is not a version " + FORMAT_VERSION + " spool segment";
            } else {
                good = SEGMENT_HEADER_BYTES;
            }
            segment.size = size;
            while (true) {
                while (problem == null && good < size) {
                    if (size - good < RECORD_HEADER_BYTES) {
                        problem = "the record header at offset " + good + " is short";
                        break;
                    }
                    header.clear();
                    readFully(channel, header, good);
                    int length = header.getInt(0);
                    long sequence = header.getLong(8);
                    if (length < 0 || length > size - good - RECORD_HEADER_BYTES) {
                        problem = "the record at offset " + good + " claims " + length + " payload bytes, "
                                + (size - good - RECORD_HEADER_BYTES) + " remain";
                        break;
                    }
                    ByteBuffer record = ByteBuffer.allocate(RECORD_HEADER_BYTES + length);
                    readFully(channel, record, good);
                    if (record.getInt(4) != recordCrc(record.array(), record.capacity())) {
                        problem = "the record at offset " + good + " fails its CRC";
                        break;
                    }
                    if (sequence <= read.lastSequence) {
                        problem = "the record at offset " + good + " has sequence " + sequence + ", not above "
                                + read.lastSequence;
                        break;
                    }
                    if (read.damaged) {
                        damageEnds(read, sequence, header.getLong(16));
                    }
                    segment.records++;
                    if (header.getLong(24) >= lastTimestampMicros) {
                        lastTimestampMicros = header.getLong(24);
                        latestSegment = segment;
                    }
                    if (sequence > read.watermark) {
                        pending.put(sequence, new Entry(segment, good, record.capacity(), sequence, header.getInt(32),
                                header.getLong(16), header.getLong(24)));
                        segment.live++;
                        pendingBytes += record.capacity();
                    }
                    read.lastSequence = sequence;
                    read.lastRecordMicros = header.getLong(24);
                    good += record.capacity();
                }
                if (problem == null) {
                    return;
                }
                corruptRecords++;
                long next = resync(channel, good + 1, size, read.lastSequence,
                        last ? Long.MAX_VALUE : nextFirstSequence(found, i));
                if (last && next < 0) {
                    // A write torn by a crash damages the tail alone: no intact record follows it.
                    LOG.warn("Spool segment {}: {}; a torn write, truncating {} bytes after the last good record at {}",
                            segment.path, problem, size - good, good);
                    channel.truncate(good);
                    channel.force(true);
                    segment.size = good;
                    return;
                }
                read.damaged = true;
                read.damagedBytes += (next < 0 ? size : next) - good;
                if (next < 0) {
                    LOG.error("Spool segment {} is corrupt: {}; no intact record follows in it, its {} bytes from "
                            + "there on are not replayed", segment.path, problem, size - good);
                    return;
                }
                LOG.error("Spool segment {} is corrupt: {}; reading on from the next intact record, at offset {} "
                        + "({} bytes skipped)", segment.path, problem, next, next - good);
                good = next;
                problem = null;
            }
        }
    }

    /**
     * Reports the records lost to damage that ends at the intact record {@code nextSequence}, whose
     * samples begin at {@code nextMicros}. Their own headers cannot be trusted: the intact
     * neighbours bound them. They are the sequences between the last intact record before and this
     * one, less those at or below the watermark (acknowledged); with neither known (the damage
     * begins the oldest segment, no state file) as many sequences below this one as the damaged
     * bytes could hold records. Their samples lie between the neighbours' timestamps (from this
     * record's own when none precedes); each sequence counts as a record, and no sample is counted,
     * their number being unknown. Sequences reported before ({@link #damageReported}, from an
     * earlier run) are not added again: those outside them go into the gap, each stretch of them
     * merged in as the gap merges.
     */
    private void damageEnds(Recovery read, long nextSequence, long nextMicros) {
        read.damaged = false;
        long known = Math.max(read.lastSequence, read.watermark);
        long first = known >= 0 ? known + 1
                : Math.max(0, nextSequence - Math.max(1, read.damagedBytes / RECORD_HEADER_BYTES));
        read.damagedBytes = 0;
        long lost = nextSequence - 1;
        if (first > lost) {
            LOG.info("Spool {}: the damage before sequence {} held no unacknowledged record", directory, nextSequence);
            return;
        }
        List<long[]> unreported = new ArrayList<>();
        long uncovered = first;
        for (Map.Entry<Long, Long> reported : damageReported.headMap(lost, true).entrySet()) {
            if (reported.getValue() >= uncovered) {
                if (reported.getKey() > uncovered) {
                    unreported.add(new long[] {uncovered, reported.getKey() - 1});
                }
                uncovered = reported.getValue() + 1;
            }
        }
        if (uncovered <= lost) {
            unreported.add(new long[] {uncovered, lost});
        }
        if (unreported.isEmpty()) {
            LOG.info("Spool {}: the records lost to the damage before sequence {} were reported before", directory,
                    nextSequence);
            return;
        }
        long from = read.lastRecordMicros == Long.MIN_VALUE ? nextMicros : read.lastRecordMicros;
        for (long[] stretch : unreported) {
            DataGap damaged = new DataGap(stretch[0], stretch[1], Math.min(from, nextMicros),
                    Math.max(from, nextMicros), stretch[1] - stretch[0] + 1, 0);
            LOG.error("Spool {}: records {} to {} are unreadable on disk; reporting them as a data gap", directory,
                    stretch[0], stretch[1]);
            gap = gap == null ? damaged : gap.merge(damaged);
            droppedRecords += damaged.droppedRecords();
        }
        reportedDamage(first, lost);
        read.gapFound = true;
    }

    /** Adds {@code first} to {@code last} to {@link #damageReported}, joined with the stretches it meets. */
    private void reportedDamage(long first, long last) {
        Map.Entry<Long, Long> below = damageReported.floorEntry(first);
        if (below != null && below.getValue() >= first - 1) {
            first = below.getKey();
        }
        Map<Long, Long> met = damageReported.subMap(first, true, last + 1, true);
        for (long metLast : met.values()) {
            last = Math.max(last, metLast);
        }
        met.clear();
        damageReported.put(first, last);
    }

    /**
     * The sequence of the first intact record in a segment after {@code found.get(i)}: what a record
     * found by {@link #resync} must lie below. {@link Long#MAX_VALUE} when no later segment begins with
     * an intact record.
     */
    private long nextFirstSequence(List<Segment> found, int i) throws IOException {
        for (Segment later : found.subList(i + 1, found.size())) {
            try (FileChannel channel = files.open(later.path, READ)) {
                long size = channel.size();
                if (size < SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES) {
                    continue;
                }
                ByteBuffer start = readFully(channel,
                        ByteBuffer.allocate(SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES), 0);
                int length = start.getInt(SEGMENT_HEADER_BYTES);
                if (start.getInt(0) == SEGMENT_MAGIC && start.getInt(4) == FORMAT_VERSION && length >= 0
                        && length <= size - SEGMENT_HEADER_BYTES - RECORD_HEADER_BYTES
                        && crcAt(channel, SEGMENT_HEADER_BYTES, length) == start.getInt(SEGMENT_HEADER_BYTES + 4)) {
                    return start.getLong(SEGMENT_HEADER_BYTES + 8);
                }
            }
        }
        return Long.MAX_VALUE;
    }

    /**
     * The offset of the first intact record at or after {@code from} with a sequence above
     * {@code after} and below {@code before}, and at most {@link #MAX_SEQUENCE_STEP} above
     * {@code after}, or -1 when there is none. Every offset is tried, read in blocks; a CRC is
     * computed only where the length field fits the segment, the sequence lies in range and the
     * sample count is not negative, and over at most {@value #RESYNC_CRC_FACTOR} times the segment's
     * size in all (past that the rest counts as unreadable), so that the scan of a large segment stays
     * bounded whatever the damage.
     */
    private static long resync(FileChannel channel, long from, long size, long after, long before) throws IOException {
        long base = Math.max(after, 0);
        long below = Math.min(before, base > Long.MAX_VALUE - MAX_SEQUENCE_STEP - 1 ? Long.MAX_VALUE
                : base + MAX_SEQUENCE_STEP + 1);
        ByteBuffer block = ByteBuffer.allocate(RESYNC_BLOCK_BYTES).limit(0);
        long blockStart = from;
        long crcBudget = RESYNC_CRC_FACTOR * size;
        for (long offset = from; offset <= size - RECORD_HEADER_BYTES; offset++) {
            if (offset + RECORD_HEADER_BYTES > blockStart + block.limit()) {
                blockStart = offset;
                block.clear().limit((int) Math.min(block.capacity(), size - offset));
                readFully(channel, block, offset);
            }
            int at = (int) (offset - blockStart);
            int length = block.getInt(at);
            long sequence = block.getLong(at + 8);
            if (length < 0 || length > size - offset - RECORD_HEADER_BYTES || sequence <= after
                    || sequence >= below || block.getInt(at + 32) < 0 || zeroed(block, at)) {
                continue;
            }
            crcBudget -= RECORD_HEADER_BYTES + length;
            if (crcBudget < 0) {
                return -1;
            }
            if (crcAt(channel, offset, length) == block.getInt(at + 4)) {
                return offset;
            }
        }
        return -1;
    }

    /**
     * Whether the record header at {@code at} is all zero bytes (zeroed blocks, as a power loss can
     * leave them): the CRC of a zero header is not zero, so it can never check, and the scan passes
     * over it without spending its budget on it (at the start of a spool, sequence 0 is in range).
     */
    private static boolean zeroed(ByteBuffer block, int at) {
        for (int i = 0; i < RECORD_HEADER_BYTES; i += 4) {
            if (block.getInt(at + i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** {@link #recordCrc} of the record at {@code offset} with {@code length} payload bytes, read in blocks. */
    private static int crcAt(FileChannel channel, long offset, int length) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer block = ByteBuffer.allocate((int) Math.min(RESYNC_BLOCK_BYTES, RECORD_HEADER_BYTES + (long) length));
        long end = offset + RECORD_HEADER_BYTES + length;
        for (long position = offset; position < end; position += block.limit()) {
            block.clear().limit((int) Math.min(block.capacity(), end - position));
            readFully(channel, block, position);
            if (position == offset) {
                crc.update(block.array(), 0, 4);
                crc.update(block.array(), 8, block.limit() - 8);
            } else {
                crc.update(block.array(), 0, block.limit());
            }
        }
        return (int) crc.getValue();
    }

    /**
     * Locks {@link #LOCK_FILE} for this spool alone. The lock is the operating system's: it goes with
     * the process, so a killed gateway leaves none behind.
     */
    private void lockDirectory() throws IOException {
        Path file = directory.toRealPath().resolve(LOCK_FILE);
        Object key;
        // One spool at a time: creating the file opens and closes a channel on it, and that close
        // would release a lock another spool of this process took on the new file meanwhile.
        synchronized (LOCKED) {
            try {
                Files.createFile(file);
            } catch (FileAlreadyExistsException e) {
                // an earlier run's
            }
            Object identity = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            key = identity == null ? file : identity;
            if (!LOCKED.add(key)) {
                throw inUse(); // by another spool of this process
            }
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(file, CREATE, WRITE);
        } catch (IOException | RuntimeException e) {
            LOCKED.remove(key);
            throw e;
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held through another channel of this process
        } catch (IOException | RuntimeException e) {
            closeUnlocked(channel, key);
            throw e;
        }
        if (lock == null) {
            closeUnlocked(channel, key);
            throw inUse();
        }
        lockChannel = channel;
        lockFile = key;
    }

    private IOException inUse() {
        return new IOException("spool directory " + directory + " is in use by another gateway (its " + LOCK_FILE
                + " is locked); each gateway needs a spool directory of its own");
    }

    private static void closeUnlocked(FileChannel channel, Object key) throws IOException {
        try {
            channel.close();
        } finally {
            LOCKED.remove(key);
        }
    }

    private void releaseDirectory() throws IOException {
        FileChannel channel = lockChannel;
        Object key = lockFile;
        lockChannel = null;
        lockFile = null;
        if (channel != null) {
            closeUnlocked(channel, key);
        }
    }

    // ---- segments

    /**
     * Starts a new active segment; the caller deletes the previous one once the new one holds a record.
     * The new file is made whole before it replaces the active one: when that fails (a full disk) it is
     * removed again and the spool is as it was.
     */
    private Segment roll() throws IOException {
        if (activeChannel != null && dataDirty && options.fsyncPolicy() != SpoolOptions.FsyncPolicy.NEVER) {
            activeChannel.force(false);
        }
        long index = nextSegmentIndex++;
        Segment next = new Segment(directory.resolve(String.format(Locale.ROOT, "%s%020d%s", SEGMENT_PREFIX, index,
                SEGMENT_SUFFIX)), index);
        FileChannel channel = files.open(next.path, CREATE_NEW, READ, WRITE);
        try {
            writeSegmentHeader(channel);
            if (options.fsyncPolicy() != SpoolOptions.FsyncPolicy.NEVER) {
                channel.force(true);
                syncDirectory();
            }
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            try {
                Files.deleteIfExists(next.path);
            } catch (IOException deleting) {
                // Recovery reads a header-less segment as empty.
                e.addSuppressed(deleting);
            }
            throw e;
        }
        FileChannel previous = activeChannel;
        Segment previousSegment = segments.peekLast();
        activeChannel = channel;
        next.size = SEGMENT_HEADER_BYTES;
        segments.addLast(next);
        diskBytes += SEGMENT_HEADER_BYTES;
        if (previous != null) {
            if (options.fsyncPolicy() != SpoolOptions.FsyncPolicy.NEVER) {
                dataDirty = false; // forced above; the new segment holds nothing yet
            }
            try {
                previous.close();
            } catch (IOException e) {
                // Its records were forced (or the policy does not care); reading them opens the file anew.
                LOG.warn("Closing spool segment {} failed", previousSegment == null ? "" : previousSegment.path, e);
            }
        }
        return next;
    }

    private void dropOldestSegment() throws IOException {
        Segment oldest = segments.peekFirst();
        List<Entry> entries = new ArrayList<>();
        for (Entry entry : pending.values()) {
            if (entry.segment != oldest) {
                break; // segments hold consecutive sequence ranges, oldest first
            }
            entries.add(entry);
        }
        if (!entries.isEmpty()) {
            LOG.warn("Spool full ({} of {} bytes): dropping {} unacknowledged records, sequences {} to {}", diskBytes,
                    options.maxBytes(), entries.size(), entries.get(0).sequence,
                    entries.get(entries.size() - 1).sequence);
        }
        drop(entries);
        if (segments.contains(oldest)) {
            deleteSegment(oldest);
        }
    }

    /** Removes records unacknowledged, recording them in the data gap, persisted before any segment goes. */
    private void drop(List<Entry> entries) throws IOException {
        if (entries.isEmpty()) {
            return;
        }
        long firstTs = Long.MAX_VALUE;
        long lastTs = Long.MIN_VALUE;
        long samples = 0;
        for (Entry entry : entries) {
            samples += entry.samples;
            firstTs = Math.min(firstTs, entry.firstTimestampMicros);
            lastTs = Math.max(lastTs, entry.lastTimestampMicros);
            pending.remove(entry.sequence);
            pendingBytes -= entry.recordBytes;
            entry.segment.live--;
        }
        DataGap dropped = new DataGap(entries.get(0).sequence, entries.get(entries.size() - 1).sequence, firstTs,
                lastTs, entries.size(), samples);
        gap = gap == null ? dropped : gap.merge(dropped);
        droppedRecords += entries.size();
        writeState();
        for (Entry entry : entries) {
            if (spent(entry.segment) && segments.contains(entry.segment)) {
                deleteSegment(entry.segment);
            }
        }
    }

    private void remove(Entry entry) throws IOException {
        pending.remove(entry.sequence);
        pendingBytes -= entry.recordBytes;
        entry.segment.live--;
        if (spent(entry.segment)) {
            // The newest segment holding a record never goes (spent), so a restart still finds the newest
            // sequence on disk; the watermark is made durable first all the same, so that no restart can
            // number new batches below a sequence the cloud has acknowledged.
            writeState();
            deleteSegment(entry.segment);
        }
    }

    /**
     * Whether the segment may go: none of its records is pending, it is not the active one, it does
     * not hold the latest timestamp (a record appended later may carry older times, as a data gap's
     * event), and it is not the newest segment holding a record (the active one may hold none, after a
     * roll whose record could not be written, or a crash right after a roll): a restart knows the
     * highest sequence from it, which the watermark does not reach while older records are pending.
     */
    private boolean spent(Segment segment) {
        return segment.live == 0 && segment != segments.peekLast() && segment != latestSegment
                && segment != newestWithRecords();
    }

    /** The newest segment holding a record, acknowledged or not; null when none does. */
    private Segment newestWithRecords() {
        for (Iterator<Segment> newestFirst = segments.descendingIterator(); newestFirst.hasNext();) {
            Segment segment = newestFirst.next();
            if (segment.records > 0) {
                return segment;
            }
        }
        return null;
    }

    private void deleteSegment(Segment segment) throws IOException {
        Files.deleteIfExists(segment.path);
        segments.remove(segment);
        diskBytes -= segment.size;
    }

    // ---- durability

    private void afterChange() throws IOException {
        switch (options.fsyncPolicy()) {
            case ALWAYS -> sync();
            case INTERVAL -> {
                opsSinceSync++;
                if (opsSinceSync >= options.fsyncIntervalRecords()
                        || System.nanoTime() - lastSyncNanos >= options.fsyncInterval().toNanos()) {
                    sync();
                }
            }
            case NEVER -> {
                // the operating system writes back in its own time; close() still syncs
            }
        }
    }

    private void sync() throws IOException {
        if (dataDirty && activeChannel != null) {
            activeChannel.force(false);
        }
        dataDirty = false;
        if (stateDirty) {
            writeState();
        }
        opsSinceSync = 0;
        lastSyncNanos = System.nanoTime();
    }

    /** All records at or below it are acknowledged or dropped. */
    private long watermark() {
        return pending.isEmpty() ? lastSequence : pending.firstKey() - 1;
    }

    private void writeState() throws IOException {
        long watermark = watermark();
        while (!damageReported.isEmpty() && damageReported.firstEntry().getValue() <= watermark) {
            damageReported.pollFirstEntry(); // at or below the watermark: recovery leaves it out anyway
        }
        while (damageReported.size() > MAX_DAMAGE_STRETCHES) {
            Map.Entry<Long, Long> lowest = damageReported.pollFirstEntry();
            damageReported.put(lowest.getKey(), damageReported.pollFirstEntry().getValue());
        }
        ByteBuffer state = ByteBuffer.allocate(stateBytes(damageReported.size()));
        state.putInt(STATE_MAGIC).putInt(STATE_VERSION).putLong(watermark).putLong(droppedRecords);
        state.put((byte) (gap == null ? 0 : 1));
        DataGap g = gap == null ? new DataGap(0, 0, 0, 0, 0, 0) : gap;
        state.putLong(g.firstSequence()).putLong(g.lastSequence()).putLong(g.firstTimestampMicros())
                .putLong(g.lastTimestampMicros()).putLong(g.droppedRecords()).putLong(g.droppedSamples());
        state.putLong(sequenceFloor);
        state.putInt(damageReported.size());
        damageReported.forEach((first, last) -> state.putLong(first).putLong(last));
        state.putInt(stateCrc(state.array(), state.capacity())).flip();
        Path temp = directory.resolve(STATE_TEMP_FILE);
        try (FileChannel channel = files.open(temp, CREATE, TRUNCATE_EXISTING, WRITE)) {
            writeFully(channel, state, 0);
            channel.force(true);
        }
        Files.move(temp, directory.resolve(STATE_FILE), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        syncDirectory();
        stateDirty = false;
    }

    /**
     * Records {@code owner} in the directory, or checks that it is the one recorded: another
     * owner's records would be sent as this owner's (another gateway's batches on this gateway's
     * topic, possibly another tenant's). A directory without a record (new, or spooled by a version
     * that kept none) becomes this owner's.
     */
    private void claim(String owner) throws IOException {
        Path file = directory.resolve(OWNER_FILE);
        if (Files.exists(file)) {
            String recorded = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (!recorded.equals(owner)) {
                throw new IOException("the spool directory " + directory + " belongs to " + recorded + ", not to "
                        + owner + ": its batches are not this gateway's; give each gateway a spool directory of its own");
            }
            return;
        }
        Path temp = directory.resolve(OWNER_TEMP_FILE);
        try (FileChannel channel = files.open(temp, CREATE, TRUNCATE_EXISTING, WRITE)) {
            writeFully(channel, ByteBuffer.wrap((owner + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory();
    }

    /**
     * Loads the dropped count, the gap, the sequence floor and the damage reported; returns the
     * watermark (-1 when there is no usable state).
     */
    private long readState() throws IOException {
        Path file = directory.resolve(STATE_FILE);
        if (!Files.exists(file)) {
            return -1;
        }
        ByteBuffer state = ByteBuffer.wrap(Files.readAllBytes(file));
        int version = state.capacity() >= 8 ? state.getInt(4) : -1;
        int stretches = version == STATE_VERSION && state.capacity() >= STATE_STRETCHES_AT + 4
                ? state.getInt(STATE_STRETCHES_AT) : -1;
        int bytes = switch (version) {
            case STATE_VERSION -> stretches >= 0 && stretches <= MAX_DAMAGE_STRETCHES ? stateBytes(stretches) : -1;
            case 3 -> STATE_V3_BYTES;
            case 2 -> STATE_V2_BYTES;
            default -> -1;
        };
        if (state.capacity() != bytes || state.getInt(0) != STATE_MAGIC
                || state.getInt(bytes - 4) != stateCrc(state.array(), bytes)) {
            LOG.error("Spool state file {} is damaged; replaying every record on disk and forgetting the data gap",
                    file);
            return -1;
        }
        long watermark = state.getLong(8);
        droppedRecords = state.getLong(16);
        if (state.get(24) != 0) {
            gap = new DataGap(state.getLong(25), state.getLong(33), state.getLong(41), state.getLong(49),
                    state.getLong(57), state.getLong(65));
        }
        if (version == STATE_VERSION) {
            sequenceFloor = state.getLong(STATE_FIELDS_BYTES);
        }
        for (int i = 0; i < stretches; i++) {
            int at = STATE_STRETCHES_AT + 4 + 16 * i;
            damageReported.put(state.getLong(at), state.getLong(at + 8));
        }
        if (version == 3 && state.getLong(STATE_FIELDS_BYTES) >= 0) {
            // Version 3 skipped all damage at or below the highest sequence reported.
            damageReported.put(0L, state.getLong(STATE_FIELDS_BYTES));
        }
        return watermark;
    }

    /** The size of a state file with {@code damageStretches} stretches of damage reported. */
    static int stateBytes(int damageStretches) {
        return STATE_STRETCHES_AT + 4 + 16 * damageStretches + 4;
    }

    private void syncDirectory() throws IOException {
        // Makes a created, renamed or deleted file's directory entry durable (POSIX).
        try (FileChannel dir = files.open(directory, READ)) {
            dir.force(true);
        }
    }

    // ---- helpers

    private static void writeSegmentHeader(FileChannel channel) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(SEGMENT_HEADER_BYTES).putInt(SEGMENT_MAGIC).putInt(FORMAT_VERSION);
        channel.truncate(0);
        writeFully(channel, header.flip(), 0);
    }

    /** CRC32C of the record in {@code bytes[0, length)}, leaving out its crc field at offset 4. */
    static int recordCrc(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, 4);
        crc.update(bytes, 8, length - 8);
        return (int) crc.getValue();
    }

    /** CRC32C of a state file of {@code length} bytes, leaving out its crc field at the end. */
    static int stateCrc(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length - 4);
        return (int) crc.getValue();
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            position += channel.write(buffer, position);
        }
    }

    private static ByteBuffer readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position);
            if (n < 0) {
                throw new EOFException("unexpected end of spool file at offset " + position);
            }
            position += n;
        }
        return buffer;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("spool " + directory + " is closed");
        }
    }

    private void closeQuietly(Exception cause) {
        closed = true;
        if (activeChannel != null) {
            try {
                activeChannel.close();
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
        }
        try {
            releaseDirectory();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    /** What recovery has read so far, oldest segment first. */
    private static final class Recovery {
        /** From the state file: every record at or below it is acknowledged or dropped. */
        final long watermark;
        /** The sequence of the last intact record read, -1 before the first. */
        long lastSequence = -1;
        /** That record's {@code lastTimestampMicros}; {@link Long#MIN_VALUE} before the first. */
        long lastRecordMicros = Long.MIN_VALUE;
        /** Whether damage lies between that record and the next intact one. */
        boolean damaged;
        /** The bytes of that damage. */
        long damagedBytes;
        /** Whether damage was added to the data gap. */
        boolean gapFound;

        Recovery(long watermark) {
            this.watermark = watermark;
        }
    }

    /** A segment file: its size on disk and how many of its records are pending. */
    private static final class Segment {
        final Path path;
        final long index;
        long size;
        int live;
        /** Records appended to it or found in it by recovery, acknowledged and dropped ones included. */
        int records;

        Segment(Path path, long index) {
            this.path = path;
            this.index = index;
        }
    }

    /** Where an unacknowledged record lies, and its time range. */
    private record Entry(Segment segment, long offset, int recordBytes, long sequence, int samples,
            long firstTimestampMicros, long lastTimestampMicros) {
    }
}
