package io.werkstrom.jobs.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ScoringOutageTest {

    private final List<String> lines = new ArrayList<>();
    private final ScoringOutage outage = new ScoringOutage("Multivariate scoring", new ScoringOutage.Lines() {
        @Override
        public void warn(String line, Throwable cause) {
            lines.add("WARN " + line + (cause == null ? "" : " [" + cause + "]"));
        }

        @Override
        public void info(String line) {
            lines.add("INFO " + line);
        }
    });

    @Test
    void anOutageIsLoggedAtItsStartEveryHundredFailuresAndItsEnd() {
        outage.succeeded();
        assertEquals(List.of(), lines, "nothing to say while calls work");
        for (int i = 1; i <= 250; i++) {
            outage.failed("batch " + i, new IllegalStateException("unreachable"));
        }
        assertEquals(250, outage.failedInARow());
        assertEquals(List.of("WARN Multivariate scoring failed: batch 1 [java.lang.IllegalStateException: unreachable]",
                "WARN Multivariate scoring still fails: 100 times in a row; the last: batch 100"
                        + " (java.lang.IllegalStateException: unreachable)",
                "WARN Multivariate scoring still fails: 200 times in a row; the last: batch 200"
                        + " (java.lang.IllegalStateException: unreachable)"), lines);
        outage.succeeded();
        outage.succeeded();
        assertEquals("INFO Multivariate scoring works again after 250 failures", lines.get(3));
        assertEquals(4, lines.size(), "the end of the outage is said once");
        outage.failed("batch 251", new IllegalStateException("again"));
        assertEquals(1, outage.failedInARow());
        assertEquals("WARN Multivariate scoring failed: batch 251 [java.lang.IllegalStateException: again]",
                lines.get(4), "a new outage starts with its cause");
    }
}
