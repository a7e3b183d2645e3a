package io.werkstrom.gateway.monitor;

import java.util.Locale;

import io.werkstrom.gateway.GatewayStats;
import io.werkstrom.protocol.GatewayAddress;

/**
 * A gateway's counters in the Prometheus text exposition format (version 0.0.4), written by hand:
 * a dozen lines need no client library. Every series carries the gateway's tenant, site and id.
 */
public final class PrometheusText {

    /** The content type Prometheus expects for this format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private PrometheusText() {
    }

    public static String render(GatewayAddress address, GatewayStats stats) {
        String labels = "{tenant=\"" + address.tenant() + "\",site=\"" + address.site() + "\",gateway=\""
                + address.gateway() + "\"}";
        StringBuilder out = new StringBuilder(2048);
        metric(out, labels, "werkstrom_gateway_samples_collected_total", "counter",
                "Samples collected and spooled by this process.", stats.samplesCollected());
        metric(out, labels, "werkstrom_gateway_samples_published_total", "counter",
                "Samples in batches the broker acknowledged.", stats.samplesAcknowledged());
        metric(out, labels, "werkstrom_gateway_batches_spooled_total", "counter",
                "Telemetry batches appended to the spool.", stats.batchesSpooled());
        metric(out, labels, "werkstrom_gateway_batches_published_total", "counter",
                "Telemetry batches the broker acknowledged.", stats.batchesAcknowledged());
        metric(out, labels, "werkstrom_gateway_publish_failures_total", "counter",
                "Publish attempts that failed; the spool is sent again.", stats.publishFailures());
        metric(out, labels, "werkstrom_gateway_spool_records", "gauge",
                "Records in the spool awaiting the broker's acknowledgement.", stats.spoolRecords());
        metric(out, labels, "werkstrom_gateway_spool_bytes", "gauge",
                "Bytes of the records awaiting acknowledgement.", stats.spoolBytes());
        metric(out, labels, "werkstrom_gateway_spool_disk_bytes", "gauge",
                "Bytes of the spool's files.", stats.spoolDiskBytes());
        metric(out, labels, "werkstrom_gateway_spool_max_bytes", "gauge",
                "The spool's limit; beyond it the oldest batches are dropped.", stats.spoolMaxBytes());
        metric(out, labels, "werkstrom_gateway_acks_pending", "gauge",
                "Publishes awaiting their PUBACK.", stats.acksPending());
        metric(out, labels, "werkstrom_gateway_connected", "gauge",
                "1 while connected to the broker.", stats.connected() ? 1 : 0);
        metric(out, labels, "werkstrom_gateway_source_up", "gauge",
                "1 while the collector reaches its source (an OPC UA server, a replayed file).", stats.sourceUp() ? 1 : 0);
        metric(out, labels, "werkstrom_gateway_reconnects_total", "counter",
                "Connections established after the first.", stats.reconnects());
        metric(out, labels, "werkstrom_gateway_dropped_batches_total", "counter",
                "Batches the full spool dropped unacknowledged, set aside as larger than the broker accepts, or lost to"
                        + " damage on the spool's disk, over the spool's life.", stats.droppedBatches());
        metric(out, labels, "werkstrom_gateway_dropped_samples_total", "counter",
                "Samples in the batches counted by werkstrom_gateway_dropped_batches_total, as far as this process saw"
                        + " them dropped.", stats.droppedSamples());
        metric(out, labels, "werkstrom_gateway_data_gaps_total", "counter",
                "data_gap events the broker acknowledged.", stats.dataGapsReported());
        return out.toString();
    }

    private static void metric(StringBuilder out, String labels, String name, String type, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        out.append(name).append(labels).append(' ').append(String.format(Locale.ROOT, "%d", value)).append('\n');
    }
}
