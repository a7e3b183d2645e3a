package io.werkstrom.jobs.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;

import io.werkstrom.jobs.alert.SignalFunction;
import io.werkstrom.jobs.decode.DecodeFunction;
import io.werkstrom.jobs.source.MqttRecord;

import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class DeadLetterTest {

    @Test
    void controlCharactersInAReasonAreWrittenAsEscapesAndTheRestIsKept() {
        DeadLetter letter = new DeadLetter(1, "t", "acme", "gw-1", "state 'on\nline\u0000' é 😀 ok", new byte[] {1});
        assertEquals("state 'on\\u000aline\\u0000' é 😀 ok", letter.reason());
        assertEquals("plain reason", new DeadLetter(1, "t", "acme", "gw-1", "plain reason", null).reason());
        assertNull(new DeadLetter(1, "t", "acme", "gw-1", null, null).reason());
    }

    @Test
    void aStatusMessageRefusedForItsTextGivesAOneLineReason() throws Exception {
        var harness = ProcessFunctionTestHarnesses.forProcessFunction(new SignalFunction());
        harness.processElement(new MqttRecord("werkstrom/v1/acme/plant-1/gw-1/status",
                "on\r\nline".getBytes(StandardCharsets.UTF_8), 1_000L), 0);
        DeadLetter letter = harness.getSideOutput(DecodeFunction.DEAD_LETTERS).poll().getValue();
        assertEquals("status payload must be 'online' or 'offline', got 'on\\u000d\\u000aline'", letter.reason());
        assertEquals("acme", letter.tenant());
        assertEquals("gw-1", letter.gateway());
    }
}
