package io.werkstrom.app.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.werkstrom.analytics.predict.CycleTracker;

/**
 * Labelled production cycles collected from a {@link CycleTracker}: the features of every cycle
 * whose part's outcome is known, in the order the cycles ended. Cycles without an outcome (the
 * last ones of a history, every cycle of a machine that reports none) are left out of training,
 * and counted.
 *
 * <p>Of each machine, the latest {@value #MAX_AWAITED} cycles are kept waiting for their outcome;
 * an older one is given up, counted as without an outcome, so that a long history of machines
 * that never report outcomes does not pile up in memory. An outcome usually comes with its
 * cycle's end.
 */
public final class CycleDataset implements CycleTracker.Listener {

    /** Cycles of one machine kept waiting for their outcome. */
    public static final int MAX_AWAITED = 64;

    /** Per machine, the features of its cycles waiting for their outcome, by end time, oldest first. */
    private final Map<String, LinkedHashMap<Long, double[]>> awaiting = new HashMap<>();
    private long givenUp;
    private final List<double[]> features = new ArrayList<>();
    private final List<Boolean> scrap = new ArrayList<>();
    private final List<Long> endMicros = new ArrayList<>();

    @Override
    public void cycleEnded(String machine, long end, double[] cycle) {
        LinkedHashMap<Long, double[]> cycles = awaiting.computeIfAbsent(machine, m -> new LinkedHashMap<>());
        cycles.put(end, cycle);
        if (cycles.size() > MAX_AWAITED) {
            Iterator<Long> oldest = cycles.keySet().iterator();
            oldest.next();
            oldest.remove();
            givenUp++;
        }
    }

    @Override
    public void outcome(String machine, long end, boolean isScrap) {
        LinkedHashMap<Long, double[]> cycles = awaiting.get(machine);
        double[] cycle = cycles == null ? null : cycles.remove(end);
        if (cycle != null) {
            features.add(cycle);
            scrap.add(isScrap);
            endMicros.add(end);
        }
    }

    public int size() {
        return features.size();
    }

    /** Cycles without an outcome: those still waiting for one and those given up. */
    public long unlabelled() {
        return givenUp + awaiting.values().stream().mapToLong(Map::size).sum();
    }

    public List<double[]> features() {
        return features;
    }

    public boolean[] scrap() {
        boolean[] labels = new boolean[scrap.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = scrap.get(i);
        }
        return labels;
    }

    public long endMicros(int i) {
        return endMicros.get(i);
    }

    public double scrapRate() {
        return scrap.isEmpty() ? 0 : scrap.stream().filter(s -> s).count() / (double) scrap.size();
    }
}
