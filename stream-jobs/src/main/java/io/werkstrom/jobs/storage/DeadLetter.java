package io.werkstrom.jobs.storage;

/**
 * A payload the job could not store, kept with the reason and its raw bytes so that nothing is
 * lost silently. {@code tenant} and {@code gateway} are null when the topic did not name them.
 */
public record DeadLetter(long receivedAtMicros, String topic, String tenant, String gateway, String reason,
                         byte[] payload) {

    /**
     * Reasons quote payload content (a claimed gateway, a machine name, a status text): control
     * characters in {@code reason} are written as Java-style unicode escapes, so that a reason is one
     * line in a log or a query's output, and a NUL (which a PostgreSQL text column cannot store) does
     * not reach the database.
     */
    public DeadLetter {
        reason = reason == null ? null : printable(reason);
    }

    /** The bytes the letter takes, about: its payload and text fields (UTF-8 takes at most 3 per char). */
    public long bytes() {
        long bytes = payload == null ? 0 : payload.length;
        for (String text : new String[] {topic, tenant, gateway, reason}) {
            bytes += text == null ? 0 : 3L * text.length();
        }
        return bytes;
    }

    private static String printable(String reason) {
        StringBuilder out = null;
        for (int i = 0; i < reason.length(); i++) {
            char c = reason.charAt(i);
            if (Character.isISOControl(c)) {
                if (out == null) {
                    out = new StringBuilder(reason.length() + 16).append(reason, 0, i);
                }
                out.append(String.format("\\u%04x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? reason : out.toString();
    }
}
