package io.werkstrom.jobs.decode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.werkstrom.protocol.TelemetryBatch;

/**
 * A decoded batch's row indices grouped by machine. A decoded batch is grouped by series, not by
 * machine or time; the operators that work per machine read its rows through this.
 */
public final class MachineRows {

    private MachineRows() {
    }

    /** Row indices per machine, machines in the order they first appear, each machine's rows in batch order. */
    public static Map<String, List<Integer>> of(TelemetryBatch batch) {
        Map<String, List<Integer>> rows = new LinkedHashMap<>();
        for (int row = 0; row < batch.size(); row++) {
            rows.computeIfAbsent(batch.machines()[row], m -> new ArrayList<>()).add(row);
        }
        return rows;
    }

    /** As {@link #of}, each machine's rows sorted (stably) by {@code order}. */
    public static Map<String, List<Integer>> sorted(TelemetryBatch batch, Comparator<Integer> order) {
        Map<String, List<Integer>> rows = of(batch);
        rows.values().forEach(machine -> machine.sort(order));
        return rows;
    }
}
