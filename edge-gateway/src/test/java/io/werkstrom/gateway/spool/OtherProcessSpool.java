package io.werkstrom.gateway.spool;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Opens and closes a spool in a process of its own: what another gateway on the same directory does. */
final class OtherProcessSpool {

    static final int OPENED = 0;
    static final int REFUSED = 3;

    private OtherProcessSpool() {
    }

    /** Exits with {@link #OPENED}, or {@link #REFUSED} when the directory is in use. */
    public static void main(String[] args) {
        try (Spool spool = Spool.open(SpoolOptions.builder().directory(Path.of(args[0])).build())) {
            System.exit(OPENED);
        } catch (IOException e) {
            System.err.println(e.getMessage());
            System.exit(e.getMessage().contains("is in use by another gateway") ? REFUSED : 1);
        }
    }

    /** Runs {@link #main} in a new JVM on {@code directory}; returns its exit status. */
    static int open(Path directory) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                OtherProcessSpool.class.getName(), directory.toString()).inheritIO().start();
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("the other process did not end within 60 s");
        }
        return child.exitValue();
    }
}
