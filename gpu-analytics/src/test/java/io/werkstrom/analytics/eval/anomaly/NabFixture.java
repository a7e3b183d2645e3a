package io.werkstrom.analytics.eval.anomaly;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Random;

/** Writes a tiny corpus in NAB's layout: two series of 300 rows, one with a spike inside a window. */
final class NabFixture {

    static final String PROFILES = """
            {"standard": {"CostMatrix": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.11, "tnWeight": 1.0}},
             "reward_low_FP_rate": {"CostMatrix": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.22, "tnWeight": 1.0}},
             "reward_low_FN_rate": {"CostMatrix": {"tpWeight": 1.0, "fnWeight": 2.0, "fpWeight": 0.11, "tnWeight": 1.0}}}
            """;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    static final LocalDateTime START = LocalDateTime.of(2014, 4, 1, 0, 0);

    private NabFixture() {
    }

    static Path write(Path root) throws IOException {
        Files.createDirectories(root.resolve("data/groupA"));
        Files.createDirectories(root.resolve("labels"));
        Files.createDirectories(root.resolve("config"));
        Random random = new Random(5);
        StringBuilder spike = new StringBuilder("timestamp,value\n");
        StringBuilder calm = new StringBuilder("timestamp,value\n");
        for (int i = 0; i < 300; i++) {
            String t = TIME.format(START.plusMinutes(5L * i));
            double base = 10 + Math.sin(i / 8.0) + 0.1 * random.nextGaussian();
            spike.append(t).append(',').append(i == 200 ? base + 25 : base).append('\n');
            calm.append(t).append(',').append(base).append('\n');
        }
        Files.writeString(root.resolve("data/groupA/spike.csv"), spike);
        Files.writeString(root.resolve("data/groupA/calm.csv"), calm);
        Files.writeString(root.resolve("labels/combined_windows.json"), "{\"groupA/spike.csv\": [[\""
                + TIME.format(START.plusMinutes(5L * 190)) + ".000000\", \"" + TIME.format(START.plusMinutes(5L * 210))
                + ".000000\"]], \"groupA/calm.csv\": []}");
        Files.writeString(root.resolve("config/profiles.json"), PROFILES);
        return root;
    }
}
