package io.werkstrom.jobs.eventtime;

import java.util.OptionalLong;

import io.werkstrom.jobs.storage.ReceivedBatch;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * The job's watermark strategy: a batch's timestamp is its newest sample, and watermarks come from
 * {@link GatewayWatermarks} (per gateway, bounded out-of-orderness, idleness), emitted at Flink's
 * auto-watermark interval. A sample stamped after the job received its batch (a gateway clock
 * ahead of the job's, which the validator allows up to its clock skew) counts for the watermark as
 * stamped at receipt: else one batch from the future would move the watermark past every batch
 * received after it, and all of them would be late.
 */
public final class GatewayWatermarkStrategy {

    private GatewayWatermarkStrategy() {
    }

    public static WatermarkStrategy<ReceivedBatch> of(EventTimeOptions options) {
        return WatermarkStrategy.<ReceivedBatch>forGenerator(context -> new Generator(options))
                .withTimestampAssigner((received, previous) ->
                        LateRanges.newestMillis(received.batch(), received.receivedAtMicros() / 1_000L));
    }

    /** Runs in the task thread of the operator that assigns timestamps. */
    private static final class Generator implements WatermarkGenerator<ReceivedBatch> {
        private final GatewayWatermarks watermarks;

        Generator(EventTimeOptions options) {
            this.watermarks = new GatewayWatermarks(options);
        }

        @Override
        public void onEvent(ReceivedBatch received, long eventTimestamp, WatermarkOutput output) {
            if (received.batch().size() > 0) {
                watermarks.observe(received.source().tenant() + '/' + received.source().gateway(),
                        Math.min(eventTimestamp, received.receivedAtMicros() / 1_000L), System.currentTimeMillis());
            }
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            OptionalLong watermark = watermarks.watermark(System.currentTimeMillis());
            if (watermark.isPresent()) {
                output.emitWatermark(new Watermark(watermark.getAsLong()));
            } else {
                output.markIdle();
            }
        }
    }
}
