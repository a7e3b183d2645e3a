package io.werkstrom.analytics.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Utf8LinesTest {

    /** {@code lines} lines of text with multi-byte characters, so that some straddle the 64 KiB reads. */
    private static ByteArrayOutputStream text(int lines) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 1; i <= lines; i++) {
            bytes.writeBytes(("line " + i + ": Temperatur \u00b0C \u2013 \u6e29\u5ea6 \ud83c\udf21\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return bytes;
    }

    @Test
    void namesTheLineOfTheFirstByteThatIsNotUtf8FarIntoTheFile(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = text(5000);
        bytes.writeBytes("caf".getBytes(StandardCharsets.US_ASCII));
        bytes.write(0xE9); // Latin-1 é
        bytes.writeBytes("\nline 5002\n".getBytes(StandardCharsets.US_ASCII));
        bytes.write(0xFF);
        Path file = dir.resolve("latin1.csv");
        Files.write(file, bytes.toByteArray());
        assertEquals(5001, Utf8Lines.firstMalformedLine(file));
    }

    @Test
    void aTruncatedSequenceAtTheEndCounts(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = text(3);
        bytes.write(0xE6); // the first of three bytes
        Path file = dir.resolve("cut.csv");
        Files.write(file, bytes.toByteArray());
        assertEquals(4, Utf8Lines.firstMalformedLine(file));
    }

    @Test
    void zeroForAUtf8FileOrOneThatCannotBeRead(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("good.csv");
        Files.write(file, text(5000).toByteArray());
        assertEquals(0, Utf8Lines.firstMalformedLine(file));
        assertEquals(0, Utf8Lines.firstMalformedLine(dir.resolve("missing.csv")));
    }
}
