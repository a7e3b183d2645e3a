package io.werkstrom.analytics.eval;

import java.util.regex.Pattern;

/**
 * A 0/1 label cell of an evaluation file (SKAB's {@code anomaly}, AI4I's {@code Machine failure}):
 * {@code 0} or {@code 1}, also in the float form that pandas writes for a column that held a
 * missing value ({@code 0.0}, {@code 1.0}); nothing else, not even a number that parses to 0 or 1
 * ({@code 1e0}, {@code 0x1p0}), so that a label column that holds something other than labels is
 * refused, not read as one. Stateless.
 */
public final class BinaryLabel {

    private static final Pattern LABEL = Pattern.compile("[01](\\.0+)?");

    private BinaryLabel() {
    }

    /** Whether {@code cell}, without surrounding white space, is a label. */
    public static boolean isLabel(String cell) {
        return LABEL.matcher(cell.strip()).matches();
    }

    /** The label {@code cell} writes: 1 when it starts with {@code 1}. Call only after {@link #isLabel}. */
    public static int value(String cell) {
        return cell.strip().charAt(0) - '0';
    }
}
