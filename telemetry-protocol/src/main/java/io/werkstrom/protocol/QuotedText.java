package io.werkstrom.protocol;

/** A value quoted in a message about it: short enough to read, and still well-formed text. */
public final class QuotedText {

    private static final int MAX_CHARS = 80;

    private QuotedText() {
    }

    /**
     * {@code value} itself up to 80 characters, otherwise its first 77 and "..."; a cut never
     * splits a character outside the Basic Multilingual Plane (a lone half of its surrogate pair would
     * be stored as '?' and shown as garbage).
     */
    public static String abbreviate(String value) {
        if (value.length() <= MAX_CHARS) {
            return value;
        }
        int end = MAX_CHARS - 3;
        if (Character.isHighSurrogate(value.charAt(end - 1)) && Character.isLowSurrogate(value.charAt(end))) {
            end--;
        }
        return value.substring(0, end) + "...";
    }
}
