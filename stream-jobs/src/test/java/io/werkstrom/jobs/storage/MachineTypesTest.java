package io.werkstrom.jobs.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.werkstrom.jobs.storage.MachineTypes.Row;

class MachineTypesTest {

    private static final MachineTypes TYPES = MachineTypes.of(List.of(
            new Row(MachineTypes.EVERY_GATEWAY, "m-001", "lathe"),
            new Row(MachineTypes.EVERY_GATEWAY, "m-003", "mill"),
            new Row("hall-2", "m-001", "press"),
            new Row("hall-2", "m-002", "press"),
            new Row("hall-3", "m-001", ModelCatalog.DEFAULT_TYPE)));

    @Test
    void theGatewaysRowWinsOverTheRowForEveryGatewayWhichWinsOverTheDefault() {
        assertEquals("lathe", TYPES.typeOf("hall-1", "m-001"));
        assertEquals("press", TYPES.typeOf("hall-2", "m-001"));
        assertEquals(ModelCatalog.DEFAULT_TYPE, TYPES.typeOf("hall-3", "m-001"), "a gateway may untype a machine");
        assertEquals("press", TYPES.typeOf("hall-2", "m-002"));
        assertEquals(ModelCatalog.DEFAULT_TYPE, TYPES.typeOf("hall-1", "m-002"), "hall-2's row types hall-2's m-002 only");
        assertEquals("mill", TYPES.typeOf("hall-2", "m-003"));
        assertEquals(ModelCatalog.DEFAULT_TYPE, TYPES.typeOf("hall-1", "m-404"));
    }

    @Test
    void theRowsAreListedPerGatewayAndInForcePerGateway() {
        assertEquals(Map.of("m-001", "lathe", "m-003", "mill"), TYPES.rowsOf(MachineTypes.EVERY_GATEWAY));
        assertEquals(Map.of("m-001", "press", "m-002", "press"), TYPES.rowsOf("hall-2"));
        assertEquals(Map.of(), TYPES.rowsOf("hall-1"));
        assertEquals(Map.of("m-001", "press", "m-002", "press", "m-003", "mill"), TYPES.inForceOn("hall-2"));
        assertEquals(Map.of("m-001", "lathe", "m-003", "mill"), TYPES.inForceOn("hall-1"));
        assertEquals(List.of(new Row("*", "m-001", "lathe"), new Row("*", "m-003", "mill"),
                new Row("hall-2", "m-001", "press"), new Row("hall-2", "m-002", "press"),
                new Row("hall-3", "m-001", "default")), TYPES.rows());
    }

    @Test
    void theMachinesOfATypeAreTheOnesTheRuleGivesItGatewayByGateway() {
        assertEquals(Map.of("*", Set.of("m-001"), "hall-2", Set.of(), "hall-3", Set.of()), TYPES.machinesOfType("lathe"),
                "m-001 is a lathe on every gateway but hall-2 and hall-3");
        assertEquals(Map.of("*", Set.of(), "hall-2", Set.of("m-001", "m-002")), TYPES.machinesOfType("press"));
        assertEquals(Map.of("*", Set.of("m-003")), TYPES.machinesOfType("mill"), "no gateway types m-003 otherwise");
        assertEquals(Map.of("*", Set.of(), "hall-3", Set.of("m-001")), TYPES.machinesOfType(ModelCatalog.DEFAULT_TYPE));
        assertEquals(Map.of("*", Set.of()), TYPES.machinesOfType("saw"));
    }

    @Test
    void theMachineIdsThatMayHaveATypeAreNarrowedWithoutLosingOne() {
        assertEquals(Set.of("m-001", "m-002"), TYPES.machinesNamed("press"));
        assertEquals(Set.of("m-001"), TYPES.machinesNamed("lathe"));
        // m-001 is of the default type on hall-3; only m-003 is typed on every gateway.
        assertEquals(Set.of("m-003"), TYPES.typedOnEveryGateway());
    }
}
