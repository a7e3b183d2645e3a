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

    @Test
    void aBoundedNumberTakesItsLimitsAndRefusesBeyondThemNamingTheRange() {
        Args args = Args.parse("bench analytics", List.of("--rows", "1024", "--max", "4096", "--port", "65535"),
                Set.of("rows", "max", "port", "none"), Set.of());
        assertEquals(1024, args.wholeNumber("rows", 7, 1024, 4096));
        assertEquals(4096, args.wholeNumber("max", 7, 1024, 4096));
        assertEquals(65535, args.port("port", 1));
        assertEquals(7, args.wholeNumber("none", 7, 1024, 4096), "not given: the default");
        for (String bad : new String[] {"1023", "4097", "0", "-1", "x", "2147483648"}) {
            Args given = Args.parse("bench analytics", List.of("--rows", bad), Set.of("rows"), Set.of());
            assertEquals("bench analytics: --rows must be a whole number from 1024 to 4096, got '" + bad + "'",
                    assertThrows(UsageException.class, () -> given.wholeNumber("rows", 7, 1024, 4096)).getMessage());
        }
        Args zero = Args.parse("alerts", List.of("--http-port", "0"), Set.of("http-port"), Set.of());
        assertEquals("alerts: --http-port must be a port from 1 to 65535, got '0'",
                assertThrows(UsageException.class, () -> zero.port("http-port", 8088)).getMessage());
    }
}
