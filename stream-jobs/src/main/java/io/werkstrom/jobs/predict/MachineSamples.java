package io.werkstrom.jobs.predict;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.werkstrom.jobs.decode.MachineRows;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * The samples of one machine out of one batch, in batch order: what the remaining-useful-life
 * operator, keyed by machine, receives. The arrays belong to the record; nobody changes them.
 *
 * @param source           the gateway, as the topic named it
 * @param machine          the machine
 * @param timestampsMicros per sample, its time (µs since the epoch, UTC)
 * @param sensors          per sample, the sensor
 * @param values           per sample, the value
 * @param qualities        per sample, the quality code
 * @param receivedAtMicros when the cloud received the batch
 * @param sequence         the batch's sequence number
 */
public record MachineSamples(GatewayAddress source, String machine, long[] timestampsMicros, String[] sensors,
                             double[] values, byte[] qualities, long receivedAtMicros, long sequence) {

    public int size() {
        return timestampsMicros.length;
    }

    /** The key of the machine's state: tenant, gateway and machine (a machine is named per gateway). */
    public String key() {
        return key(source, machine);
    }

    static String key(GatewayAddress source, String machine) {
        return source.tenant() + '/' + source.gateway() + '/' + machine;
    }

    /** The batch's samples, one record per machine, machines in order of first appearance. */
    public static List<MachineSamples> split(ReceivedBatch received) {
        TelemetryBatch batch = received.batch();
        Map<String, List<Integer>> rows = MachineRows.of(batch);
        List<MachineSamples> slices = new ArrayList<>(rows.size());
        for (Map.Entry<String, List<Integer>> machine : rows.entrySet()) {
            List<Integer> of = machine.getValue();
            long[] times = new long[of.size()];
            String[] sensors = new String[of.size()];
            double[] values = new double[of.size()];
            byte[] qualities = new byte[of.size()];
            for (int i = 0; i < of.size(); i++) {
                int row = of.get(i);
                times[i] = batch.timestampsMicros()[row];
                sensors[i] = batch.sensors()[row];
                values[i] = batch.values()[row];
                qualities[i] = batch.qualities()[row];
            }
            slices.add(new MachineSamples(received.source(), machine.getKey(), times, sensors, values, qualities,
                    received.receivedAtMicros(), batch.sequence()));
        }
        return slices;
    }
}
