package io.werkstrom.analytics.eval;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds where a data file stops being UTF-8, so that a reader can name the line: a
 * {@code BufferedReader} decodes ahead of the line it returns, and its decoding error names
 * neither. Used only after such an error, so the file is read a second time. Stateless.
 */
public final class Utf8Lines {

    private Utf8Lines() {
    }

    /**
     * The 1-based line of the first byte sequence in {@code file} that is not UTF-8, or 0 when
     * there is none or the file cannot be read.
     */
    public static long firstMalformedLine(Path file) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        CharBuffer out = CharBuffer.allocate(64 * 1024);
        long line = 1;
        try (InputStream stream = Files.newInputStream(file)) {
            boolean end = false;
            while (!end) {
                int read = stream.read(in.array(), in.position(), in.remaining());
                end = read < 0;
                if (!end) {
                    in.position(in.position() + read);
                }
                in.flip();
                while (true) {
                    int start = in.position();
                    CoderResult result = decoder.decode(in, out, end);
                    for (int i = start; i < in.position(); i++) {
                        if (in.get(i) == '\n') {
                            line++;
                        }
                    }
                    if (result.isError()) {
                        return line;
                    }
                    out.clear();
                    if (result.isUnderflow()) {
                        break;
                    }
                }
                in.compact();
            }
            return 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
