package io.werkstrom.gateway.collect.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Files;
import java.nio.file.Path;

/** How the replay formats read their files' text: a row with bytes not in the charset is malformed. */
final class ReplayText {

    private ReplayText() {
    }

    /**
     * The file's lines in {@code charset}, a byte sequence that is not in it read as U+FFFD: such a
     * row is malformed, not the whole file unreadable.
     */
    static BufferedReader lines(Path file, Charset charset) throws IOException {
        return new BufferedReader(new InputStreamReader(Files.newInputStream(file), charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)));
    }

    /** The start of a malformed row's reason when it held bytes that are not {@code charset}, else empty. */
    static String notDecoded(String row, String charset) {
        return row.indexOf('\uFFFD') >= 0 ? "bytes that are not " + charset + " text, " : "";
    }
}
