package io.werkstrom.gateway;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.werkstrom.gateway.collect.Collector;
import io.werkstrom.gateway.publish.MqttPublisher;
import io.werkstrom.gateway.publish.PublishRejectedException;
import io.werkstrom.gateway.sim.FactorySimulator;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;

/**
 * An edge gateway fed by a {@link FactorySimulator}: it runs the simulator in real time, cuts a
 * {@link TelemetryBatch} every batch interval, numbers it with its {@link BatchSequence}, encodes
 * it as Arrow IPC and publishes it with an {@link MqttPublisher} to its telemetry topic.
 *
 * <p>Delivery is at least once: a batch stays in memory until the broker acknowledges it, and a
 * failed publish is retried (lowest sequence first) until it is. Nothing is counted as
 * acknowledged before its PUBACK.
 *
 * <p>Threads: one scheduler thread cuts and encodes batches and schedules retries; one sender
 * thread publishes them; acknowledgements arrive on Paho's callback thread. The counters are
 * thread-safe. The gateway owns its Arrow allocator, simulator and publisher and releases them in
 * {@link #close()}.
 *
 * <p>Fed by a {@link Collector} instead (see {@link #SimulatedGateway(GatewayOptions, Collector)}),
 * the gateway asks it for the samples of each batch interval and owns it as well.
 */
