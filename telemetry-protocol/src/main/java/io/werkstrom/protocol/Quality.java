package io.werkstrom.protocol;

/**
 * Quality of one sample, after OPC UA's status classes. Carried per sample so that one bad
 * reading never discards the rest of its batch.
 */
public enum Quality {
    GOOD((byte) 0),
    UNCERTAIN((byte) 1),
    BAD((byte) 2);

    private static final Quality[] BY_CODE = {GOOD, UNCERTAIN, BAD};

    private final byte code;

    Quality(byte code) {
        this.code = code;
    }

    /** The code on the wire and in the database. */
    public byte code() {
        return code;
    }

    /** The quality for a wire code; throws for a code this protocol version does not define. */
    public static Quality ofCode(int code) {
        if (code < 0 || code >= BY_CODE.length) {
            throw new IllegalArgumentException("quality code " + code + " is not one of 0 (good), 1 (uncertain), 2 (bad).");
        }
        return BY_CODE[code];
    }
}
