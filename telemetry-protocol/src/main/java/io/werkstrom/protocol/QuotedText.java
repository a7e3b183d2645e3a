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
        return abbreviate(value, MAX_CHARS);
    }

    /**
     * {@code value} itself up to {@code maxChars} characters, otherwise its first {@code maxChars - 3}
     * and "...", cut as {@link #abbreviate(String)} cuts.
     *
     * @throws IllegalArgumentException when {@code maxChars} leaves no room for a character
     */
    public static String abbreviate(String value, int maxChars) {
        if (maxChars < 5) {
            throw new IllegalArgumentException("maxChars must be at least 5, got " + maxChars + ".");
        }
        if (value.length() <= maxChars) {
            return value;
        }
        int end = maxChars - 3;
        if (Character.isHighSurrogate(value.charAt(end - 1)) && Character.isLowSurrogate(value.charAt(end))) {
            end--;
        }
        return value.substring(0, end) + "...";
    }
}