public final class SimulatedGateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SimulatedGateway.class);

    private enum State { NEW, RUNNING, STOPPED, CLOSED }

    private final GatewayOptions options;
    private final GatewayAddress address;
    private final String topic;
    private final BufferAllocator allocator;
    private final BatchCodec codec;
    private final MqttPublisher publisher;
    private final PendingBatches pending = new PendingBatches();
    private final ScheduledExecutorService scheduler;
    private final Thread sender;
    private final long intervalMicros;

    private final AtomicLong samplesGenerated = new AtomicLong();
    private final AtomicLong samplesAcknowledged = new AtomicLong();
    private final AtomicLong batchesGenerated = new AtomicLong();
    private final AtomicLong batchesAcknowledged = new AtomicLong();
    private final AtomicLong publishFailures = new AtomicLong();

    private final Object lock = new Object();
    private State state = State.NEW;
    private volatile boolean sending;
    private volatile Throwable generatorFailure;
    private volatile FactorySimulator simulator;
    private final Collector collector;
    private BatchSequence sequence;
    private ScheduledFuture<?> generator;
    private long nextBoundaryMicros;
    private boolean pausedForBacklog;
    private GatewayStats finalStats;

    public SimulatedGateway(GatewayOptions options) {
        this(options, null);
    }

    /** A gateway fed by {@code collector} rather than the simulator; it takes ownership of the collector. */
    public SimulatedGateway(GatewayOptions options, Collector collector) {
        this.collector = collector;
        this.options = options;
        this.address = options.address();
        this.topic = Topics.telemetry(address);
        this.intervalMicros = options.batchInterval().toNanos() / 1_000;
        this.allocator = new RootAllocator();
        this.codec = new BatchCodec(allocator);
        try {
            this.publisher = new MqttPublisher(options.publisher());
        } catch (RuntimeException e) {
            allocator.close();
            throw e;
        }
        String name = "werkstrom-gateway-" + address.gateway();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name + "-batcher"));
        this.sender = daemon(this::sendLoop, name + "-sender");
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Connects (in the background) and starts generating and publishing. The simulator starts
     * now unless its options fix a start. Call once.
     */
    public void start() {
        synchronized (lock) {
            if (state != State.NEW) {
                throw new IllegalStateException("gateway " + address + " was already started");
            }
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            SimulatorOptions simOptions = options.simulator();
            Instant simStart = now;
            if (collector == null) {
                simulator = new FactorySimulator(simOptions.start().isPresent() ? simOptions : simOptions.withStart(now));
                simStart = simulator.start();
            } else {
                try {
                    collector.start(Long.MIN_VALUE);
                } catch (Exception e) {
                    throw new IllegalStateException("collector " + collector.describe() + " did not start", e);
                }
            }
            sequence = options.firstSequence().isPresent() ? BatchSequence.startingAt(options.firstSequence().getAsLong())
                    : BatchSequence.startingAt(now);
            nextBoundaryMicros = BatchValidator.micros(simStart) + intervalMicros;
            publisher.start();
            sending = true;
            sender.start();
            long period = options.batchInterval().toNanos();
            generator = scheduler.scheduleAtFixedRate(this::cutSafely, period, period, TimeUnit.NANOSECONDS);
            state = State.RUNNING;
            log.info("Gateway {} started: {}, batches every {} ms, first sequence {}", address,
                    collector != null ? collector.describe() : simOptions.machines() + " simulated machines at "
                            + simOptions.samplesPerSecondPerSensor() + " samples/s/sensor",
                    options.batchInterval().toMillis(), sequence.peek());
        }
    }

    /** Waits until the publisher is connected to the broker; returns whether it is. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return publisher.awaitConnected(timeout);
    }

    /**
     * Stops generating, then waits up to {@code drainTimeout} until every batch cut so far is
     * acknowledged, and returns the counters at that point. The connection stays up until
     * {@link #close()}. Idempotent: later calls return the same counters.
     *
     * @throws IllegalStateException when batch generation failed while running (the cause is kept)
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
            generator.cancel(false);
            awaitScheduler();
            try {
                if (!pending.awaitEmpty(options.drainTimeout().toNanos(), TimeUnit.NANOSECONDS)) {
                    log.warn("Gateway {} stopped with {} batches ({} samples) unacknowledged after waiting {}", address,
                            pending.size(), pending.samples(), options.drainTimeout());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.warn("Gateway {} interrupted while waiting for acknowledgements", address, e);
            }
            haltThreads();
            state = State.STOPPED;
            finalStats = stats();
            log.info("Gateway {} stopped: {}", address, finalStats);
            Throwable failure = generatorFailure;
            if (failure != null) {
                throw new IllegalStateException("batch generation of gateway " + address + " failed", failure);
            }
            return finalStats;
        }
    }

    /**
     * Drops everything as a crash would: no draining, no DISCONNECT (the broker publishes the last
     * will), unacknowledged batches are lost. For failure drills; {@link #close()} afterwards is a
     * no-op apart from releasing memory.
     */
    public void abort() {
        synchronized (lock) {
            if (state == State.CLOSED) {
                return;
            }
            if (generator != null) {
                generator.cancel(false);
            }
            haltThreads();
            publisher.abort();
            state = State.STOPPED;
            finalStats = stats();
            log.warn("Gateway {} aborted with {} batches unacknowledged", address, finalStats.batchesPending());
        }
    }

    /** Stops (see {@link #stop()}) if running, announces {@code offline}, disconnects and releases memory. */
    @Override
    public void close() {
        try {
            stop();
        } finally {
            synchronized (lock) {
                if (state != State.CLOSED) {
                    state = State.CLOSED;
                    haltThreads();
                    try {
                        publisher.close();
                    } finally {
                        allocator.close();
                        closeCollector();
                    }
                }
            }
        }
    }

    private int collectFrom(long untilMicros, TelemetryBatch.Builder builder) {
        try {
            return collector.collect(untilMicros, builder);
        } catch (Exception e) {
            throw new IllegalStateException("collector " + collector.describe() + " failed", e);
        }
    }

    private void closeCollector() {
        if (collector != null) {
            try {
                collector.close();
            } catch (Exception e) {
                log.warn("Closing collector {} of gateway {} failed", collector.describe(), address, e);
            }
        }
    }

    /** The collector feeding this gateway, if it is not the simulator. */
    public java.util.Optional<Collector> collector() {
        return java.util.Optional.ofNullable(collector);
    }

    /** The counters now. */
    public GatewayStats stats() {
        return new GatewayStats(samplesGenerated.get(), samplesAcknowledged.get(), batchesGenerated.get(),
                batchesAcknowledged.get(), publishFailures.get(), pending.size());
    }

    public GatewayAddress address() {
        return address;
    }

    /** The telemetry topic the gateway publishes to. */
    public String topic() {
        return topic;
    }

    /** The simulator's options with the start it uses; available once started. */
    public SimulatorOptions simulatorOptions() {
        FactorySimulator sim = simulator;
        if (sim == null) {
            throw new IllegalStateException("gateway " + address + " is not started");
        }
        return sim.options();
    }

    /** The publisher, for its connection state and counters. */
    public MqttPublisher publisher() {
        return publisher;
    }

    private void cutSafely() {
        try {
            cutDueBatches(BatchValidator.micros(Instant.now()));
        } catch (Throwable t) {
            // A periodic task that throws is silently descheduled; record why and stop generating.
            generatorFailure = t;
            log.error("Batch generation of gateway {} failed; generation stops", address, t);
            throw t;
        }
    }

    /** Cuts every whole batch interval that has passed by {@code nowMicros}. Runs on the scheduler thread. */
    private void cutDueBatches(long nowMicros) {
        while (nextBoundaryMicros <= nowMicros) {
            if (pending.size() >= options.maxPendingBatches()) {
                if (!pausedForBacklog) {
                    pausedForBacklog = true;
                    log.warn("Gateway {} holds {} unacknowledged batches; the simulator pauses until they are acknowledged",
                            address, pending.size());
                }
                return;
            }
            if (pausedForBacklog) {
                pausedForBacklog = false;
                log.info("Gateway {} resumes generating", address);
            }
            long until = nextBoundaryMicros - 1;
            nextBoundaryMicros += intervalMicros;
            // Only this thread takes sequence numbers, so the peeked number is the one taken below.
            TelemetryBatch.Builder builder = TelemetryBatch.builder(address.gateway(), sequence.peek());
            // The simulator's bound is inclusive, a collector's exclusive.
            int samples = collector != null ? collectFrom(until + 1, builder)
                    : simulator.next(until, builder);
            if (samples == 0) {
                continue; // an interval shorter than a tick; no sequence number is spent
            }
            sequence.next();
            TelemetryBatch batch = builder.build();
            byte[] payload = codec.encode(batch);
            pending.add(new PendingBatches.Batch(batch.sequence(), samples, payload));
            samplesGenerated.addAndGet(samples);
            batchesGenerated.incrementAndGet();
        }
    }

    private void sendLoop() {
        try {
            while (sending) {
                if (!publisher.awaitConnected(Duration.ofMillis(200))) {
                    continue;
                }
                PendingBatches.Batch batch = pending.takeReady(200, TimeUnit.MILLISECONDS);
                if (batch == null) {
                    continue;
                }
                CompletableFuture<Void> ack = publisher.publish(topic, batch.payload());
                ack.whenComplete((ok, failure) -> {
                    if (failure == null) {
                        acknowledged(batch);
                    } else {
                        failed(batch, failure);
                    }
                });
            }
        } catch (InterruptedException e) {
            // stop() or abort(): the loop ends.
        }
    }

    private void acknowledged(PendingBatches.Batch batch) {
        if (pending.acknowledge(batch.sequence()) != null) {
            samplesAcknowledged.addAndGet(batch.samples());
            batchesAcknowledged.incrementAndGet();
        }
    }

    private void failed(PendingBatches.Batch batch, Throwable failure) {
        publishFailures.incrementAndGet();
        if (failure instanceof PublishRejectedException) {
            log.error("Broker rejected batch {} of gateway {}; retrying in {} ms", batch.sequence(), address,
                    options.retryDelay().toMillis(), failure);
        } else {
            // Connection losses are logged by the publisher; one line per batch is noise.
            log.debug("Publishing batch {} of gateway {} failed; retrying in {} ms", batch.sequence(), address,
                    options.retryDelay().toMillis(), failure);
        }
        try {
            scheduler.schedule(() -> pending.retry(batch.sequence()), options.retryDelay().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            // The gateway is stopping; the batch stays pending and is reported as unacknowledged.
            pending.retry(batch.sequence());
        }
    }

    /** Waits until a batch cut in progress has finished (the scheduler has a single thread). */
    private void awaitScheduler() {
        try {
            scheduler.submit(() -> { }).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            log.warn("Gateway {} could not confirm that batch generation stopped", address, e);
        }
    }

    private void haltThreads() {
        sending = false;
        sender.interrupt();
        try {
            if (sender.isAlive()) {
                sender.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
