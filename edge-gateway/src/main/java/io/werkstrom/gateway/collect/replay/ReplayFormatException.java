package io.werkstrom.gateway.collect.replay;

import java.io.IOException;
import java.nio.file.Path;

/** A replayed file holds a row that cannot be read; the message names the file and the line. */
public final class ReplayFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final Path file;
    private final long line;

    public ReplayFormatException(Path file, long line, String reason) {
        super(file + ":" + line + ": " + reason);
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    /** The 1-based line number. */
    public long line() {
        return line;
    }
}
