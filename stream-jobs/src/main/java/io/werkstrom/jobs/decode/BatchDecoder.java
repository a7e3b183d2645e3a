package io.werkstrom.jobs.decode;

import java.time.Instant;
import java.util.Optional;

import io.werkstrom.jobs.storage.DeadLetter;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.BatchDecodeException;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.TelemetryBatch;
import io.werkstrom.protocol.Topics;

/**
 * Turns one MQTT message into either a {@link ReceivedBatch} or a {@link DeadLetter} with the
 * reason: the topic must be a v1 telemetry topic, the payload a well-formed batch, and the batch
 * must pass the {@link BatchValidator} against the gateway named by the topic (the identity the
 * broker authorised; the payload's own claim is only checked, never trusted).
 *
 * <p>Never throws for bad input. Borrows the codec (and so its allocator); thread-safe when the
 * codec is.
 */
public final class BatchDecoder {

    private final BatchCodec codec;
    private final BatchValidator validator;

    public BatchDecoder(BatchCodec codec, BatchValidator validator) {
        this.codec = codec;
        this.validator = validator;
    }

    /** What became of one message. */
    public sealed interface Outcome permits Accepted, Rejected {
    }

    /** A batch to store. */
    public record Accepted(ReceivedBatch batch) implements Outcome {
    }

    /** A message that cannot be stored, with the reason. */
    public record Rejected(DeadLetter deadLetter) implements Outcome {
    }

    /**
     * Decodes and validates one message.
     *
     * @param topic            the topic it was published to
     * @param payload          its raw bytes (kept as they are in a dead letter)
     * @param receivedAtMicros when it was received, microseconds since the epoch
     */
    public Outcome decode(String topic, byte[] payload, long receivedAtMicros) {
        Optional<GatewayAddress> sender = Topics.parseTelemetry(topic);
        if (sender.isEmpty()) {
            return reject(receivedAtMicros, topic, null, payload, "topic is not a v1 telemetry topic (expected "
                    + Topics.ROOT + "/" + Topics.VERSION + "/{tenant}/{site}/{gateway}/" + Topics.TELEMETRY + ")");
        }
        GatewayAddress source = sender.get();
        try {
            TelemetryBatch batch = codec.decode(payload);
            Optional<String> violation = validator.violation(batch, source, instant(receivedAtMicros));
            if (violation.isPresent()) {
                return reject(receivedAtMicros, topic, source, payload, violation.get());
            }
            return new Accepted(new ReceivedBatch(source, batch, receivedAtMicros));
        } catch (BatchDecodeException e) {
            return reject(receivedAtMicros, topic, source, payload, reason(e));
        } catch (RuntimeException e) {
            // A payload that trips an unexpected error is still just a bad payload: keep it and say why.
            return reject(receivedAtMicros, topic, source, payload, "unexpected " + reason(e));
        }
    }

    private static Rejected reject(long receivedAtMicros, String topic, GatewayAddress source, byte[] payload,
                                   String reason) {
        return new Rejected(new DeadLetter(receivedAtMicros, topic, source == null ? null : source.tenant(),
                source == null ? null : source.gateway(), reason, payload));
    }

    private static String reason(Exception e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return e instanceof BatchDecodeException ? message : e.getClass().getSimpleName() + ": " + message;
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }
}
