package io.werkstrom.protocol;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks a decoded batch before it is stored: identity consistent with the topic the broker
 * authorised, identifiers within bounds, quality codes defined, timestamps plausible: no earlier
 * than {@link #EARLIEST}, no older than the maximum sample age before receipt, no later than the
 * maximum clock skew after it. Stateless and thread-safe.
 */
public final class BatchValidator {

    /** Machine and sensor identifiers: letters, digits and {@code _ . : -}, at most 64 characters. */
    public static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

    /** Samples older than this are not telemetry but a mistake (an unset clock reads 1970). */
    public static final Instant EARLIEST = Instant.parse("1990-01-01T00:00:00Z");

    /** How far in the future a sample may lie unless told otherwise. */
    public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofHours(1);

    /**
     * How old a sample may be unless told otherwise: the retention of the TimescaleDB schema
     * ({@code add_retention_policy(..., INTERVAL '365 days')}), which would delete older samples
     * after they were acknowledged as stored. The bound also keeps the days one batch touches, and
     * so the partitions one write needs, to about a year.
     */
    public static final Duration DEFAULT_MAX_SAMPLE_AGE = Duration.ofDays(365);

    private final Duration maxClockSkew;
    private final Duration maxSampleAge;

    /** A validator with {@link #DEFAULT_MAX_CLOCK_SKEW} and {@link #DEFAULT_MAX_SAMPLE_AGE}. */
    public BatchValidator() {
        this(DEFAULT_MAX_CLOCK_SKEW, DEFAULT_MAX_SAMPLE_AGE);
    }

    /** @param maxClockSkew how far in the future a sample's timestamp may lie; samples may be {@link #DEFAULT_MAX_SAMPLE_AGE} old */
    public BatchValidator(Duration maxClockSkew) {
        this(maxClockSkew, DEFAULT_MAX_SAMPLE_AGE);
    }

    /**
     * @param maxClockSkew how far in the future a sample's timestamp may lie, not negative
     * @param maxSampleAge how far before receipt a sample's timestamp may lie, positive
     */
    public BatchValidator(Duration maxClockSkew, Duration maxSampleAge) {
        if (maxClockSkew == null || maxClockSkew.isNegative()) {
            throw new IllegalArgumentException("maxClockSkew must not be negative, got " + maxClockSkew + ".");
        }
        if (maxSampleAge == null || maxSampleAge.isNegative() || maxSampleAge.isZero()) {
            throw new IllegalArgumentException("maxSampleAge must be positive, got " + maxSampleAge + ".");
        }
        this.maxClockSkew = maxClockSkew;
        this.maxSampleAge = maxSampleAge;
    }

    /** How far before receipt a sample's timestamp may lie. */
    public Duration maxSampleAge() {
        return maxSampleAge;
    }

    /**
     * The first reason {@code batch}, received on the telemetry topic of {@code sender}, must not be
     * stored, or empty when it is valid.
     */
    public Optional<String> violation(TelemetryBatch batch, GatewayAddress sender, Instant receivedAt) {
        if (!batch.gateway().equals(sender.gateway())) {
            return Optional.of("payload claims gateway '" + QuotedText.abbreviate(batch.gateway())
                    + "' but arrived on the topic of gateway '" + sender.gateway() + "'");
        }
        long earliest = micros(EARLIEST);
        Instant oldest = oldest(receivedAt);
        long oldestMicros = micros(oldest);
        long latest = micros(receivedAt.plus(maxClockSkew));
        for (int i = 0; i < batch.size(); i++) {
            String machine = batch.machines()[i];
            if (!IDENTIFIER.matcher(machine).matches()) {
                return Optional.of("row " + i + ": machine '" + QuotedText.abbreviate(machine)
                        + "' must match " + IDENTIFIER.pattern());
            }
            String sensor = batch.sensors()[i];
            if (!IDENTIFIER.matcher(sensor).matches()) {
                return Optional.of("row " + i + ": sensor '" + QuotedText.abbreviate(sensor)
                        + "' must match " + IDENTIFIER.pattern());
            }
            byte quality = batch.qualities()[i];
            if (quality < 0 || quality > Quality.BAD.code()) {
                return Optional.of("row " + i + ": quality code " + quality + " is undefined");
            }
            if (!Double.isFinite(batch.values()[i]) && quality != Quality.BAD.code()) {
                return Optional.of("row " + i + ": value " + batch.values()[i] + " is not finite but quality is "
                        + Quality.ofCode(quality).name().toLowerCase(Locale.ROOT));
            }
            long ts = batch.timestampsMicros()[i];
            if (ts < earliest || ts > latest) {
                return Optional.of("row " + i + ": timestamp " + ts + " us lies outside [" + EARLIEST + ", received + "
                        + maxClockSkew + "]");
            }
            if (ts < oldestMicros) {
                return Optional.of("row " + i + ": timestamp " + ts + " us (" + instant(ts) + ") is older than the"
                        + " maximum sample age of " + describe(maxSampleAge) + " (received " + receivedAt
                        + ", so nothing before " + oldest + ")");
            }
        }
        return Optional.empty();
    }

    /** The oldest timestamp accepted in a batch received at {@code receivedAt}. */
    private Instant oldest(Instant receivedAt) {
        // Compared first: a very large age would overflow Instant.minus.
        return Duration.between(EARLIEST, receivedAt).compareTo(maxSampleAge) <= 0 ? EARLIEST
                : receivedAt.minus(maxSampleAge);
    }

    private static String describe(Duration age) {
        if (age.toSeconds() % 86_400 == 0 && age.getNano() == 0) {
            return age.toDays() + " days";
        }
        return age.toString();
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    public static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
    }
}
