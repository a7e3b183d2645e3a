package io.werkstrom.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Wrote the protocol's ZSTD dictionary ({@link WireFrame#DICTIONARY_RESOURCE}) once. The dictionary
 * is part of the wire format and must never be regenerated for layout 2 (a test pins its hash); this
 * is kept to show what it holds: a vocabulary of common industrial identifier words, then the
 * uncompressed compact streams of synthetic batches of typical shapes (generic names, 1 to 3 ticks,
 * the integer widths a small batch ends up with), which supply the Arrow headers.
 *
 * <p>Usage: {@code BatchDictionaryGenerator <output file>}.
 */
public final class BatchDictionaryGenerator {

    static final String VOCABULARY = String.join(",",
            "temperature_c", "temp_c", "pressure_bar", "pressure_kpa", "speed_rpm", "spindle_speed_rpm",
            "spindle_load_pct", "load_pct", "torque_nm", "vibration_rms_mm_s", "vibration_g", "power_kw",
            "energy_kwh", "current_a", "voltage_v", "flow_l_min", "level_pct", "humidity_pct", "position_mm",
            "feed_rate_mm_min", "cycle_time_s", "part_count", "part_scrap", "state", "alarm", "setpoint",
            "machine", "press", "mill", "lathe", "robot", "pump", "compressor", "oven", "line", "cell", "motor");

    private BatchDictionaryGenerator() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        ByteArrayOutputStream dictionary = new ByteArrayOutputStream();
        dictionary.writeBytes(VOCABULARY.getBytes(StandardCharsets.UTF_8));
        try (BufferAllocator allocator = new RootAllocator()) {
            SplittableRandom random = new SplittableRandom(20261128L);
            int[][] shapes = {{1, 4, 1}, {2, 6, 2}, {4, 6, 3}, {4, 8, 2}, {8, 6, 3}, {3, 5, 1}, {2, 3, 10}, {4, 6, 25}};
            for (int[] shape : shapes) {
                TelemetryBatch.Builder b = TelemetryBatch.builder("gw-01", 1_000 + random.nextInt(100_000));
                long t0 = 1_767_600_000_000_000L + random.nextLong(1_000_000_000_000L) / 100_000 * 100_000;
                for (int tick = 0; tick < shape[2]; tick++) {
                    for (int m = 0; m < shape[0]; m++) {
                        for (int s = 0; s < shape[1]; s++) {
                            double v = Math.round((20 + 10 * s + random.nextGaussian()) * 100) / 100.0;
                            b.add(t0 + tick * 100_000L, "machine-" + (m + 1), "sensor_" + (s + 1), v,
                                    random.nextInt(500) == 0 ? Quality.UNCERTAIN : Quality.GOOD);
                        }
                    }
                }
                dictionary.writeBytes(CompactLayout.encodeStream(b.build(), allocator));
            }
        }
        Files.write(out, dictionary.toByteArray());
        System.out.println("wrote " + dictionary.size() + " bytes to " + out);
    }
}
