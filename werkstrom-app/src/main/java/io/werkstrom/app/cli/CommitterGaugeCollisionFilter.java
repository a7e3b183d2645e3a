package io.werkstrom.app.cli;

import org.slf4j.Marker;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Drops one warning of Flink's that says nothing about the job: a sink committer registers its
 * {@code pendingCommittables} gauge again for every copy of its committables, which it makes at
 * every checkpoint, so each checkpoint of the telemetry job logged "Name collision: Group already
 * contains a Metric with the name 'pendingCommittables'": almost every warning in the log file.
 * The gauge registered first stays reported. Any other metric collision, Werkstrom's own included,
 * is still logged. Registered in werkstrom-logback.xml.
 */
public final class CommitterGaugeCollisionFilter extends TurboFilter {

    static final String METRIC_LOGGER = "org.apache.flink.metrics.MetricGroup";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        boolean committerGauge = format != null && logger.getName().equals(METRIC_LOGGER)
                && format.startsWith("Name collision") && format.contains("'pendingCommittables'");
        return committerGauge ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
