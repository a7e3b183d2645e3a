package io.werkstrom.jobs.storage;

/**
 * A payload the job could not store, kept with the reason and its raw bytes so that nothing is
 * lost silently. {@code tenant} and {@code gateway} are null when the topic did not name them.
 */
public record DeadLetter(long receivedAtMicros, String topic, String tenant, String gateway, String reason,
                         byte[] payload) {
}
