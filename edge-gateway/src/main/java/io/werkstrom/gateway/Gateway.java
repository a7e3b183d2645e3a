package io.werkstrom.gateway;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.werkstrom.gateway.collect.Collector;
import io.werkstrom.gateway.monitor.MonitorServer;
import io.werkstrom.gateway.publish.MqttPublisher;
import io.werkstrom.gateway.publish.PublishRejectedException;
import io.werkstrom.gateway.spool.DataGap;
import io.werkstrom.gateway.spool.Spool;
import io.werkstrom.gateway.spool.SpooledBatch;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.DecodeLimits;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;

/**
 * An edge gateway: it takes samples from a {@link Collector} every batch interval, cuts them into
 * {@link TelemetryBatch}es numbered by its {@link BatchSequence}, encodes each and appends it to
 * its disk {@link Spool} first; a sender drains the spool in sequence order through the
 * {@link MqttPublisher}, and a batch leaves the spool only when the broker's PUBACK for it arrived.
 *
 * <p>Delivery is at least once and survives a killed process: on start the spool is recovered,
 * sequence numbers continue after its last one, unacknowledged batches go out again in order, and
 * the collector is started at the timestamp of the last spooled sample, so that a source with a
 * history (the simulator, a PLC buffer, a file) continues where the previous run stopped. After a
 * failed publish the sender waits until nothing is in flight and sends the spool again from its
 * oldest record; the cloud drops what it already has by sequence.
 *
 * <p>A full spool drops its oldest batches ({@link Spool}), and one whose disk damaged records loses
 * those; once the link is up the gateway reports them as a {@code data_gap} event (docs/protocol.md)
 * on its events topic. The event is a spool record too, with its own sequence number, so it
 * survives a restart until the broker acknowledged it; telemetry sequences skip the numbers events
 * take.
 *
 * <p>A collected batch whose encoding exceeds what one spool record holds ({@code spoolSegmentBytes})
 * is split into several batches, each with its own sequence. While the spool cannot take batches
 * (a full disk), collecting pauses, {@link #health()} names the spool, and the batches already cut
 * wait in memory; those still waiting when the gateway stops are logged and counted
 * ({@link #batchesNotSpooled()}).
 *
 * <p>Once the broker stated a Maximum Packet Size, batches are also split to fit it. A spooled record
 * the broker would still refuse (spooled before the limit was known) is not sent, which would make
 * the broker drop the connection over and over: it is set aside into the spool's data gap, logged,
 * counted ({@link #recordsTooLarge()}) and reported as a {@code data_gap} event.
 *
 * <p>One collect call takes at most {@code DecodeLimits.DEFAULT.maxRows()} samples (see
 * {@link Collector#collect(long, int, TelemetryBatch.Builder)}): a source with more samples due (a
 * replay at a high speed-up, the simulator after a pause) drains over several calls, in order, so
 * the heap a gateway needs does not grow with the samples due per batch interval. An {@link Error}
 * (say an {@link OutOfMemoryError}) on the collector or sender thread is not retried: the gateway
 * stops itself and reports it in {@link #failure()} and {@link #health()}.
 *
 * <p>Threads: one collector thread collects, encodes and spools; one sender thread publishes and
 * applies acknowledgements to the spool (so that no disk work runs on Paho's callback thread). The
 * counters are thread-safe, and {@link #stats()} and {@link #health()} answer at any time, also
 * while {@link #stop()} drains the spool. The gateway owns the collector, its Arrow allocator, the
 * publisher, the spool and the monitor server, and releases them in {@link #close()}.
 */
