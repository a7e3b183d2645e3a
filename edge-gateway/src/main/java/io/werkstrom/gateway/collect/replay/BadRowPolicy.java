package io.werkstrom.gateway.collect.replay;

/** What a replay does with a malformed row. */
public enum BadRowPolicy {
    /**
     * The row's samples are replayed with {@link io.werkstrom.protocol.Quality#BAD} and value NaN, and
     * a warning names the file and line; the rest of the file replays normally.
     */
    MARK_BAD,
    /** Reading the file fails with a {@link ReplayFormatException} naming the file and line. */
    FAIL
}
