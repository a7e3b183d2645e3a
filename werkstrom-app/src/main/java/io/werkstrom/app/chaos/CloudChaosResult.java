package io.werkstrom.app.chaos;

import java.util.Locale;

/**
 * What {@code ./werkstrom chaos cloud} found: samples the gateways had acknowledged, rows stored,
 * samples lost, duplicate rows, and how often the job recovered (its restart count).
 */
public record CloudChaosResult(long generated, long stored, long lost, long duplicated, long recoveries) {

    /**
     * The gateways got samples through, nothing was lost, nothing stored twice, and the job did
     * recover at least once (the failure really happened).
     */
    public boolean passed() {
        return generated > 0 && lost == 0 && duplicated == 0 && recoveries >= 1;
    }

    public int exitCode() {
        return passed() ? 0 : 1;
    }

    /** The result line; its keys are a contract. */
    public String toJson() {
        return String.format(Locale.ROOT, "{\"generated\":%d, \"stored\":%d, \"lost\":%d, \"duplicated\":%d, \"recoveries\":%d}",
                generated, stored, lost, duplicated, recoveries);
    }
}
