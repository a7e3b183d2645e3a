package io.werkstrom.jobs.alert.notify;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.werkstrom.jobs.alert.AlertStore;
import io.werkstrom.jobs.alert.AlertStore.Delivery;
import io.werkstrom.jobs.storage.StoreException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the alert outbox ({@code alert_deliveries}): claims due notifications, hands each to its
 * channel, and records the outcome. A failed attempt is retried after
 * {@link NotifierOptions#backoff}; after {@link NotifierOptions#maxAttempts} attempts, or at once
 * for a permanent failure, the notification is dead ({@code alert_dead_letters}). Whatever a
 * channel throws fails that one notification (a runtime exception for good), never the round. Once
 * a receiver (a webhook URL, a mail address) fails a notification other than for good (retried, or
 * dead after its last attempt), its other notifications of the round fail with the same reason
 * unsent, each as an attempt: a receiver that does not answer costs a round one timeout, and other
 * receivers' notifications, other tenants' included, do not wait one timeout each behind its
 * backlog. Once a tenant's attempts of a round have taken the timeout, its notifications to its
 * other receivers go back unsent for the next claim, without using up their attempts: a tenant
 * with many receivers that do not answer costs a round one timeout, not one per receiver. A round
 * takes the tenants' notifications in turns, every tenant's first before any tenant's second, so
 * that such a tenant holds another tenant's first notification of the round back by one attempt at
 * most; a tenant whose attempts took the timeout takes its turns after the other tenants' in the
 * rounds that follow, until its attempts of a round are quicker. A notification that was
 * {@linkplain DeliveryException#attempted() not attempted} waits without using up its attempts. Several notifiers may share the outbox: outcomes are recorded only
 * under the claim in force, and a claimed notification is sent only while enough of its lease is
 * left. A resolved alert's retained MQTT state is cleared {@link NotifierOptions#retainResolved}
 * after the resolve, once its earlier states are out (see {@link AlertStore#claimDue}).
 *
 * <p>{@link #deliverDue()} does one round, for callers that drive it; {@link #start()} runs rounds
 * on a daemon thread every poll interval until {@link #close()}. A database failure ends the round
 * (logged) and the next round tries again, with the notifications the failed round had not
 * attempted. Owns its {@link AlertStore}.
 */
public final class Notifier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);

    private final AlertStore store;
    private final Map<String, Channel> channels;
    private final NotifierOptions options;
    private Thread thread;
    private volatile boolean running;
    /** Set by {@link #close()}: a round gives back what it has not reached (see {@link #deliverDue()}). */
    private volatile boolean closing;
    /** Whether the last round of the notifier's own thread failed (its cause is logged). */
    private volatile boolean lastRoundFailed;
    /**
     * The tenants whose attempts of the last round took the timeout (their receivers did not
     * answer): the next round takes their turns after the other tenants'. Read and written by
     * {@link #deliverDue()} only, which is synchronized.
     */
    private Set<String> slowLastRound = Set.of();

    /** @param channels by channel name: {@code webhook}, {@code email}, {@code mqtt} */
    public Notifier(AlertStore store, Map<String, Channel> channels, NotifierOptions options) {
        this.store = store;
        this.channels = Map.copyOf(channels);
        this.options = options;
    }

    /**
     * Delivers what is due now; returns how many notifications were claimed. A claimed notification
     * is sent only while more than the timeout and the store's {@linkplain AlertStore#recordLimit()
     * record limit} are left of its lease, checked after an MQTT state's current state is read: the
     * attempt (bounded by the timeout) and recording it end before another notifier can claim it
     * again. (A store without a statement timeout has no record limit: the timeout stands for it.)
     * The rest of a batch that has run out of lease is released for the next claim, as is the rest
     * of a round whose thread is interrupted ({@link #close()}: the attempt in flight ends and is
     * recorded, the others are neither sent nor counted). So is, when the round fails (the
     * database, mostly), what it claimed and had not attempted; the notification whose attempt
     * failed to record waits out its lease, as it may have been sent.
     *
     * <p>The claimed notifications go in turns by tenant, every tenant's first webhook or mail before
     * any tenant's second, each tenant's (and so each alert's) in the order of the claim; an MQTT
     * state goes with its tenant's next notification. A tenant's webhooks and mails of a round are
     * sent while its attempts of the round (sending and recording) have taken less than the timeout;
     * the rest, but for those to a receiver that failed in the round, are released for the next claim
     * unsent. An MQTT state neither waits for that nor counts: it goes to the service's broker, not
     * to the tenant's receivers.
     */
    public synchronized int deliverDue() throws StoreException {
        // Before the claim: the lease the database grants starts later, never earlier.
        long claimedAt = System.nanoTime();
        List<Delivery> due = inTurns(store.claimDue(options.batchSize(), options.lease(), options.retainResolved()),
                slowLastRound);
        Duration needed = options.timeout().plus(store.recordLimit() == null ? options.timeout() : store.recordLimit());
        // Receivers that failed a notification in this round, with the reason: the others for them fail
        // with it unsent, so that a receiver that does not answer costs a round one timeout, not one per
        // notification, and the notifications of other receivers (other tenants') do not wait behind it.
        Map<String, String> failed = new HashMap<>();
        // How long each tenant's attempts of this round took: past the timeout, the tenant's other receivers
        // wait for the next claim, so that many receivers that do not answer cost the round one timeout too.
        Map<String, Long> tenantNanos = new HashMap<>();
        // Claimed and not attempted: released for the next claim without using up an attempt, also when the round
        // fails. Those held back for their tenant, and those not reached (the lease ran short, or the round failed).
        List<Delivery> heldBack = new ArrayList<>();
        int reached = 0;
        try {
            while (reached < due.size()) {
                if (closing || Thread.currentThread().isInterrupted()) {
                    // Closing (or the caller's thread is ending): an attempt now would be cut short at once, an
                    // MQTT state's publish counted as failed, a webhook perhaps sent all the same. What is left
                    // goes back unsent instead of using up an attempt, its last one included. The flag too, as
                    // the interrupt may not outlive the attempt it cut short (Paho's publish clears it).
                    LOG.debug("alert notifier: closing, {} claimed notifications go back for the next claim",
                            due.size() - reached);
                    break;
                }
                // Read before the lease is checked: a database that takes long over it must not leave too little.
                Delivery delivery = withCurrentState(due.get(reached));
                Duration left = options.lease().minusNanos(System.nanoTime() - claimedAt);
                if (left.compareTo(needed) < 0) {
                    LOG.debug("alert notifier: {} of the lease left, {} claimed notifications go back for the next"
                            + " claim", left, due.size() - reached);
                    break;
                }
                reached++;
                // An MQTT state's target is its alert's own topic, sent through the service's one client.
                if ("mqtt".equals(delivery.channel())) {
                    attempt(delivery, null);
                    continue;
                }
                String target = delivery.channel() + " " + delivery.target();
                String failedBefore = failed.get(target);
                long taken = tenantNanos.getOrDefault(delivery.tenant(), 0L);
                if (failedBefore == null && Duration.ofNanos(taken).compareTo(options.timeout()) >= 0) {
                    LOG.debug("alert notification {} ({} to {}) goes back for the next claim: tenant {}'s attempts"
                            + " took {} of this round", delivery.id(), delivery.channel(), receiver(delivery),
                            delivery.tenant(), Duration.ofNanos(taken));
                    heldBack.add(delivery);
                    continue;
                }
                long start = System.nanoTime();
                String failure = attempt(delivery, failedBefore);
                tenantNanos.put(delivery.tenant(), taken + System.nanoTime() - start);
                if (failure != null) {
                    failed.putIfAbsent(target, failure);
                }
            }
        } catch (StoreException | RuntimeException e) {
            // The one whose attempt failed is not released: it may have been sent, and waits out its lease.
            try {
                release(heldBack, due.subList(reached, due.size()));
            } catch (StoreException | RuntimeException releaseFailure) {
                e.addSuppressed(releaseFailure);
            }
            throw e;
        } finally {
            slowLastRound = slowTenants(slowLastRound, tenantNanos, options.timeout());
        }
        release(heldBack, due.subList(reached, due.size()));
        return due.size();
    }

    /**
     * The claimed notifications in turns by tenant, the tenants in the order of their first in the
     * claim, but those in {@code slowLastRound} after the others: every tenant's first webhook or
     * mail goes before any tenant's second, so that a tenant whose receivers fail or do not answer
     * holds another tenant's first notification back by one attempt at most, not by all of its
     * attempts of the round; and once its receivers took the timeout, by none in the rounds after,
     * until its attempts of a round are quicker again. An MQTT state takes no turn: it goes
     * with its tenant's next notification. Each tenant's notifications, and so each alert's, keep
     * their order. (A claim holds no two of an alert's notifications that must go in order: each
     * waits until the one before it is out, see {@link AlertStore#claimDue}.)
     */
    static List<Delivery> inTurns(List<Delivery> claimed, Set<String> slowLastRound) {
        Map<String, ArrayDeque<Delivery>> byTenant = new LinkedHashMap<>();
        for (Delivery delivery : claimed) {
            if (!slowLastRound.contains(delivery.tenant())) {
                byTenant.computeIfAbsent(delivery.tenant(), tenant -> new ArrayDeque<>()).add(delivery);
            }
        }
        for (Delivery delivery : claimed) {
            if (slowLastRound.contains(delivery.tenant())) {
                byTenant.computeIfAbsent(delivery.tenant(), tenant -> new ArrayDeque<>()).add(delivery);
            }
        }
        List<Delivery> turns = new ArrayList<>(claimed.size());
        while (!byTenant.isEmpty()) {
            for (Iterator<ArrayDeque<Delivery>> tenants = byTenant.values().iterator(); tenants.hasNext(); ) {
                ArrayDeque<Delivery> tenant = tenants.next();
                Delivery next;
                do {
                    next = tenant.remove();
                    turns.add(next);
                } while ("mqtt".equals(next.channel()) && !tenant.isEmpty());
                if (tenant.isEmpty()) {
                    tenants.remove();
                }
            }
        }
        return turns;
    }

    /**
     * The slow tenants after a round: those whose attempts of the round took at least {@code timeout},
     * and those slow before that attempted nothing in it (a retry not yet due leaves a tenant where
     * it was). A tenant whose attempts of a round were quicker is slow no more.
     */
    private static Set<String> slowTenants(Set<String> before, Map<String, Long> tenantNanos, Duration timeout) {
        Set<String> slow = new HashSet<>(before);
        tenantNanos.forEach((tenant, nanos) -> {
            if (Duration.ofNanos(nanos).compareTo(timeout) >= 0) {
                slow.add(tenant);
            } else {
                slow.remove(tenant);
            }
        });
        return Set.copyOf(slow);
    }

    /** Gives claimed notifications that were not attempted back for the next claim. */
    private void release(List<Delivery> heldBack, List<Delivery> unreached) throws StoreException {
        List<Delivery> unsent = new ArrayList<>(heldBack);
        unsent.addAll(unreached);
        if (!unsent.isEmpty()) {
            store.release(unsent);
        }
    }

    /**
     * Sends one notification and records the outcome; with {@code failedBefore} (the reason its
     * receiver failed another notification of this round) it fails with that reason unsent. Returns
     * the reason of an attempted delivery that failed other than for good, retried or dead after its
     * last attempt (its receiver did not take it), else null.
     */
    private String attempt(Delivery delivery, String failedBefore) throws StoreException {
        Channel channel = channels.get(delivery.channel());
        String receiver = receiver(delivery);
        try {
            if (channel == null) {
                throw new DeliveryException("no " + delivery.channel() + " channel is configured", true);
            }
            if (failedBefore != null) {
                throw new DeliveryException("not sent, as its receiver failed a notification before it in this"
                        + " round: " + failedBefore, false);
            }
            send(channel, delivery);
            if (!store.delivered(delivery)) {
                lapsed(delivery, receiver, "delivered");
            }
            return null;
        } catch (DeliveryException e) {
            int attempts = delivery.attempts() + 1;
            if (!e.attempted()) {
                Instant retryAt = Instant.now().plus(options.backoff(attempts));
                LOG.info("alert notification {} ({} to {}) not attempted, waiting until {}: {}", delivery.id(),
                        delivery.channel(), receiver, retryAt, e.getMessage());
                if (!store.postpone(delivery, e.getMessage(), retryAt)) {
                    lapsed(delivery, receiver, "postponed");
                }
            } else if (e.permanent() || attempts >= options.maxAttempts()) {
                String reason = (e.permanent() ? "permanent failure" : "gave up after " + attempts + " attempts")
                        + ": " + e.getMessage();
                LOG.warn("alert notification {} ({} to {}) is dead: {}", delivery.id(), delivery.channel(), receiver,
                        reason, e);
                if (!store.dead(delivery, reason)) {
                    lapsed(delivery, receiver, "dead");
                }
                if (!e.permanent()) {
                    return e.getMessage();
                }
            } else {
                Instant retryAt = Instant.now().plus(options.backoff(attempts));
                LOG.info("alert notification {} ({} to {}) failed (attempt {}), retrying at {}: {}", delivery.id(),
                        delivery.channel(), receiver, attempts, retryAt, e.getMessage());
                if (!store.retryLater(delivery, e.getMessage(), retryAt)) {
                    lapsed(delivery, receiver, "failed");
                }
                return e.getMessage();
            }
            return null;
        }
    }

    /**
     * An MQTT state with its alert's current state as payload: the retained message is the alert's
     * state, so a late retry of an older transition must not overwrite a newer one.
     */
    private Delivery withCurrentState(Delivery delivery) throws StoreException {
        if (!"mqtt".equals(delivery.channel()) || delivery.clearsState()) {
            return delivery;
        }
        String current = store.currentState(delivery.alertId());
        return current == null ? delivery : delivery.withPayload(current);
    }

    /** A channel that throws anything else fails this one delivery, for good, never the round. */
    private static void send(Channel channel, Delivery delivery) throws DeliveryException {
        try {
            channel.send(delivery);
        } catch (RuntimeException e) {
            throw new DeliveryException("the " + delivery.channel() + " channel failed: " + e.getClass().getName()
                    + ": " + e.getMessage(), true, e);
        }
    }

    private static void lapsed(Delivery delivery, String receiver, String outcome) {
        LOG.warn("alert notification {} ({} to {}) {}, but its claim had lapsed and another notifier has it; not"
                + " recorded", delivery.id(), delivery.channel(), receiver, outcome);
    }

    /** Who receives it, as the log may show it: a webhook's URL may carry a secret in its path. */
    private static String receiver(Delivery delivery) {
        return "webhook".equals(delivery.channel()) ? WebhookChannel.origin(delivery.target()) : delivery.target();
    }

    /** Runs delivery rounds on a daemon thread until {@link #close()}. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("the notifier is already started");
        }
        running = true;
        thread = new Thread(this::loop, "alert-notifier");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (running) {
            try {
                int attempted = deliverDue();
                lastRoundFailed = false;
                if (attempted == options.batchSize()) {
                    continue;
                }
            } catch (StoreException e) {
                lastRoundFailed = true;
                LOG.warn("alert notifier round failed; trying again", e);
            } catch (RuntimeException e) {
                lastRoundFailed = true;
                LOG.error("alert notifier round failed unexpectedly; trying again", e);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(options.pollInterval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Whether the last round on the notifier's own thread failed (the database, mostly; the log has why). */
    public boolean lastRoundFailed() {
        return lastRoundFailed;
    }

    @Override
    public void close() throws StoreException {
        closing = true;
        running = false;
        Thread running = thread;
        if (running != null) {
            running.interrupt();
            try {
                running.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            store.close();
        }
    }
}
