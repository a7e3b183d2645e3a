package io.werkstrom.analytics.eval.anomaly;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.werkstrom.analytics.detect.MeanShiftDetector;
import io.werkstrom.analytics.detect.MeanShiftOptions;
import io.werkstrom.analytics.detect.MsetDetector;
import io.werkstrom.analytics.detect.MsetOptions;
import io.werkstrom.analytics.detect.PcaDetector;
import io.werkstrom.analytics.detect.PcaOptions;
import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.analytics.kernel.KernelBackend;

/**
 * The SKAB protocol: per file, a detector ({@link Detector}: {@link MeanShiftDetector}, the
 * default, {@link PcaDetector} or {@link MsetDetector}) is fitted on the first
 * {@value #TRAINING_ROWS} rows (all sensor columns) and scores the rest. With the mean-shift
 * detector a row raises an alarm when its score exceeds 1 (the detector averages over a moving
 * window itself). With PCA or MSET a row raises an alarm when the mean of the detector's score
 * over it and the {@code SMOOTHING_ROWS - 1} rows before it exceeds 1, that is when the sensors
 * stay beyond their training control limits rather than touch them once. Either way a row's alarm
 * depends on it and earlier rows only (training rows included). Alarms are compared with the
 * {@code anomaly} labels row by row, pooled over all scored rows of all files.
 */
public final class SkabEvaluation {

    /** Leading rows of each file that train the detector and are not scored. */
    public static final int TRAINING_ROWS = 400;
    /** Rows the score is averaged over before it is compared with the alarm level. */
    static final int SMOOTHING_ROWS = 5;
    /** The smoothed score above which a row is an alarm: beyond the training control limits. */
    static final double ALARM_LEVEL = 1.0;

    private SkabEvaluation() {
    }

    /** The detectors this evaluation can run, by their command-line name. */
    public enum Detector {
        /** {@link MeanShiftDetector}: per sensor, a sustained shift of the moving mean. */
        SHIFT("shift"),
        /** {@link PcaDetector}: Hotelling's T² and SPE against their training limits. */
        PCA("pca"),
        /** {@link MsetDetector}: the MSET residual against its training limit. */
        MSET("mset");

        private final String id;

        Detector(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        /** The detector named {@code id}, or null. */
        public static Detector of(String id) {
            for (Detector d : values()) {
                if (d.id.equals(id)) {
                    return d;
                }
            }
            return null;
        }

        double[] score(double[][] training, double[][] rows, KernelBackend backend) {
            return switch (this) {
                case SHIFT -> MeanShiftDetector.fit(training, MeanShiftOptions.defaults()).score(rows);
                case PCA -> PcaDetector.fit(training, options()).score(rows, backend);
                case MSET -> MsetDetector.fit(training, MsetOptions.defaults()).score(rows, backend);
            };
        }

        /** Rows the score is averaged over before the alarm level: the mean-shift detector averages itself. */
        int smoothingRows() {
            return this == SHIFT ? 1 : SMOOTHING_ROWS;
        }
    }

    /**
     * The pooled counts and the number of files scored.
     *
     * @param files the files scored, those with more than {@value #TRAINING_ROWS} rows
     */
    public record Result(BinaryCounts counts, int files) {
    }

    static PcaOptions options() {
        return PcaOptions.defaults();
    }

    /** The alarm of every row of {@code file} after the training rows, by the default detector. */
    public static boolean[] alarms(SkabFile file) {
        return alarms(file, Detector.SHIFT);
    }

    /** The alarm of every row of {@code file} after the training rows, by {@code detector} on the shared Java backend. */
    public static boolean[] alarms(SkabFile file, Detector detector) {
        return alarms(file, detector, JavaKernelBackend.shared());
    }

