package io.werkstrom.protocol;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks a decoded batch before it is stored: identity consistent with the topic the broker
 * authorised, identifiers within bounds, quality codes defined, timestamps plausible.
 * Stateless and thread-safe.
 */
public final class BatchValidator {

    /** Machine and sensor identifiers: letters, digits and {@code _ . : -}, at most 64 characters. */
    public static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

    /** Samples older than this are not telemetry but a mistake (an unset clock reads 1970). */
    public static final Instant EARLIEST = Instant.parse("1990-01-01T00:00:00Z");

    private final Duration maxClockSkew;

    public BatchValidator() {
        this(Duration.ofHours(1));
    }

    /** @param maxClockSkew how far in the future a sample's timestamp may lie */
    public BatchValidator(Duration maxClockSkew) {
        this.maxClockSkew = maxClockSkew;
    }

    /**
     * The first reason {@code batch}, received on the telemetry topic of {@code sender}, must not be
     * stored, or empty when it is valid.
     */
    public Optional<String> violation(TelemetryBatch batch, GatewayAddress sender, Instant receivedAt) {
        if (!batch.gateway().equals(sender.gateway())) {
            return Optional.of("payload claims gateway '" + GatewayAddress.abbreviate(batch.gateway())
                    + "' but arrived on the topic of gateway '" + sender.gateway() + "'");
        }
        long earliest = micros(EARLIEST);
        long latest = micros(receivedAt.plus(maxClockSkew));
        for (int i = 0; i < batch.size(); i++) {
            String machine = batch.machines()[i];
            if (!IDENTIFIER.matcher(machine).matches()) {
                return Optional.of("row " + i + ": machine '" + GatewayAddress.abbreviate(machine)
                        + "' must match " + IDENTIFIER.pattern());
            }
            String sensor = batch.sensors()[i];
            if (!IDENTIFIER.matcher(sensor).matches()) {
                return Optional.of("row " + i + ": sensor '" + GatewayAddress.abbreviate(sensor)
                        + "' must match " + IDENTIFIER.pattern());
            }
            byte quality = batch.qualities()[i];
            if (quality < 0 || quality > Quality.BAD.code()) {
                return Optional.of("row " + i + ": quality code " + quality + " is undefined");
            }
            if (!Double.isFinite(batch.values()[i]) && quality != Quality.BAD.code()) {
                return Optional.of("row " + i + ": value " + batch.values()[i] + " is not finite but quality is "
                        + Quality.ofCode(quality).name().toLowerCase());
            }
            long ts = batch.timestampsMicros()[i];
            if (ts < earliest || ts > latest) {
                return Optional.of("row " + i + ": timestamp " + ts + " us lies outside [" + EARLIEST + ", received + "
                        + maxClockSkew + "]");
            }
        }
        return Optional.empty();
    }

    public static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
    }
}
