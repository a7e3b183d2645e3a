package io.werkstrom.analytics.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class CommandOptionsTest {

    private static final List<String> ACCEPTED = List.of("dataset", "data");

    @Test
    void readsBothFormsInTheOrderGiven() {
        assertEquals(Map.of("dataset", "nab", "data", "a=b"),
                CommandOptions.parse(List.of("--dataset=nab", "--data", "a=b"), ACCEPTED));
        assertEquals(List.of("data", "dataset"),
                List.copyOf(CommandOptions.parse(List.of("--data=", "--dataset", "x"), ACCEPTED).keySet()));
    }

    @Test
    void refusesRepeatedUnknownAndIncompleteOptions() {
        assertEquals("--dataset is given twice", message("--dataset", "nab", "--dataset=skab"));
        assertEquals("unknown option --speed; accepted options: --dataset, --data", message("--speed", "9"));
        assertEquals("--data needs a value", message("--dataset", "nab", "--data"));
        assertEquals("unexpected argument 'nab'; accepted options: --dataset, --data", message("nab"));
        assertEquals("unexpected argument '--'; accepted options: --dataset, --data", message("--"));
    }

    private static String message(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> CommandOptions.parse(List.of(args), ACCEPTED))
                .getMessage();
    }
}
