package io.werkstrom.protocol;

/**
 * Sensor names whose samples mean the same thing to every part of the pipeline: the gateway that
 * sends them and the cloud jobs that act on them (docs/protocol.md).
 */
public final class WellKnownSensors {

    /**
     * A sample of this sensor that is not bad, with a value of at least {@link #FAILED}, says that
     * its machine failed at the sample's time, ending a run toward failure.
     */
    public static final String FAILURE = "failure";

    /** The value from which a {@link #FAILURE} sample marks a failure (the gateway sends 1). */
    public static final double FAILED = 0.5;

    private WellKnownSensors() {
    }
}
