package io.werkstrom.gateway.testing;

import io.werkstrom.testing.MosquittoBroker;

/** Mosquitto brokers for this module's integration tests. */
public final class TestBrokers {

    /**
     * Started as root, mosquitto switches to the {@code mosquitto} user and can then neither write
     * its log nor its persistence file in the fixture's private temporary directory, so sessions
     * and retained messages would not survive {@link MosquittoBroker#restart()}. {@code user root}
     * keeps it as the user that owns the directory; run as any other user the option has no effect.
     */
    private static final String KEEP_USER = "user root\n";

    private TestBrokers() {
    }

    /** An anonymous broker. */
    public static MosquittoBroker start() {
        return MosquittoBroker.start("allow_anonymous true\n" + KEEP_USER);
    }

    /** A broker with {@code extraConfig} after its listener block. */
    public static MosquittoBroker start(String extraConfig) {
        return MosquittoBroker.start(extraConfig + (extraConfig.endsWith("\n") ? "" : "\n") + KEEP_USER);
    }

    /**
     * Freezes the broker process (SIGSTOP): connections stay open but nothing is read or
     * acknowledged, as with a hung broker.
     */
    public static void freeze(MosquittoBroker broker) throws Exception {
        signal(broker, "STOP");
    }

    /** Kills the broker process outright (SIGKILL): no shutdown, no final save of its state. */
    public static void crash(MosquittoBroker broker) throws Exception {
        ProcessHandle process = process(broker);
        process.destroyForcibly();
        process.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    private static void signal(MosquittoBroker broker, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process(broker).pid()))
                .redirectErrorStream(true).start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " failed: " + new String(kill.getInputStream().readAllBytes()));
        }
    }

    /** The fixture does not expose its process; find it among ours by its configuration directory. */
    private static ProcessHandle process(MosquittoBroker broker) {
        String dir = broker.directory().toString();
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().arguments().map(args -> String.join(" ", args).contains(dir)).orElse(false))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no mosquitto process for " + dir));
    }
}
