package io.werkstrom.analytics.eval.anomaly;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

import io.werkstrom.analytics.detect.PcaDetector;
import io.werkstrom.analytics.detect.PcaOptions;

/**
 * The SKAB protocol: per file, a {@link PcaDetector} is fitted on the first
 * {@value #TRAINING_ROWS} rows (all sensor columns) and scores the rest. A row raises an alarm
 * when the mean of the detector's score over it and the {@code SMOOTHING_ROWS - 1} rows before it
 * (training rows included, never later ones) exceeds 1, that is when the sensors stay beyond
 * their training control limits rather than touch them once. Alarms are compared with the
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

    /** The alarm of every row of {@code file} after the training rows. */
    public static boolean[] alarms(SkabFile file) {
        double[][] rows = file.rows();
        PcaDetector detector = PcaDetector.fit(Arrays.copyOf(rows, TRAINING_ROWS), options());
        double[] score = detector.score(rows);
        boolean[] alarms = new boolean[rows.length - TRAINING_ROWS];
        double sum = 0;
        for (int i = 0; i < rows.length; i++) {
            sum += score[i];
            if (i >= SMOOTHING_ROWS) {
                sum -= score[i - SMOOTHING_ROWS];
            }
            if (i >= TRAINING_ROWS) {
                alarms[i - TRAINING_ROWS] = sum / Math.min(i + 1, SMOOTHING_ROWS) > ALARM_LEVEL;
            }
        }
        return alarms;
    }

    public static Result evaluate(List<SkabFile> files, PrintStream log) throws EvaluationDataException {
        BinaryCounts total = BinaryCounts.EMPTY;
        int scored = 0;
        for (SkabFile file : files) {
            if (file.length() <= TRAINING_ROWS) {
                log.println("skab: " + file.name() + " has " + file.length() + " rows, none after the "
                        + TRAINING_ROWS + " training rows; not scored");
                continue;
            }
            boolean[] alarms;
            try {
                alarms = alarms(file);
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
            scored++;
        }
        if (scored == 0) {
            throw new EvaluationDataException("no SKAB file has rows after the " + TRAINING_ROWS + " training rows");
        }
        return new Result(total, scored);
    }
}
