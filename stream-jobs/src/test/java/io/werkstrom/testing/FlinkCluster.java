package io.werkstrom.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.werkstrom.jobs.cluster.StandaloneCluster;
import io.werkstrom.jobs.cluster.StandaloneClusterOptions;

/**
 * Test fixture: a real Flink standalone session cluster (one JobManager and TaskManager processes)
 * on loopback, with the class path Maven wrote at build time to {@code target/flink-cluster.classpath},
 * and the job jar the {@code package} phase built ({@code target/stream-jobs-*-job.jar}). Both exist
 * when the tests run under {@code mvn verify}; when they do not, the fixture fails with what to run.
 */
public final class FlinkCluster {

    private static final Path TARGET = Path.of("target");

    private FlinkCluster() {
    }

    /** Starts a cluster with the default two TaskManagers in {@code workDirectory}. The caller closes it. */
    public static StandaloneCluster start(Path workDirectory) throws IOException {
        return StandaloneCluster.start(StandaloneClusterOptions.defaults(classPath(), workDirectory));
    }

    /** The cluster's jars, from {@code target/flink-cluster.classpath}. */
    public static List<Path> classPath() {
        Path file = TARGET.resolve("flink-cluster.classpath");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file.toAbsolutePath() + " is missing; build with `mvn -pl stream-jobs -am verify`"
                    + " (the dependency plugin writes it in generate-test-resources)");
        }
        try {
            List<Path> jars = StandaloneCluster.flinkClassPath(Files.readString(file, StandardCharsets.UTF_8).strip());
            if (jars.isEmpty()) {
                throw new IllegalStateException(file.toAbsolutePath() + " names no jars");
            }
            return jars;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file.toAbsolutePath(), e);
        }
    }

    /** The shaded job jar; fails when {@code package} has not built it. */
    public static Path jobJar() {
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(TARGET, "stream-jobs-*-job.jar")) {
            found.forEach(jars::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + TARGET.toAbsolutePath(), e);
        }
        if (jars.size() != 1) {
            throw new IllegalStateException("expected one stream-jobs-*-job.jar in " + TARGET.toAbsolutePath()
                    + ", found " + jars + "; run `mvn -pl stream-jobs -am verify` (the job jar is built in package)");
        }
        return jars.get(0);
    }
}
