package io.werkstrom.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class StandaloneClusterTest {

    /** As Flink reads the setting: its Path takes a URI's escapes (%20) for characters of the name. */
    @Test
    void checkpointsGoToTheWorkDirectoryWhenItsPathHoldsASpace() {
        Path work = Path.of("/tmp/factory floor/werkstrom-chaos-cloud1/flink").toAbsolutePath();
        Path checkpoints = work.resolve("checkpoints");
        Map<String, String> settings = StandaloneCluster.settings(
                StandaloneClusterOptions.defaults(List.of(Path.of("flink-dist.jar")), work), 6123, 8081,
                checkpoints, work.resolve("uploads"), work.resolve("tmp"));
        org.apache.flink.core.fs.Path read = new org.apache.flink.core.fs.Path(settings.get("execution.checkpointing.dir"));
        assertEquals("file", read.toUri().getScheme(), read.toString());
        assertEquals(checkpoints.toString(), read.toUri().getPath(), read.toString());
    }
}
