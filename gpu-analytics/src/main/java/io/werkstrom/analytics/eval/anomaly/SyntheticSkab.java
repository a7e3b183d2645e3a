package io.werkstrom.analytics.eval.anomaly;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Writes synthetic recordings in SKAB's format, of a simulated water-pump test rig, for tests and
 * for trying the SKAB evaluation where the real data is not at hand. Figures on this data are
 * not comparable with results on SKAB.
 *
 * <p>The rig: a slowly wandering load and a motor warming up to a steady temperature drive eight
 * correlated sensors (two vibration RMS, motor current, pressure, temperature, thermocouple, voltage, flow). Each
 * file has 400 normal rows, then one to three labelled faults of 40 to 180 s, each with a ramped
 * onset: a partly closed valve (flow down, pressure up, current down), cavitation (vibration up
 * and noisy, flow down and noisy, pressure down), a rotor imbalance (one vibration channel up,
 * current up slightly) or a cooling fault (motor temperature creeping up).
 */
public final class SyntheticSkab {

    static final String HEADER = "datetime;Accelerometer1RMS;Accelerometer2RMS;Current;Pressure;Temperature;"
            + "Thermocouple;Voltage;Volume Flow RateRMS;anomaly;changepoint";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private SyntheticSkab() {
    }

    /** Writes {@code files} recordings named {@code valve/<i>.csv} below {@code dir}. */
    public static void write(Path dir, int files, long seed) throws IOException {
        Random random = new Random(seed);
        Path folder = dir.resolve("valve");
        Files.createDirectories(folder);
        for (int f = 0; f < files; f++) {
            try (Writer out = Files.newBufferedWriter(folder.resolve(f + ".csv"), StandardCharsets.UTF_8)) {
                writeFile(out, random, LocalDateTime.of(2020, 3, 1 + f % 28, 10, 0, 0));
            }
        }
    }

    static void writeFile(Writer out, Random random, LocalDateTime start) throws IOException {
        int rows = 1000 + random.nextInt(250);
        int[] kind = new int[rows];
        double[] amount = new double[rows];
        int faults = 1 + random.nextInt(3);
        int at = 400 + 30 + random.nextInt(80);
        for (int k = 0; k < faults && at < rows - 60; k++) {
            int length = 40 + random.nextInt(141);
            int ramp = 3 + random.nextInt(15);
            int type = 1 + random.nextInt(4);
            double severity = 0.6 + 0.8 * random.nextDouble();
            for (int i = at; i < Math.min(rows, at + length); i++) {
                kind[i] = type;
                amount[i] = severity * Math.min(1.0, (i - at + 1) / (double) ramp);
            }
            at += length + 60 + random.nextInt(200);
        }

        double load = 0;
        double warm = 0;
        double flowNoise = 0;
        out.write(HEADER);
        out.write('\n');
        for (int i = 0; i < rows; i++) {
            load = 0.995 * load + 0.02 * random.nextGaussian();
            warm += (5 - warm) / 150 + 0.01 * random.nextGaussian(); // warms up, then settles
            flowNoise = 0.8 * flowNoise + 0.1 * random.nextGaussian();
            double acc1 = 0.210 + 0.010 * load + 0.0025 * random.nextGaussian();
            double acc2 = 0.270 + 0.012 * load + 0.0030 * random.nextGaussian();
            double current = 1.80 + 0.40 * load + 0.01 * warm + 0.02 * random.nextGaussian();
            double pressure = 0.30 - 0.15 * load + 0.006 * random.nextGaussian();
            double temperature = 70 + warm + 0.6 * load + 0.08 * random.nextGaussian();
            double thermocouple = 28 + 0.15 * warm + 0.05 * random.nextGaussian();
            double voltage = 230 - 1.5 * (current - 1.8) + 0.4 * random.nextGaussian();
            double flow = 32 + 1.6 * load + flowNoise + 0.15 * random.nextGaussian();
            double a = amount[i];
            switch (kind[i]) {
                case 1 -> { // valve partly closed
                    flow -= 1.6 * a;
                    pressure += 0.035 * a;
                    current -= 0.06 * a;
                }
                case 2 -> { // cavitation
                    acc1 += a * (0.008 + 0.006 * Math.abs(random.nextGaussian()));
                    acc2 += a * (0.010 + 0.008 * Math.abs(random.nextGaussian()));
                    flow -= a * (0.8 + 0.6 * Math.abs(random.nextGaussian()));
                    pressure -= 0.015 * a;
                }
                case 3 -> { // rotor imbalance
                    acc1 += 0.012 * a;
                    current += 0.04 * a;
                }
                case 4 -> temperature += 2.5 * a; // cooling fault
                default -> { }
            }
            boolean change = kind[i] != (i == 0 ? 0 : kind[i - 1]);
            out.write(String.format(Locale.ROOT, "%s;%.7f;%.7f;%.6f;%.6f;%.4f;%.4f;%.3f;%.4f;%d;%d%n",
                    TIME.format(start.plusSeconds(i)), acc1, acc2, current, pressure, temperature, thermocouple,
                    voltage, flow, kind[i] == 0 ? 0 : 1, change ? 1 : 0));
        }
    }

    static final String USAGE = "usage: SyntheticSkab DIR [FILES [SEED]]\n"
            + "  writes FILES synthetic SKAB-format recordings (default 12) as DIR/valve/<i>.csv, from SEED (default 1)";

    /** {@code SyntheticSkab DIR [FILES [SEED]]}: writes the recordings (default 12 files, seed 1). */
    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** Returns 0 on success (and for {@code --help}, which prints the usage), 2 on a usage error, 1 when writing fails. */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.size() == 1 && (args.get(0).equals("--help") || args.get(0).equals("-h"))) {
            out.println(USAGE);
            return 0;
        }
        if (args.isEmpty() || args.size() > 3 || args.get(0).startsWith("-")) {
            err.println(USAGE);
            return 2;
        }
        int files;
        long seed;
        try {
            files = args.size() > 1 ? Integer.parseInt(args.get(1)) : 12;
            seed = args.size() > 2 ? Long.parseLong(args.get(2)) : 1;
        } catch (NumberFormatException e) {
            err.println("synthetic skab: FILES and SEED must be whole numbers, got " + args.subList(1, args.size()));
            return 2;
        }
        if (files < 1) {
            err.println("synthetic skab: FILES must be at least 1, got " + files);
            return 2;
        }
        try {
            write(Path.of(args.get(0)), files, seed);
            return 0;
        } catch (IOException | java.nio.file.InvalidPathException e) {
            err.println("synthetic skab: cannot write below " + args.get(0) + ": " + e);
            return 1;
        }
    }
}