public final class Gateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Gateway.class);
    /** Records the sender reads from the spool at a time. */
    private static final int SEND_CHUNK = 64;
    /** While catching up on a source's history, at most this much time goes into one collect call. */
    private static final long CATCH_UP_SPAN_MICROS = 10_000_000L;
    /** Passes over the spool that ended in a failed publish without any PUBACK, before health says so. */
    private static final int UNHEALTHY_FAILED_PASSES = 3;
    /** Above this fill of the spool, a disconnected gateway reports itself unhealthy: data loss is near. */
    private static final double HEALTHY_SPOOL_FILL = 0.9;

    private enum State { NEW, RUNNING, STOPPED, CLOSED }

    /** A PUBACK to apply to the spool. */
    private record Ack(long sequence, int samples, byte kind) {
    }

    /** A batch encoded and numbered but not yet in the spool (the append failed; it is retried). */
    private record Unspooled(long sequence, int samples, long firstMicros, long lastMicros, byte[] record) {
    }

    private final GatewayOptions options;
    private final GatewayAddress address;
    private final String telemetryTopic;
    private final String eventsTopic;
    private final Collector collector;
    private final BufferAllocator allocator;
    private final BatchCodec codec;
    private final MqttPublisher publisher;
    private final ScheduledExecutorService scheduler;
    private final Thread sender;
    private final long intervalMicros;
    private final int maxRows = DecodeLimits.DEFAULT.maxRows();
    /**
     * The most samples one collect call takes: a fast replay (a high speed-up) has far more samples
     * due in one batch interval than a heap of an edge box holds as one batch; it drains over several
     * calls instead, each batch spooled before the next is collected.
     */
    private final int maxSamplesPerCollect;
    /** The largest record the spool takes: a batch encoding above it is split. */
    private final int maxRecordBytes;
    /** The wall clock in epoch microseconds. */
    private final LongSupplier clockMicros;

    private final AtomicLong samplesCollected = new AtomicLong();
    private final AtomicLong samplesAcknowledged = new AtomicLong();
    private final AtomicLong batchesSpooled = new AtomicLong();
    private final AtomicLong batchesAcknowledged = new AtomicLong();
    private final AtomicLong publishFailures = new AtomicLong();
    private final AtomicLong dataGapsReported = new AtomicLong();
    private final AtomicLong batchesNotSpooled = new AtomicLong();
    private final AtomicLong samplesNotSpooled = new AtomicLong();
    private final AtomicLong recordsTooLarge = new AtomicLong();
    /** Sends of the spool from its oldest record that ended in a failure, since the last PUBACK. */
    private final AtomicInteger failedPasses = new AtomicInteger();
    private volatile String lastPublishFailure;
    private final AtomicInteger outstanding = new AtomicInteger();
    private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final Object wakeUp = new Object();

    private final Object lock = new Object();
    /**
     * Written under {@link #lock}; {@link #health()} reads it without: stop() holds the lock while it
     * drains the spool, and the monitor server's few threads must not wait for that.
     */
    private volatile State state = State.NEW;
    /** Set as {@link #stop()} begins: a tick catching up on a source's history ends at its next span. */
    private volatile boolean stopping;
    private volatile boolean sending;
    private volatile boolean rewind;
    private volatile String collectProblem;
    /** An Error in a tick or the sender: the gateway stops itself and its owner ends the process. */
    private final AtomicReference<Failure> failure = new AtomicReference<>();
    private volatile String spoolProblem;
    private volatile String sendProblem;
    private volatile boolean collectorFinished;
    private volatile Spool spool;
    private volatile MonitorServer monitor;
    private BatchSequence sequence;
    private ScheduledFuture<?> ticker;
    /** Collector thread only: samples below it were asked for. */
    private long cursorMicros;
    /** Collector thread only. */
    private final ArrayDeque<Unspooled> unspooled = new ArrayDeque<>();
    private GatewayStats finalStats;

    /**
     * A gateway that takes ownership of {@code collector}; nothing starts before {@link #start()}.
     *
     * @throws IllegalArgumentException if {@code spoolSegmentBytes} cannot hold a batch of one sample
     */
    public Gateway(GatewayOptions options, Collector collector) {
        this(options, collector, DecodeLimits.DEFAULT.maxRows());
    }

    /** With another bound on the samples one collect call takes (tests: a small one shows the draining). */
    Gateway(GatewayOptions options, Collector collector, int maxSamplesPerCollect) {
        this(options, collector, maxSamplesPerCollect, () -> BatchValidator.micros(Instant.now()));
    }

    /** With another wall clock (tests: one set back). */
    Gateway(GatewayOptions options, Collector collector, int maxSamplesPerCollect, LongSupplier clockMicros) {
        this.clockMicros = clockMicros;
        if (maxSamplesPerCollect <= 0) {
            throw new IllegalArgumentException("maxSamplesPerCollect must be positive, got " + maxSamplesPerCollect + ".");
        }
        this.maxSamplesPerCollect = maxSamplesPerCollect;
        this.options = options;
        this.collector = collector;
        this.address = options.address();
        this.telemetryTopic = Topics.telemetry(address);
        this.eventsTopic = Topics.events(address);
        this.intervalMicros = options.batchInterval().toNanos() / 1_000;
        this.maxRecordBytes = Spool.maxPayloadBytes(options.spool());
        this.allocator = new RootAllocator();
        this.codec = new BatchCodec(allocator);
        try {
            requireRoomForOneSample();
            this.publisher = new MqttPublisher(options.publisher());
        } catch (RuntimeException e) {
            allocator.close();
            throw e;
        }
        String name = "werkstrom-gateway-" + address.gateway();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name + "-collector"));
        this.sender = daemon(this::sendLoop, name + "-sender");
    }

    /** Splitting stops at one sample: a spool whose segment cannot hold that would never take a batch. */
    private void requireRoomForOneSample() {
        // The longest identifiers BatchValidator accepts, of characters that compress no better than real names.
        java.util.Random random = new java.util.Random(64);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder machine = new StringBuilder();
        StringBuilder sensor = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            machine.append(alphabet.charAt(random.nextInt(alphabet.length())));
            sensor.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        TelemetryBatch one = TelemetryBatch.builder(address.gateway(), Long.MAX_VALUE - 1)
                .add(4_102_444_799_999_999L, machine.toString(), sensor.toString(), Math.PI, Quality.GOOD).build();
        // Other timestamps and values compress a few bytes differently: a margin keeps the verdict stable.
        int bytes = SpoolRecord.wrap(SpoolRecord.TELEMETRY, codec.encode(one)).length + 32;
        if (bytes > maxRecordBytes) {
            int needed = options.spool().segmentBytes() - maxRecordBytes + bytes;
            throw new IllegalArgumentException("spoolSegmentBytes (" + options.spool().segmentBytes()
                    + ") cannot hold a batch of one sample, which takes up to about " + bytes
                    + " bytes; set spoolSegmentBytes to at least " + needed + ".");
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Recovers the spool, starts the collector where the spool left off, starts the monitor server
     * (when {@code httpPort} is set), connects (in the background) and starts collecting and
     * publishing. Call once.
     *
     * @throws IOException if the spool cannot be opened or the monitor port not bound
     * @throws Exception   what the collector's start throws
     */
    public void start() throws Exception {
        synchronized (lock) {
            if (state != State.NEW) {
                throw new IllegalStateException("gateway " + address + " was already started");
            }
            spool = Spool.open(options.spool());
            long lastSequence = spool.lastSequence();
            long first = lastSequence >= 0 ? lastSequence + 1
                    : options.firstSequence().orElse(Instant.now().toEpochMilli());
            sequence = BatchSequence.startingAt(first);
            long resumeAfter = spool.lastTimestampMicros();
            collector.start(resumeAfter);
            long now = nowMicros();
            cursorMicros = resumeAfter == Long.MIN_VALUE ? now : Math.min(now, resumeAfter + 1);
            if (options.httpPort() > 0) {
                monitor = MonitorServer.start(options.httpHost().orElse(null), options.httpPort(), address, this::stats,
                        this::health);
            }
            publisher.start();
            sending = true;
            sender.start();
            long period = options.batchInterval().toNanos();
            ticker = scheduler.scheduleAtFixedRate(this::tick, period, period, TimeUnit.NANOSECONDS);
            state = State.RUNNING;
            log.info("Gateway {} started: {}, batches every {} ms, next sequence {}, {} records in the spool{}", address,
                    collector.describe(), options.batchInterval().toMillis(), sequence.peek(), spool.pendingRecords(),
                    resumeAfter == Long.MIN_VALUE ? "" : ", resuming after " + instant(resumeAfter));
        }
    }

    /** Waits until the publisher is connected to the broker; returns whether it is. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return publisher.awaitConnected(timeout);
    }

    /**
     * Stops collecting, after spooling what the source stamped since the last batch interval, then
     * waits until the spool is empty, the whole stop taking {@code drainTimeout} at most (and one
     * catch-up span's collect call): a catch-up on a source's long history ends where it is by then,
     * its rest collected after the next start, which resumes after the last sample spooled. Returns
     * the counters at that point. What is left stays in the spool for the next start. The connection
     * stays up until {@link #close()}. Idempotent: later calls return the same counters.
     */
    public GatewayStats stop() {
        synchronized (lock) {
            if (state == State.NEW) {
                state = State.STOPPED;
                finalStats = stats();
                return finalStats;
            }
            if (state != State.RUNNING) {
                return finalStats;
            }
            long deadline = System.nanoTime() + options.drainTimeout().toNanos();
            stopping = true;
            ticker.cancel(false);
            // One last try for batches the spool refused (the disk may have room again), once no tick runs any more:
            // they share the queue and the sequence.
            if (awaitScheduler()) {
                collectAtStop(deadline);
                spoolLeftovers();
            }
            try {
                while (spool.pendingRecords() > 0 && sender.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.warn("Gateway {} interrupted while draining its spool", address, e);
            }
            haltThreads();
            loseUnspooled("stopped");
            applyAcks();
            try {
                spool.flush();
            } catch (IOException e) {
                log.error("Gateway {} could not force its spool to disk on stop", address, e);
            }
            state = State.STOPPED;
            finalStats = stats();
            if (finalStats.spoolRecords() > 0) {
                log.warn("Gateway {} stopped with {} records in its spool after waiting {}; they are sent on the next start",
                        address, finalStats.spoolRecords(), options.drainTimeout());
            }
            log.info("Gateway {} stopped: {}", address, finalStats);
            return finalStats;
        }
    }

    /**
     * Stops as a crash would as far as the broker sees it: no draining, no DISCONNECT (the broker
     * publishes the last will). The spool keeps what was not acknowledged. For failure drills;
     * {@link #close()} afterwards only releases resources.
     */
    public void abort() {
        synchronized (lock) {
            if (state == State.CLOSED || state == State.STOPPED) {
                return;
            }
            stopping = true;
            if (ticker != null) {
                ticker.cancel(false);
            }
            publisher.abort(); // fails what is in flight, so that the sender is not held in the window
            haltThreads();
            loseUnspooled("was aborted");
            state = State.STOPPED;
            finalStats = stats();
            log.warn("Gateway {} aborted with {} records in its spool", address, finalStats.spoolRecords());
        }
    }

    /**
     * Stops (see {@link #stop()}) if running, announces {@code offline} with the spool's last sequence
     * ({@link MqttPublisher#close(long)}), disconnects and releases everything.
     */
    @Override
    public void close() {
        try {
            stop();
        } finally {
            synchronized (lock) {
                if (state != State.CLOSED) {
                    state = State.CLOSED;
                    haltThreads();
                    releaseAll();
                }
            }
        }
    }

    private void releaseAll() {
        MonitorServer m = monitor;
        if (m != null) {
            m.close();
        }
        Spool s = spool;
        try {
            // Every batch and event published came from the spool: none above its last sequence.
            publisher.close(s == null ? -1 : s.lastSequence());
        } catch (RuntimeException e) {
            log.warn("Closing the publisher of {} failed", address, e);
        }
        if (s != null) {
            try {
                s.close();
            } catch (IOException | RuntimeException e) {
                log.error("Closing the spool of {} failed; the next start recovers it", address, e);
            }
        }
        try {
            collector.close();
        } catch (Exception e) {
            log.warn("Closing the collector of {} failed", address, e);
        }
        allocator.close();
    }

    /** The counters now. */
    public GatewayStats stats() {
        Spool s = spool;
        long records = 0;
        long bytes = 0;
        long disk = 0;
        long dropped = 0;
        long droppedSamples = 0;
        if (s != null) {
            // Each readable after the spool's close too.
            records = s.pendingRecords();
            bytes = s.pendingBytes();
            disk = s.diskBytes();
            dropped = s.droppedRecords();
            // One reading: the pending gap's samples and those of the gaps taken, read apart and added,
            // dipped whenever a scrape fell between a take and its addition (a counter going down).
            droppedSamples = s.droppedSamplesSeen();
        }
        return new GatewayStats(samplesCollected.get(), samplesAcknowledged.get(), batchesSpooled.get(),
                batchesAcknowledged.get(), publishFailures.get(), records, bytes, disk, options.spool().maxBytes(),
                outstanding.get(), publisher.isConnected(), Math.max(0, publisher.connections() - 1), dropped,
                droppedSamples, dataGapsReported.get(),
                collectProblem == null && collector.problem().isEmpty());
    }

    /** Telemetry batches collected and cut but never spooled (see the class description), this process. */
    public long batchesNotSpooled() {
        return batchesNotSpooled.get();
    }

    /** Spooled records set aside undelivered because the broker's maximum packet size refuses them, this process. */
    public long recordsTooLarge() {
        return recordsTooLarge.get();
    }

    /** Samples in the {@linkplain #batchesNotSpooled() batches never spooled}. */
    public long samplesNotSpooled() {
        return samplesNotSpooled.get();
    }

    /**
     * Healthy when running and collecting (no failing collect, and the collector reports no
     * {@linkplain Collector#problem() problem} with its source), and either connected or spooling
     * within limits: the spool below 90% of its limit and nothing dropped since the link went down.
     * A spool that refuses batches (a full disk) is named as such, before the collector; so is a
     * sender whose last few passes over the spool all failed without a single PUBACK, and a broker
     * that refuses the gateway's connection for a reason waiting does not cure
     * ({@link MqttPublisher#refusal()}: its credentials, say), although the spool still has room.
     */
    public GatewayHealth health() {
        String stateName = state.name().toLowerCase(java.util.Locale.ROOT);
        GatewayStats stats = stats();
        double fill = stats.spoolMaxBytes() == 0 ? 0 : (double) stats.spoolDiskBytes() / stats.spoolMaxBytes();
        String reason;
        Optional<String> sourceProblem = collector.problem();
        String spooling = spoolProblem;
        Failure failed = failure.get();
        if (failed != null) {
            reason = failed.reason();
        } else if (!stateName.equals("running")) {
            reason = "gateway is " + stateName;
        } else if (spooling != null) {
            reason = spooling;
        } else if (collectProblem != null) {
            reason = collectProblem;
        } else if (sourceProblem.isPresent()) {
            reason = "collector: " + sourceProblem.get();
        } else if (sendProblem != null) {
            reason = sendProblem;
        } else if (!stats.connected() && publisher.refusal().isPresent()) {
            reason = publisher.refusal().get();
        } else if (!stats.connected() && fill >= HEALTHY_SPOOL_FILL) {
            reason = "disconnected and the spool is " + Math.round(fill * 100) + "% full";
        } else if (!stats.connected() && unreportedGap()) {
            reason = "disconnected and the full spool is dropping the oldest batches";
        } else if (failedPasses.get() >= UNHEALTHY_FAILED_PASSES) {
            reason = "nothing acknowledged for " + failedPasses.get() + " attempts to send the spool"
                    + (stats.connected() ? ", though connected" : "") + "; the last failed: " + lastPublishFailure;
        } else {
            reason = "ok";
        }
        return new GatewayHealth(reason.equals("ok"), stateName, stats.connected(), fill, reason);
    }

    private boolean unreportedGap() {
        Spool s = spool;
        try {
            return s != null && s.dataGap().isPresent();
        } catch (IllegalStateException closed) {
            return false;
        }
    }

    public GatewayAddress address() {
        return address;
    }

    /** The telemetry topic the gateway publishes to. */
    public String topic() {
        return telemetryTopic;
    }

    /** The publisher, for its connection state and counters. */
    public MqttPublisher publisher() {
        return publisher;
    }

    /** The port the monitor server listens on, or 0 when it is off. */
    public int httpPort() {
        MonitorServer m = monitor;
        return m == null ? 0 : m.port();
    }

    /** Whether a finite collector has handed over everything (see {@link Collector#finished()}); nothing more is collected. */
    public boolean collectorFinished() {
        return collectorFinished;
    }

    /** The timestamp of the last sample spooled (this run or an earlier one), {@link Long#MIN_VALUE} if none. */
    public long lastSpooledMicros() {
        Spool s = spool;
        if (s == null) {
            return Long.MIN_VALUE;
        }
        return s.lastTimestampMicros();
    }

    // ---- collector thread

    private void tick() {
        if (failure.get() != null) {
            return; // the gateway is stopping itself
        }
        try {
            if (!spoolLeftovers() || !reportDataGap()) {
                return; // the spool takes nothing now: collecting more would only pile up in memory
            }
            collectDue(nowMicros(), OptionalLong.empty());
            if (collectProblem != null) {
                log.info("Gateway {} collects again", address);
                collectProblem = null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // A source that fails (a lost PLC connection) is asked again next tick; what it held is still there.
            problem("collecting from " + collector.describe() + " failed: " + e.getMessage(), e);
        } catch (Error e) {
            // Retrying after an OutOfMemoryError (or any Error) is no plan: the executor would cancel every later
            // tick anyway, leaving a process that is up and collects nothing.
            fail("collecting", e);
        }
    }

    /**
     * An Error on the collector or sender thread: the gateway stops itself (draining its spool as
     * {@link #stop()} does) on a thread of its own, since stop waits for the collector thread to be
     * idle; {@link #failure()} tells its owner to end.
     */
    private void fail(String what, Error e) {
        // The reason travels with the Error: health() may read it before collectProblem is set.
        Failure failed = new Failure(what + " failed for good: " + e, e);
        if (!failure.compareAndSet(null, failed)) {
            return; // the other thread's Error stops it already
        }
        collectProblem = failed.reason();
        log.error("Gateway {}: {}; the gateway stops", address, failed.reason(), e);
        try {
            Thread stopper = new Thread(this::stop, "werkstrom-gateway-" + address.gateway() + "-stopper");
            stopper.setDaemon(true);
            stopper.start();
        } catch (Error notEvenThat) {
            // The owner sees failure() and stops the gateway itself.
            e.addSuppressed(notEvenThat);
        }
    }

    /**
     * The Error (an {@link OutOfMemoryError}, say) that ended collecting or sending, if any. The
     * gateway then stops itself and collects nothing more; the process that owns it should stop it
     * (which waits for that stop) and end with an error.
     */
    public Optional<Error> failure() {
        return Optional.ofNullable(failure.get()).map(Failure::error);
    }

    /** An Error that stopped the gateway, and the reason its health gives. */
    private record Failure(String reason, Error error) {
    }

    private void problem(String what, Throwable cause) {
        if (!what.equals(collectProblem)) {
            log.error("Gateway {}: {}; retrying every batch interval", address, what, cause);
        }
        collectProblem = what;
    }

    private void spoolRefused(String what, IOException cause) {
        if (spoolProblem == null) {
            log.error("Gateway {}: {}; collecting waits, {} batches wait in memory; retrying every batch interval",
                    address, what, unspooled.size(), cause);
        } else if (!what.equals(spoolProblem)) {
            log.debug("Gateway {}: {}", address, what, cause);
        }
        spoolProblem = what;
    }

    /** The reason for a health report: the message alone, where it says what went wrong, is just a path. */
    private static String describe(IOException e) {
        return e instanceof FileSystemException ? e.getClass().getSimpleName() + ": " + e.getMessage() : e.getMessage();
    }

    /**
     * Appends the batches queued for the spool, oldest first; returns whether the queue is empty. An
     * append that fails for want of space (or any I/O error) leaves the rest queued; one the spool
     * can never take is logged and counted, so that it does not hold up every batch behind it.
     */
    private boolean spoolLeftovers() {
        while (!unspooled.isEmpty()) {
            Unspooled u = unspooled.peekFirst();
            try {
                spool.append(u.sequence(), u.samples(), u.firstMicros(), u.lastMicros(), u.record());
            } catch (IOException e) {
                spoolRefused("spooling failed: " + describe(e), e);
                return false;
            } catch (IllegalArgumentException e) {
                unspooled.pollFirst();
                notSpooled(List.of(u), "the spool refuses it: " + e.getMessage());
                continue;
            }
            unspooled.pollFirst();
            batchesSpooled.incrementAndGet();
            samplesCollected.addAndGet(u.samples());
            signalSender();
        }
        if (spoolProblem != null) {
            log.info("Gateway {} spools again", address);
            spoolProblem = null;
        }
        return true;
    }

    /** Logs and counts batches given up, with enough detail to find the samples elsewhere. */
    private void notSpooled(Collection<Unspooled> lost, String why) {
        long samples = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        long firstSequence = Long.MAX_VALUE;
        long lastSequence = Long.MIN_VALUE;
        for (Unspooled u : lost) {
            samples += u.samples();
            first = Math.min(first, u.firstMicros());
            last = Math.max(last, u.lastMicros());
            firstSequence = Math.min(firstSequence, u.sequence());
            lastSequence = Math.max(lastSequence, u.sequence());
        }
        batchesNotSpooled.addAndGet(lost.size());
        samplesNotSpooled.addAndGet(samples);
        log.error("Gateway {} never spooled {} batches ({} samples from {} to {}, sequences {} to {}): {}; "
                + "a source with a history hands them over again on the next start, one without (OPC UA) does not",
                address, lost.size(), samples, instant(first), instant(last), firstSequence, lastSequence, why);
    }

    /** At stop: what the spool never took is lost to this run (collector thread ended). */
    private void loseUnspooled(String when) {
        if (!unspooled.isEmpty()) {
            List<Unspooled> lost = new ArrayList<>(unspooled);
            unspooled.clear();
            notSpooled(lost, "the gateway " + when + " while the spool refused them"
                    + (spoolProblem == null ? "" : " (" + spoolProblem + ")"));
        }
    }

    /**
     * Reports the spool's data gap once the link is up, as an event record in the spool itself;
     * returns false when the spool refused it (it is tried again next tick).
     */
    private boolean reportDataGap() {
        try {
            reportDataGapEvent();
            return true;
        } catch (IOException e) {
            spoolRefused("spooling the data_gap event failed: " + describe(e), e);
            return false;
        }
    }

    private void reportDataGapEvent() throws IOException {
        if (!publisher.isConnected()) {
            return;
        }
        Optional<DataGap> gap = spool.dataGap();
        while (gap.isPresent()) {
            DataGap reported = gap.get();
            long seq = sequence.next();
            spool.append(seq, 0, reported.firstTimestampMicros(), reported.lastTimestampMicros(),
                    SpoolRecord.wrap(SpoolRecord.EVENT, DataGapEvent.json(reported)));
            Optional<DataGap> taken = spool.takeDataGap();
            log.warn("Gateway {} lost {} batches ({} samples, sequences {} to {}, {} to {}) (dropped by a full spool, "
                    + "set aside as too large for the broker, or unreadable on the spool's disk); reporting it as "
                    + "data_gap event {}", address, reported.droppedRecords(), reported.droppedSamples(),
                    reported.firstSequence(), reported.lastSequence(), instant(reported.firstTimestampMicros()),
                    instant(reported.lastTimestampMicros()), seq);
            // Appending the event can itself drop the oldest records: then the merged gap is reported again.
            gap = taken.filter(t -> !t.equals(reported));
            signalSender();
        }
    }

    /**
     * Collects, span by span, what is due up to {@code nowMicros}. A tick's collecting ends once the
     * gateway stops; the stop's own ends at {@code stopDeadlineNanos} after its first span. Returns
     * whether either ended it before it caught up (not: the spool refused a batch, which waits in the
     * queue).
     */
    private boolean collectDue(long nowMicros, OptionalLong stopDeadlineNanos) throws Exception {
        if (cursorMicros - nowMicros > intervalMicros) {
            // The clock was set back (one that ran ahead, corrected): waiting until it passes the cursor again would
            // leave the source uncollected that long. A source hands over only samples it has not had yet, as when a
            // gateway restarts with its clock behind the last spooled sample.
            log.warn("Gateway {}: the clock went back {} ms; collecting goes on from {}", address,
                    (cursorMicros - nowMicros) / 1_000, instant(nowMicros));
            cursorMicros = nowMicros - intervalMicros;
        }
        for (int spans = 0; !collectorFinished && nowMicros - cursorMicros >= intervalMicros; spans++) {
            if (stopDeadlineNanos.isEmpty() ? stopping
                    : spans > 0 && System.nanoTime() - stopDeadlineNanos.getAsLong() >= 0) {
                return true;
            }
            long behind = nowMicros - cursorMicros;
            long span = behind >= 2 * intervalMicros ? Math.min(behind - intervalMicros, CATCH_UP_SPAN_MICROS)
                    : intervalMicros;
            long until = cursorMicros + Math.max(span, intervalMicros);
            cursorMicros = until;
            // A source faster than the bound per interval hands its samples over in several calls, each
            // spooled as its own batch before the next is collected. The calls end: for one until, a
            // source has only so many samples due (see Collector#collect(long, int, TelemetryBatch.Builder)).
            if (!collectUntil(until)) {
                return false;
            }
        }
        return false;
    }

    /**
     * Collects and spools everything stamped before {@code until} in as many calls as it takes;
     * returns false when the spool refused a batch (the rest waits in the queue).
     */
    private boolean collectUntil(long until) throws Exception {
        int collected;
        do {
            TelemetryBatch.Builder builder = TelemetryBatch.builder(address.gateway(), 0);
            collected = collector.collect(until, maxSamplesPerCollect, builder);
            if (collected > 0) {
                spoolBatch(builder.build());
                if (!spoolLeftovers()) {
                    return false;
                }
            }
        } while (collected > 0);
        if (collector.finished()) {
            collectorFinished = true;
            log.info("Gateway {}: {} has handed over everything", address, collector.describe());
        }
        return true;
    }

    /**
     * At stop, once no tick runs: the samples stamped since the last batch interval are collected
     * and spooled too, so that a source without a history (OPC UA), which would not hand them over
     * again after a restart, does not lose what arrived before the stop.
     */
    private void collectAtStop(long deadlineNanos) {
        if (failure.get() != null) {
            return; // an Error in collecting or sending stops the gateway: nothing more is collected
        }
        try {
            if (!spoolLeftovers()) {
                return;
            }
            long now = nowMicros();
            if (collectDue(now, OptionalLong.of(deadlineNanos))) {
                log.info("Gateway {} stops catching up on {} at {}; it goes on from there after the next start",
                        address, collector.describe(), instant(cursorMicros));
                return;
            }
            if (!collectorFinished && unspooled.isEmpty() && cursorMicros < now) {
                cursorMicros = now;
                collectUntil(now);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.error("Gateway {}: collecting from {} at stop failed: {}", address, collector.describe(), e.getMessage(), e);
        }
    }

    /**
     * Numbers, encodes and queues for the spool one collected batch, split where it exceeds the rows a
     * batch may hold or the bytes a spool record holds.
     */
    private void spoolBatch(TelemetryBatch all) {
        int rows = all.size();
        for (int from = 0; from < rows; from += maxRows) {
            spoolPart(all, from, Math.min(rows, from + maxRows));
        }
    }

    /**
     * Queues rows {@code [from, to)} as one batch, or halves them until each encoding fits a spool
     * record, the payload the cloud's decoder accepts ({@link DecodeLimits#DEFAULT}) and the broker's
     * maximum packet size (as far as known).
     */
    private void spoolPart(TelemetryBatch all, int from, int to) {
        // Only this thread takes sequences, so the number peeked is the number taken below.
        long seq = sequence.peek();
        TelemetryBatch part = from == 0 && to == all.size()
                ? new TelemetryBatch(all.gateway(), seq, all.timestampsMicros(), all.machines(), all.sensors(),
                        all.values(), all.qualities())
                : new TelemetryBatch(all.gateway(), seq, Arrays.copyOfRange(all.timestampsMicros(), from, to),
                        Arrays.copyOfRange(all.machines(), from, to), Arrays.copyOfRange(all.sensors(), from, to),
                        Arrays.copyOfRange(all.values(), from, to), Arrays.copyOfRange(all.qualities(), from, to));
        byte[] record = SpoolRecord.wrap(SpoolRecord.TELEMETRY, codec.encode(part));
        // The record is the message plus its kind byte.
        // The cloud's decoder refuses larger payloads (to dead letters), whatever the broker carries.
        long limit = Math.min(maxRecordBytes, DecodeLimits.DEFAULT.maxPayloadBytes() + 1L);
        long brokerLimit = publisher.maxPayloadBytes(telemetryTopic);
        if (brokerLimit < limit) {
            limit = brokerLimit + 1;
        }
        if (record.length > limit && to - from > 1) {
            int middle = splitPoint(all.timestampsMicros(), from, to);
            spoolPart(all, from, middle);
            spoolPart(all, middle, to);
            return;
        }
        sequence.next();
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (long ts : part.timestampsMicros()) {
            first = Math.min(first, ts);
            last = Math.max(last, ts);
        }
        unspooled.addLast(new Unspooled(seq, part.size(), first, last, record));
    }

    /**
     * Where to halve rows {@code [from, to)}: the boundary between two time stamps nearest the middle,
     * so that the parts of one time stamp are not spooled as two records (a restart resumes after the
     * last spooled time stamp, and would not collect again the rest of one whose first part was
     * spooled); the middle itself where every row has one time stamp.
     */
    static int splitPoint(long[] timestampsMicros, int from, int to) {
        int middle = (from + to) >>> 1;
        for (int d = 0; middle - d > from || middle + d < to; d++) {
            int below = middle - d;
            int above = middle + d;
            if (below > from && timestampsMicros[below - 1] != timestampsMicros[below]) {
                return below;
            }
            if (above < to && above > from && timestampsMicros[above - 1] != timestampsMicros[above]) {
                return above;
            }
        }
        return middle;
    }

    // ---- sender thread

    private void sendLoop() {
        long lastSent = -1;
        try {
            while (sending) {
                applyAcks();
                if (rewind) {
                    if (outstanding.get() > 0) {
                        await(50);
                        continue;
                    }
                    rewind = false;
                    applyAcks();
                    failedPasses.incrementAndGet();
                    lastSent = -1;
                    pause(options.retryDelay().toMillis());
                    continue;
                }
                if (!publisher.awaitConnected(Duration.ofMillis(200))) {
                    continue;
                }
                try {
                    List<SpooledBatch> next = spool.peekAfter(lastSent, SEND_CHUNK);
                    if (next.isEmpty()) {
                        await(200);
                        continue;
                    }
                    for (SpooledBatch record : next) {
                        if (!sending || rewind) {
                            break;
                        }
                        send(record);
                        lastSent = record.sequence();
                    }
                    sendProblem = null;
                } catch (IOException e) {
                    // The records stay in the spool; reading them is tried again.
                    String what = "reading the spool failed: " + e.getMessage();
                    if (!what.equals(sendProblem)) {
                        log.error("Gateway {}: {}; retrying in {} ms", address, what, options.retryDelay().toMillis(), e);
                    }
                    sendProblem = what;
                    pause(options.retryDelay().toMillis());
                }
            }
        } catch (InterruptedException e) {
            // stop() or abort(): the loop ends.
        } catch (RuntimeException e) {
            log.error("The sender of gateway {} failed; nothing more is published until it restarts", address, e);
            sendProblem = "sending failed: " + e;
        } catch (Error e) {
            fail("sending", e);
        }
    }

    private void send(SpooledBatch record) throws InterruptedException, IOException {
        byte kind;
        try {
            kind = SpoolRecord.kind(record.payload());
        } catch (IllegalArgumentException e) {
            log.error("Spool record {} of gateway {} was not written by a gateway; dropping it", record.sequence(),
                    address, e);
            spool.acknowledge(record.sequence());
            return;
        }
        String topic = kind == SpoolRecord.TELEMETRY ? telemetryTopic : eventsTopic;
        byte[] message = SpoolRecord.message(record.payload());
        long maxPayload = publisher.maxPayloadBytes(topic);
        if (message.length > maxPayload) {
            setAside(record, message.length, maxPayload);
            return;
        }
        outstanding.incrementAndGet();
        CompletableFuture<Void> ack;
        try {
            ack = publisher.publish(topic, message);
        } catch (InterruptedException | RuntimeException e) {
            outstanding.decrementAndGet();
            throw e;
        }
        ack.whenComplete((ok, failure) -> {
            if (failure == null) {
                acks.add(new Ack(record.sequence(), record.samples(), kind));
            } else {
                failed(record.sequence(), failure);
            }
            outstanding.decrementAndGet();
            signalSender();
        });
    }

    /** A record the broker can never take: into the data gap, so that it is reported instead of resent forever. */
    private void setAside(SpooledBatch record, int bytes, long maxPayload) throws IOException {
        if (spool.setAside(record.sequence())) {
            recordsTooLarge.incrementAndGet();
            log.error("Record {} of gateway {} ({} bytes, {} samples from {} to {}) exceeds the {} bytes the broker's "
                    + "maximum packet size allows; it is set aside and reported as a data_gap event", record.sequence(),
                    address, bytes, record.samples(), instant(record.firstTimestampMicros()),
                    instant(record.lastTimestampMicros()), maxPayload);
        }
    }

    private void failed(long seq, Throwable failure) {
        publishFailures.incrementAndGet();
        lastPublishFailure = failure.getMessage() != null ? failure.getMessage() : failure.toString();
        rewind = true;
        if (failure instanceof PublishRejectedException) {
            log.error("Broker rejected record {} of gateway {}; sending the spool again in {} ms", seq, address,
                    options.retryDelay().toMillis(), failure);
        } else {
            // Connection losses are logged by the publisher; one line per batch is noise.
            log.debug("Publishing record {} of gateway {} failed; sending the spool again in {} ms", seq, address,
                    options.retryDelay().toMillis(), failure);
        }
    }

    /** Applies the PUBACKs received so far to the spool. Sender thread, or the stopping thread once it has ended. */
    private void applyAcks() {
        Ack ack;
        while ((ack = acks.poll()) != null) {
            try {
                failedPasses.set(0);
                if (spool.acknowledge(ack.sequence())) {
                    if (ack.kind() == SpoolRecord.TELEMETRY) {
                        samplesAcknowledged.addAndGet(ack.samples());
                        batchesAcknowledged.incrementAndGet();
                    } else {
                        dataGapsReported.incrementAndGet();
                    }
                }
            } catch (IOException e) {
                // The record is released in memory; a restart before the next successful write replays it.
                log.error("Gateway {} could not persist the acknowledgement of record {}", address, ack.sequence(), e);
            }
        }
    }

    private void signalSender() {
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    private void await(long millis) throws InterruptedException {
        synchronized (wakeUp) {
            wakeUp.wait(millis);
        }
    }

    // ---- lifecycle helpers

    /**
     * Waits until a tick in progress has finished (the scheduler has a single thread); false when that
     * could not be confirmed.
     */
    private boolean awaitScheduler() {
        try {
            scheduler.submit(() -> { }).get(30, TimeUnit.SECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            log.warn("Gateway {} could not confirm that collecting stopped", address, e);
        }
        return false;
    }

    /**
     * Ends both threads. Interrupting is the last resort: an interrupt during file I/O closes the
     * spool's channel, so each thread first gets the chance to finish on its own.
     */
    private void haltThreads() {
        sending = false;
        signalSender();
        try {
            if (sender.isAlive()) {
                sender.join(2_000);
            }
            if (sender.isAlive()) {
                sender.interrupt();
                sender.join(5_000);
            }
            scheduler.shutdown();
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                scheduler.shutdownNow();
                scheduler.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sleeps, waking early only when the gateway stops. */
    private void pause(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        long left;
        while (sending && (left = deadline - System.nanoTime()) > 0) {
            Thread.sleep(Math.min(50, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
        }
    }

    private long nowMicros() {
        return clockMicros.getAsLong();
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }
}
