package io.werkstrom.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The options of a launcher command, each given at most once. */
class ArgsTest {

    @Test
    void bothSpellingsOfAnOptionAndAFlagAreRead() {
        Args args = Args.parse("machines list", List.of("--tenant", "acme", "--jdbc-url=jdbc:postgresql://db/w", "--all"),
                Set.of("tenant", "jdbc-url"), Set.of("all"));
        assertEquals("acme", args.required("tenant"));
        assertEquals("jdbc:postgresql://db/w", args.required("jdbc-url"));
        assertEquals(true, args.flag("all"));
    }

    @Test
    void anOptionGivenTwiceIsAUsageErrorNotTheLastOneWinning() {
        UsageException twice = assertThrows(UsageException.class, () -> Args.parse("machines set",
                List.of("--tenant", "acme", "--type", "lathe", "--tenant=other"), Set.of("tenant", "type"), Set.of()));
        assertEquals("machines set: --tenant is given twice", twice.getMessage());
        UsageException flag = assertThrows(UsageException.class, () -> Args.parse("rules list",
                List.of("--all", "--all"), Set.of(), Set.of("all")));
        assertEquals("rules list: --all is given twice", flag.getMessage());
    }
}
