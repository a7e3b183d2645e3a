package io.werkstrom.jobs.eventtime;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Watermarks per gateway: each gateway's watermark trails the newest sample it sent by the bounded
 * out-of-orderness, and the stream's watermark is the smallest of the gateways that sent something
 * within the idleness timeout. A gateway with a slow clock or a backlog therefore holds the watermark
 * back only while it is active; one that went quiet stops doing so. The watermark never goes back.
 *
 * <p>Times are epoch milliseconds: event time from the samples, processing time from the caller.
 * Not thread-safe; one instance per watermark generator. Gateways idle past the timeout are
 * forgotten, so memory is bounded by the gateways active within it.
 */
public final class GatewayWatermarks {

    private final long outOfOrdernessMillis;
    private final long idlenessMillis;
    private final Map<String, Clock> gateways = new HashMap<>();
    private long emitted = Long.MIN_VALUE;

    private static final class Clock {
        long newestEventMillis = Long.MIN_VALUE;
        long lastSeenMillis;
    }

    public GatewayWatermarks(EventTimeOptions options) {
        this.outOfOrdernessMillis = options.outOfOrderness().toMillis();
        this.idlenessMillis = options.idleness().toMillis();
    }

    /** Records that {@code gateway} sent samples up to {@code newestEventMillis}, seen at {@code nowMillis}. */
    public void observe(String gateway, long newestEventMillis, long nowMillis) {
        Clock clock = gateways.computeIfAbsent(gateway, key -> new Clock());
        clock.newestEventMillis = Math.max(clock.newestEventMillis, newestEventMillis);
        clock.lastSeenMillis = nowMillis;
    }

    /**
     * The watermark at {@code nowMillis}: empty when no gateway is active (the stream is idle),
     * else the smallest active gateway watermark, never below one returned before.
     */
    public OptionalLong watermark(long nowMillis) {
        long smallest = Long.MAX_VALUE;
        boolean active = false;
        for (Iterator<Clock> it = gateways.values().iterator(); it.hasNext(); ) {
            Clock clock = it.next();
            if (nowMillis - clock.lastSeenMillis >= idlenessMillis) {
                it.remove();
                continue;
            }
            active = true;
            smallest = Math.min(smallest, clock.newestEventMillis - outOfOrdernessMillis - 1);
        }
        if (!active) {
            return OptionalLong.empty();
        }
        emitted = Math.max(emitted, smallest);
        return OptionalLong.of(emitted);
    }

    /** How many gateways currently count for the watermark (before the next {@link #watermark} call prunes). */
    public int trackedGateways() {
        return gateways.size();
    }
}
