package io.werkstrom.gateway.collect.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class OpcUaOptionsTest {

    private static final List<MonitoredVariable> ONE = List.of(new MonitoredVariable("ns=2;s=a", "m-1", "temperature"));

    private static String error(OpcUaOptions.Builder b) {
        return assertThrows(IllegalArgumentException.class, b::build).getMessage();
    }

    @Test
    void theQueueHoldsTwoPublishingIntervalsOfSamplesByDefault() {
        OpcUaOptions o = OpcUaOptions.builder().endpoint("opc.tcp://plc:4840").variables(ONE)
                .samplingInterval(Duration.ofMillis(100)).publishingInterval(Duration.ofMillis(500)).build();
        assertEquals(12, o.queueSize());
        assertEquals(Deadband.NONE, o.deadband());
        assertEquals(7, OpcUaOptions.builder().endpoint("opc.tcp://plc:4840").variables(ONE).queueSize(7).build().queueSize());
    }

    @Test
    void invalidOptionsNameTheKey() {
        assertTrue(error(OpcUaOptions.builder().endpoint("http://plc").variables(ONE)).startsWith("endpoint"));
        assertTrue(error(OpcUaOptions.builder().endpoint("opc.tcp://plc:4840")).startsWith("variables"));
        assertTrue(error(OpcUaOptions.builder().endpoint("opc.tcp://plc:4840").variables(List.of(
                new MonitoredVariable("ns=2;s=a", "m", "s"), new MonitoredVariable("ns=2;s=b", "m", "s"))))
                .startsWith("variables: machine m sensor s is mapped twice"));
        assertTrue(error(OpcUaOptions.builder().endpoint("opc.tcp://plc:4840").variables(ONE)
                .publishingInterval(Duration.ofMillis(1))).startsWith("publishingInterval"));
        assertTrue(error(OpcUaOptions.builder().endpoint("opc.tcp://plc:4840").variables(ONE).queueSize(0))
                .startsWith("queueSize"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Deadband.percent(120)).getMessage()
                .startsWith("deadband value"));
    }
}