    /**
     * The alarm of every row of {@code file} after the training rows, by {@code detector}, whose
     * scoring kernel runs on {@code backend} (borrowed; the fit runs on plain Java).
     */
    public static boolean[] alarms(SkabFile file, Detector detector, KernelBackend backend) {
        double[][] rows = file.rows();
        double[] score = detector.score(Arrays.copyOf(rows, TRAINING_ROWS), rows, backend);
        boolean[] alarms = new boolean[rows.length - TRAINING_ROWS];
        int smoothing = detector.smoothingRows();
        for (int i = TRAINING_ROWS; i < rows.length; i++) {
            alarms[i - TRAINING_ROWS] = smoothed(score, i, smoothing) > ALARM_LEVEL;
        }
        return alarms;
    }

    /**
     * The mean of {@code score} over row {@code i} and the {@code rows - 1} before it (fewer at
     * the start). Summed afresh for every row, not kept as a running sum: after one huge score the
     * rounding remainder of a running sum would stay, and raise or hide the alarm of every later
     * row.
     */
    static double smoothed(double[] score, int i, int rows) {
        int from = Math.max(0, i - rows + 1);
        double sum = 0;
        for (int j = from; j <= i; j++) {
            sum += score[j];
        }
        return sum / (i - from + 1);
    }

    /** {@link #evaluate(List, Detector, PrintStream)} with the default detector. */
    public static Result evaluate(List<SkabFile> files, PrintStream log) throws EvaluationDataException {
        return evaluate(files, Detector.SHIFT, log);
    }

    /** {@link #evaluate(List, Detector, KernelBackend, PrintStream)} on the shared Java backend. */
    public static Result evaluate(List<SkabFile> files, Detector detector, PrintStream log)
            throws EvaluationDataException {
        return evaluate(files, detector, JavaKernelBackend.shared(), log);
    }

    /**
     * Fits and scores every file with {@code detector}, the scoring kernel on {@code backend}
     * (borrowed), and pools the counts.
     */
    public static Result evaluate(List<SkabFile> files, Detector detector, KernelBackend backend, PrintStream log)
            throws EvaluationDataException {
        BinaryCounts total = BinaryCounts.EMPTY;
        // Per top-level folder (SKAB's valve1, valve2, other), so that a setting chosen on one
        // group can be checked on the others.
        Map<String, BinaryCounts> groups = new TreeMap<>();
        int scored = 0;
        for (SkabFile file : files) {
            if (file.length() <= TRAINING_ROWS) {
                log.println("skab: " + file.name() + " has " + file.length() + " rows, none after the "
                        + TRAINING_ROWS + " training rows; not scored");
                continue;
            }
            boolean[] alarms;
            try {
                alarms = alarms(file, detector, backend);
            } catch (IllegalArgumentException e) {
                throw new EvaluationDataException(file.name() + ": cannot fit the detector: " + e.getMessage(), e);
            }
            BinaryCounts counts = BinaryCounts.EMPTY;
            for (int i = 0; i < alarms.length; i++) {
                counts = counts.add(alarms[i], file.anomaly()[TRAINING_ROWS + i] == 1);
            }
            log.printf("skab: %s: %d rows scored, f1 %.3f, far %.3f, mar %.3f%n", file.name(), alarms.length,
                    counts.f1(), counts.falseAlarmRate(), counts.missedAlarmRate());
            total = total.plus(counts);
            int slash = file.name().indexOf('/');
            if (slash > 0) {
                groups.merge(file.name().substring(0, slash), counts, BinaryCounts::plus);
            }
            scored++;
        }
        for (Map.Entry<String, BinaryCounts> group : groups.entrySet()) {
            BinaryCounts c = group.getValue();
            log.printf("skab: group %s: f1 %.4f, far %.4f, mar %.4f%n", group.getKey(), c.f1(), c.falseAlarmRate(),
                    c.missedAlarmRate());
        }
        if (scored == 0) {
            throw new EvaluationDataException("no SKAB file has rows after the " + TRAINING_ROWS + " training rows");
        }
        return new Result(total, scored);
    }
}
