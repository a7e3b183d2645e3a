package io.werkstrom.app.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.analytics.remote.RemoteKernelBackend;
import io.werkstrom.app.Werkstrom;

/**
 * {@code analytics serve} on a free loopback port ({@code --port 0}): it serves calls, and when
 * stopped (in-process, and by SIGTERM in a child JVM) it finishes and prints its counts as the last
 * line of stdout.
 */
class AnalyticsCommandIT {

    private static final Pattern SERVED = Pattern.compile("analytics service on 127\\.0\\.0\\.1:(\\d+) ");

    private final BufferAllocator allocator = new RootAllocator();

    @TempDir
    Path work;

    @AfterEach
    void closeAllocator() {
        allocator.close();
    }

    /** The port that {@code --port 0} got, from the service's first line on stderr. */
    private static int servedPort(String stderr) {
        Matcher served = SERVED.matcher(stderr);
        assertTrue(served.find(), stderr);
        return Integer.parseInt(served.group(1));
    }

    private static void awaitText(Supplier<String> text, String wanted, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!text.get().contains(wanted)) {
            if (process != null && !process.isAlive()) {
                throw new AssertionError("the service exited early: " + text.get());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the service did not start within 60 s: " + text.get());
            }
            Thread.sleep(50);
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    private Float8Vector doubles(String name, double... values) {
        Float8Vector v = new Float8Vector(name, allocator);
        v.allocateNew(values.length);
        for (int i = 0; i < values.length; i++) {
            v.set(i, values[i]);
        }
        v.setValueCount(values.length);
        return v;
    }

    private IntVector ints(String name, int... values) {
        IntVector v = new IntVector(name, allocator);
        v.allocateNew(values.length);
        for (int i = 0; i < values.length; i++) {
            v.set(i, values[i]);
        }
        v.setValueCount(values.length);
        return v;
    }

    /** One call of three rows that the service answers, and one it refuses (a series outside its parameters). */
    private void callTwice(int port) {
        try (RemoteKernelBackend remote = new RemoteKernelBackend(URI.create("grpc://127.0.0.1:" + port), 30_000);
             Float8Vector values = doubles("values", 1, 2, 4);
             IntVector series = ints("series", 0, 0, 0);
             IntVector outside = ints("series", 0, 5, 0);
             Float8Vector center = doubles("center", 1);
             Float8Vector scale = doubles("scale", 2);
             Float8Vector out = doubles("out", 0, 0, 0)) {
            remote.robustZ(values, series, center, scale, out);
            assertEquals(1.5, out.get(2), 1e-12);
            assertThrows(IllegalArgumentException.class, () -> remote.robustZ(values, outside, center, scale, out));
        }
    }

    @Test
    void whenStoppedItPrintsItsCountsAsTheLastLineOfStdout() throws Exception {
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        CountDownLatch stop = new CountDownLatch(1);
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> exit = runner.submit(() -> AnalyticsCommand.run(
                    List.of("serve", "--host", "127.0.0.1", "--port", "0", "--backend", "java"),
                    out, err, stop::await));
            awaitText(() -> errBytes.toString(StandardCharsets.UTF_8), "analytics service on", null);
            callTwice(servedPort(errBytes.toString(StandardCharsets.UTF_8)));
            stop.countDown();
            assertEquals(0, exit.get(30, TimeUnit.SECONDS));
        } finally {
            stop.countDown();
            runner.shutdownNow();
        }
        assertEquals("{\"calls\":1,\"rows\":3,\"refused\":1}", lastLine(outBytes.toString(StandardCharsets.UTF_8)),
                errBytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void sigtermStopsTheLauncherWithItsCountsAsTheLastLineOfStdout() throws Exception {
        Path stdout = work.resolve("stdout");
        Path stderr = work.resolve("stderr");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Werkstrom.class.getName(), "analytics", "serve", "--host",
                "127.0.0.1", "--port", "0", "--backend", "java")
                .directory(work.toFile()) // the launcher writes its log below the working directory
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        try {
            awaitText(() -> read(stderr), "analytics service on", child);
            callTwice(servedPort(read(stderr)));
            child.destroy(); // SIGTERM
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the service did not stop within 60 s: " + read(stderr));
        } finally {
            child.destroyForcibly();
        }
        assertEquals("{\"calls\":1,\"rows\":3,\"refused\":1}", lastLine(read(stdout)), read(stderr));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
