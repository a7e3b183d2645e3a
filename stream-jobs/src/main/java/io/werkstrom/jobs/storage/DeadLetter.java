package io.werkstrom.jobs.storage;

/**
 * A payload the job could not store, kept with the reason and its raw bytes so that nothing is
 * lost silently. {@code tenant} and {@code gateway} are null when the topic did not name them.
 */
public record DeadLetter(long receivedAtMicros, String topic, String tenant, String gateway, String reason,
                         byte[] payload) {

    /** The bytes the letter takes, about: its payload and text fields (UTF-8 takes at most 3 per char). */
    public long bytes() {
        long bytes = payload == null ? 0 : payload.length;
        for (String text : new String[] {topic, tenant, gateway, reason}) {
            bytes += text == null ? 0 : 3L * text.length();
        }
        return bytes;
    }
}
