package io.werkstrom.app.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.werkstrom.analytics.predict.CycleTracker;

/**
 * Labelled production cycles collected from a {@link CycleTracker}: the features of every cycle
 * whose part's outcome is known, in the order the cycles ended. Cycles without an outcome (the
 * last ones of a history) are left out of training, and counted.
 */
public final class CycleDataset implements CycleTracker.Listener {

    private final Map<String, double[]> pending = new HashMap<>();
    private final List<double[]> features = new ArrayList<>();
    private final List<Boolean> scrap = new ArrayList<>();
    private final List<Long> endMicros = new ArrayList<>();

    @Override
    public void cycleEnded(String machine, long end, double[] cycle) {
        pending.put(machine + '\u0000' + end, cycle);
    }

    @Override
    public void outcome(String machine, long end, boolean isScrap) {
        double[] cycle = pending.remove(machine + '\u0000' + end);
        if (cycle != null) {
            features.add(cycle);
            scrap.add(isScrap);
            endMicros.add(end);
        }
    }

    public int size() {
        return features.size();
    }

    public int unlabelled() {
        return pending.size();
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
